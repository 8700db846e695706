"""The request's state machine: every state a `QbRequest` can be in, which may follow which, and the one
writer of `status`.

    READY ──▶ SENT ──answer──▶ DONE | FAILED | READY (busy: next session) | HELD
      │ └──▶ STALE (a Mod that needs what QuickBooks holds of the record first: its lines' ids)
      │         │                   | NAME_IN_USE (3100 on a new vendor or job) | STALE (3200)
      │         │                   | LOOK_UP (3100 on a list record it needs)
      ▼         └──answer lost──▶ LOOK_UP (an Add, or a Mod that adds) | READY (a Mod, safe to repeat)
    HELD ──▶ SENT (what it waited for went after all)
    LOOK_UP ──▶ LOOKING_UP ──found──▶ DONE        └──not found──▶ READY (make it)
    NAME_IN_USE ──▶ MATCHING_NAME ──same party──▶ DONE (linked)   └──another party──▶ FAILED
    STALE ──▶ REFRESHING ──current EditSequence kept──▶ READY (send again) | DONE | FAILED
    any waiting state ──▶ CANCELLED (its item left the queue) | FAILED (it cannot be built)

A request in a message goes back to the state it waited in when the message is never taken, when
QuickBooks could not read it or stopped before it; a look-up whose answer was lost is asked again.
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import Case, QuerySet, Value, When

from qbxml.models import QbRequest

S = QbRequest.Status

# Each waiting state and the state its request is in while it rides in a message.
IN_FLIGHT: dict[str, str] = {
    S.READY: S.SENT,
    S.HELD: S.SENT,
    S.LOOK_UP: S.LOOKING_UP,
    S.NAME_IN_USE: S.MATCHING_NAME,
    S.STALE: S.REFRESHING,
}
# Each state in a message and the one it waits in again when its answer does not come.
WAITS_AGAIN: dict[str, str] = {
    S.SENT: S.READY,
    S.LOOKING_UP: S.LOOK_UP,
    S.MATCHING_NAME: S.NAME_IN_USE,
    S.REFRESHING: S.STALE,
}
LOOK_UPS = frozenset({S.LOOK_UP, S.NAME_IN_USE, S.STALE})
WAITING = frozenset(IN_FLIGHT)
SENT = frozenset(WAITS_AGAIN)
ACTIVE = WAITING | SENT
FINAL = frozenset({S.DONE, S.FAILED, S.CANCELLED})

NEXT: dict[str, frozenset[str]] = {
    S.READY: frozenset({S.SENT, S.HELD, S.STALE, S.FAILED, S.CANCELLED}),
    S.HELD: frozenset({S.SENT, S.HELD, S.FAILED, S.CANCELLED}),
    S.LOOK_UP: frozenset({S.LOOKING_UP, S.FAILED, S.CANCELLED}),
    S.NAME_IN_USE: frozenset({S.MATCHING_NAME, S.FAILED, S.CANCELLED}),
    S.STALE: frozenset({S.REFRESHING, S.FAILED, S.CANCELLED}),
    S.SENT: frozenset({S.DONE, S.FAILED, S.READY, S.HELD, S.LOOK_UP, S.NAME_IN_USE, S.STALE}),
    S.LOOKING_UP: frozenset({S.DONE, S.FAILED, S.READY, S.LOOK_UP}),
    S.MATCHING_NAME: frozenset({S.DONE, S.FAILED, S.NAME_IN_USE}),
    S.REFRESHING: frozenset({S.DONE, S.FAILED, S.READY, S.STALE}),
    S.DONE: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
assert set(NEXT) == set(S.values), "every state has its row"


class RequestStateError(RuntimeError):
    """A move the table does not allow: a bug, never a QuickBooks answer."""


class HasStatus(Protocol):
    """What the writer needs of a request row (the queue's rows are plain objects, not model instances)."""

    pk: int
    status: str


def move(request: HasStatus, to: str) -> None:
    """Move a request (in memory; the queue writes its rows in bulk) to `to`, if the table allows it."""
    if to not in NEXT[request.status]:
        raise RequestStateError(f"request {request.pk} cannot go from {request.status} to {to}")
    request.status = to


def send(request: HasStatus) -> None:
    """The request goes in a message: as its add or mod, or as the look-up it waited to make."""
    move(request, IN_FLIGHT[request.status])


def wait_again(request: HasStatus) -> None:
    """Its message was not answered for it: it waits to be sent again as it was."""
    move(request, WAITS_AGAIN[request.status])


def answer_lost(request: HasStatus, *, may_have_made_something: bool) -> None:
    """It was sent and its answer will never come (the session ended, QuickBooks' answer could not be
    read): an Add is looked up before it is sent again; a look-up is asked again."""
    if request.status == S.SENT and may_have_made_something:
        move(request, S.LOOK_UP)
    else:
        wait_again(request)


def waits_again_in_database(requests: QuerySet[QbRequest]) -> int:
    """`wait_again` for every request of the queryset, in one UPDATE (messages never taken)."""
    return requests.filter(status__in=SENT).update(
        status=Case(*(When(status=sent, then=Value(waiting)) for sent, waiting in WAITS_AGAIN.items()))
    )
