"""The base of every refusal the domain gives, with a message a person can act on.

The apps above raise their own kinds (a workflow step from the wrong state, an edit of a locked field);
pages show `message`, and the API answers `status` with `as_dict()`.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 409

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.message, **self.details}
