"""The one state machine every exportable record shares (PRODUCT.md section 2), as a table.

Nothing else decides which step may follow which: services look up the step here, and the API and the
pages ask `allowed_actions` what to offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from erp_integrations.models import ErpState


class Step(StrEnum):
    SEND = "send"
    RETRIEVE = "retrieve"
    ACCEPT = "accept"
    REJECT = "reject"
    RESEND = "resend"
    RETRY = "retry"
    UNLINK = "unlink"
    # Steps QuickBooks' answers take, never a person.
    SYNC_SUCCEEDED = "sync_succeeded"
    SYNC_FAILED = "sync_failed"


@dataclass(frozen=True)
class Transition:
    step: Step
    sources: frozenset[ErpState]
    target: ErpState
    by_person: bool = True


TRANSITIONS: dict[Step, Transition] = {
    t.step: t
    for t in [
        Transition(Step.SEND, frozenset({ErpState.DRAFT}), ErpState.PENDING),
        Transition(Step.RETRIEVE, frozenset({ErpState.PENDING}), ErpState.DRAFT),
        Transition(Step.ACCEPT, frozenset({ErpState.PENDING}), ErpState.QUEUED),
        Transition(Step.REJECT, frozenset({ErpState.PENDING, ErpState.FAILED}), ErpState.REJECTED),
        Transition(Step.RESEND, frozenset({ErpState.REJECTED, ErpState.SYNCED}), ErpState.PENDING),
        Transition(Step.RETRY, frozenset({ErpState.FAILED}), ErpState.QUEUED),
        Transition(Step.UNLINK, frozenset({ErpState.SYNCED}), ErpState.DRAFT),
        Transition(Step.SYNC_SUCCEEDED, frozenset({ErpState.QUEUED}), ErpState.SYNCED, by_person=False),
        Transition(Step.SYNC_FAILED, frozenset({ErpState.QUEUED}), ErpState.FAILED, by_person=False),
    ]
}

# The states in which the fields QuickBooks will receive cannot be edited: the item is in someone
# else's hands. A synced record may be edited; the edit goes to QuickBooks when it is resent (an update).
LOCKED_STATES = frozenset({ErpState.PENDING, ErpState.QUEUED})

# What an item another item depends on must be in before the dependent may be accepted.
DEPENDENCY_READY_STATES = frozenset({ErpState.QUEUED, ErpState.SYNCED})


def allowed_steps(state: str) -> list[str]:
    """The steps a person may take from `state`, in the table's order."""
    return [t.step.value for t in TRANSITIONS.values() if t.by_person and state in t.sources]


def is_locked(state: str) -> bool:
    return state in LOCKED_STATES
