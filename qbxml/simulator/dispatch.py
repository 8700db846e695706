"""Answering one qbXML request: the `*Rq` element in, the `*Rs` element out, as QuickBooks answers it.

The dispatcher finds the handler of a request tag, refuses what the injected faults refuse, and writes
the `*Rs` with its status; the handlers live in one module per area and get only what they need.
"""

from __future__ import annotations

from qbxml.simulator import deletions, host, lists, queries, transactions
from qbxml.simulator.book import Book, escape_attribute
from qbxml.simulator.faults import AddCounts, Faults
from qbxml.simulator.host import HostSettings
from qbxml.simulator.iterators import Iterators
from qbxml.simulator.records import StatusError
from qbxml.simulator.request import FEATURE_OFF_MESSAGE, Element, Handler, Outcome


class Dispatcher:
    """Request tag to handler, with what outlives one message: iterators, injected faults, add counts."""

    def __init__(self, book: Book, settings: HostSettings) -> None:
        self.iterators: Iterators = {}
        self.faults = Faults()
        self.add_counts: AddCounts = {}
        self._handlers: dict[str, Handler] = {
            **lists.handlers(book, settings, self.add_counts),
            **queries.handlers(book, self.iterators),
            **transactions.handlers(book, settings, self.add_counts),
            **deletions.handlers(book),
            **host.handlers(settings),
        }

    def handle(self, rq: Element, macros: dict[str, str]) -> tuple[str, int, str]:
        """The *Rs answering `rq`, as XML text, with its status code and severity."""
        tag = str(rq.tag)
        try:
            outcome = self._outcome(rq, tag, macros)
        except StatusError as error:
            outcome = Outcome(code=error.code, severity=error.severity, message=error.message)
        rs_tag = tag[:-2] + "Rs"
        request_id = rq.get("requestID")
        attributes = [f'requestID="{escape_attribute(request_id)}" '] if request_id is not None else []
        attributes.append(
            f'statusCode="{outcome.code}" statusSeverity="{outcome.severity}" '
            f'statusMessage="{escape_attribute(outcome.message)}"'
        )
        attributes.extend(f' {name}="{escape_attribute(value)}"' for name, value in outcome.attributes.items())
        head = f"<{rs_tag} {''.join(attributes)}"
        if not outcome.children:
            return f"{head} />", outcome.code, outcome.severity
        return f"{head}>{''.join(outcome.children)}</{rs_tag}>", outcome.code, outcome.severity

    def _outcome(self, rq: Element, tag: str, macros: dict[str, str]) -> Outcome:
        operation = tag[:-2]
        self.faults.check_denied(operation)
        handler = self._handlers.get(tag)
        if handler is None:
            raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (The QuickBooks simulator does not handle {tag}.)")
        if not operation.endswith("Query"):
            self.faults.check_locks(rq, operation)
        return handler(rq, macros)

    def end_session(self) -> None:
        self.iterators.clear()
