"""Domain errors of the workflow, each with a message a project manager or an accountant can act on."""

from __future__ import annotations

from erp_integrations.workflow import past
from procore_sync.errors import DomainError

_STATE_WORDS = {
    "draft": "a draft",
    "pending": "pending acceptance",
    "queued": "queued for QuickBooks",
    "synced": "synced with QuickBooks",
    "failed": "failed to export",
    "rejected": "rejected",
}


def state_words(state: str) -> str:
    """How a sentence says a state: "it is queued for QuickBooks"."""
    return _STATE_WORDS.get(state, state)


class WorkflowError(DomainError):
    """Base of every refusal the workflow gives. `status` is the HTTP status the API answers with."""

    @property
    def headline(self) -> str:
        """The message without what it lists, for a page that shows the list below it."""
        return self.message


class StepNotAllowed(WorkflowError):
    """The step does not start from the item's current state (or someone else moved it first)."""

    def __init__(self, step: str, label: str, current_state: str, allowed_actions: list[str]) -> None:
        allowed = ", ".join(allowed_actions) if allowed_actions else "none"
        super().__init__(
            f"{label} cannot be {past(step)}: it is {state_words(current_state)} now. Allowed now: {allowed}.",
            current_state=current_state,
            allowed_actions=allowed_actions,
        )


class RecordLocked(WorkflowError):
    def __init__(self, label: str, current_state: str, fields: list[str], allowed_actions: list[str]) -> None:
        super().__init__(
            f"{label} is {state_words(current_state)}: {', '.join(fields)} cannot be changed until it is "
            "retrieved or rejected.",
            current_state=current_state,
            locked_fields=fields,
            allowed_actions=allowed_actions,
        )


class DependencyNotReady(WorkflowError):
    def __init__(self, label: str, waiting_on: list[str]) -> None:
        self._headline = f"{label} cannot be accepted yet:"
        super().__init__(f"{self._headline} " + "; ".join(waiting_on) + ".", waiting_on=waiting_on)

    @property
    def headline(self) -> str:
        return self._headline


class SendRefused(WorkflowError):
    """Send-time validation found problems: all of them are reported at once."""

    status = 400

    def __init__(self, label: str, problems: list[dict[str, str]]) -> None:
        super().__init__(
            f"{label} cannot be sent to accounting yet: {len(problems)} problem(s) to fix.",
            problems=problems,
        )


class AcceptOptionsInvalid(WorkflowError):
    status = 400

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, problems=[{"field": field, "message": message}])


class LinkRefused(WorkflowError):
    """A record cannot be tied to (or added from) the QuickBooks record asked for."""

    status = 409


class CompanyFileInUse(WorkflowError):
    """A project's items are in (or on their way to) its company file: the project cannot move to another."""

    status = 409

    def __init__(self, project: str, held: int) -> None:
        super().__init__(
            f"{project} keeps its company file: {held} of its items are queued for, synced to or failed in it. "
            "Unlink them first to move the project to another file.",
            held=held,
        )
