"""The one state machine every exportable record shares (PRODUCT.md section 2), as a table, with the words
each step is said in beside it.

Nothing else decides which step may follow which: `services.move_many` is the only writer of an item's
state and checks every move here, and the API and the pages ask `allowed_steps` what to offer.
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
    # Taken from Ready to Import: the record is tied to one QuickBooks already holds, nothing is sent.
    LINK = "link"
    # Steps QuickBooks' answers take, never a person.
    SYNC_SUCCEEDED = "sync_succeeded"
    SYNC_FAILED = "sync_failed"


@dataclass(frozen=True)
class Transition:
    step: Step
    sources: frozenset[ErpState]
    target: ErpState
    # "cannot be {past}", "{count} items could not be {past}"
    past: str
    # The history's line for the step.
    history: str
    # The button that takes the step, and the title of its page ("" for QuickBooks' steps).
    button: str = ""
    # What the person who took the step is told: "{label} ...".
    done: str = ""
    # What the person is told after taking it on several items: "{Done} 3 items."
    done_many: str = ""

    @property
    def by_person(self) -> bool:
        return bool(self.button)


TRANSITIONS: dict[Step, Transition] = {
    t.step: t
    for t in [
        Transition(
            Step.SEND,
            frozenset({ErpState.DRAFT}),
            ErpState.PENDING,
            past="sent",
            history="Sent to accounting",
            button="Send to accounting",
            done="{label} sent to accounting for acceptance.",
        ),
        Transition(
            Step.RETRIEVE,
            frozenset({ErpState.PENDING}),
            ErpState.DRAFT,
            past="retrieved",
            history="Retrieved by the sender",
            button="Retrieve",
            done="{label} retrieved: it is a draft again and can be edited.",
        ),
        Transition(
            Step.ACCEPT,
            frozenset({ErpState.PENDING}),
            ErpState.QUEUED,
            past="accepted",
            history="Accepted",
            button="Accept",
            done="{label} accepted: it is queued for QuickBooks.",
            done_many="Accepted",
        ),
        Transition(
            Step.REJECT,
            frozenset({ErpState.PENDING, ErpState.FAILED}),
            ErpState.REJECTED,
            past="rejected",
            history="Rejected",
            button="Reject",
            done="{label} rejected: the sender has been told.",
            done_many="Rejected",
        ),
        Transition(
            Step.RESEND,
            frozenset({ErpState.REJECTED, ErpState.SYNCED}),
            ErpState.PENDING,
            past="resent",
            history="Sent again",
            button="Resend to accounting",
            done="{label} sent to accounting for acceptance.",
        ),
        Transition(
            Step.RETRY,
            frozenset({ErpState.FAILED}),
            ErpState.QUEUED,
            past="retried",
            history="Queued again",
            button="Retry",
            done="{label} is queued for QuickBooks again.",
            done_many="Queued again",
        ),
        Transition(
            Step.UNLINK,
            frozenset({ErpState.SYNCED}),
            ErpState.DRAFT,
            past="unlinked",
            history="Unlinked from QuickBooks",
            button="Unlink from QuickBooks",
            done="{label} is no longer linked to QuickBooks.",
            done_many="Unlinked",
        ),
        Transition(
            Step.LINK,
            # A pending item too: the approver who finds it in QuickBooks ties it there instead of accepting it
            # as new; a failed one whose name QuickBooks holds (3100) is tied to the record holding it. Queued or
            # synced, it is QuickBooks' already (or about to be).
            frozenset({ErpState.DRAFT, ErpState.PENDING, ErpState.REJECTED, ErpState.FAILED}),
            ErpState.SYNCED,
            past="linked",
            history="Linked to the QuickBooks record",
            done="{label} is linked to QuickBooks: its next export changes that record.",
            done_many="Linked",
        ),
        Transition(
            Step.SYNC_SUCCEEDED,
            frozenset({ErpState.QUEUED}),
            ErpState.SYNCED,
            past="marked synced",
            history="Synced to QuickBooks",
        ),
        Transition(
            Step.SYNC_FAILED,
            frozenset({ErpState.QUEUED}),
            ErpState.FAILED,
            past="marked failed",
            history="QuickBooks refused it",
        ),
    ]
}

# What a send that direct export accepted at once tells the sender.
DIRECT_EXPORT_DONE = "{label} sent and accepted at once (direct export): it is queued for QuickBooks."

# The steps a person takes from the project's pages, and those the approver takes from the queue.
PROJECT_SIDE_STEPS = (Step.SEND, Step.RETRIEVE, Step.RESEND, Step.UNLINK)
APPROVER_STEPS = (Step.ACCEPT, Step.REJECT, Step.RETRY, Step.UNLINK)

# The states in which the fields QuickBooks will receive cannot be edited: the item is in someone
# else's hands. A synced record may be edited; the edit goes to QuickBooks when it is resent (an update).
LOCKED_STATES = frozenset({ErpState.PENDING, ErpState.QUEUED})

# What an item another item depends on must be in before the dependent may be accepted.
DEPENDENCY_READY_STATES = frozenset({ErpState.QUEUED, ErpState.SYNCED})


def allowed_steps(state: str) -> list[str]:
    """The steps a person may take from `state`, in the table's order."""
    return [t.step.value for t in TRANSITIONS.values() if t.by_person and state in t.sources]


def may_move(step: Step, state: str | None) -> bool:
    return state in TRANSITIONS[step].sources


def is_locked(state: str) -> bool:
    return state in LOCKED_STATES


# What else a person may try on an item's record that the workflow can refuse.
_OTHER_ACTIONS = {"delete": "deleted"}


def past(action: str) -> str:
    """How a sentence says the step (or other action) was taken: "it cannot be accepted"."""
    if action in _OTHER_ACTIONS:
        return _OTHER_ACTIONS[action]
    return TRANSITIONS[Step(action)].past


def done_message(step: str, label: str, state: str) -> str:
    """What the person who took `step` on the item `label`, now in `state`, is told."""
    if Step(step) in (Step.SEND, Step.RESEND) and state == ErpState.QUEUED:
        return DIRECT_EXPORT_DONE.format(label=label)
    return TRANSITIONS[Step(step)].done.format(label=label)
