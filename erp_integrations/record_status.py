"""What the project's pages show of each record's accounting state, with the steps the user may take there.

The project side's pages know nothing of the workflow: their templates ask for this through the
`accounting_status` tag of `erp_ui`, for all the records a page shows at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.urls import reverse

from access import permissions
from access.permissions import Action, Person
from erp_integrations.exportables import exportable_type_of, is_exportable
from erp_integrations.models import ErpEvent, ErpItem, ErpState
from erp_integrations.selectors import items_for_records, latest_rejections
from erp_integrations.workflow import (
    DEPENDENCY_READY_STATES,
    PROJECT_SIDE_STEPS,
    TRANSITIONS,
    allowed_steps,
    is_locked,
)
from procore_sync.views import page_of


@dataclass
class StepButton:
    step: str
    label: str
    url: str


@dataclass
class WaitingOn:
    label: str
    url: str


@dataclass
class RecordStatus:
    """One record's accounting state, as its page shows it."""

    slug: str
    pk: int
    state: str
    item: ErpItem | None
    rejection: ErpEvent | None
    actions: list[StepButton] = field(default_factory=list)
    review_url: str = ""
    # What a pending record that could not go on (a direct export refused) waits on, each with its own page.
    waiting: list[WaitingOn] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"erp-{self.slug}-{self.pk}"

    @property
    def error(self) -> str:
        return self.item.erp_error if self.item else ""

    @property
    def locked(self) -> bool:
        return is_locked(self.state)

    @property
    def state_label(self) -> str:
        return ErpState(self.state).label


class RecordStatuses(dict[tuple[type[Model], int], RecordStatus]):
    def of(self, record: Model) -> RecordStatus | None:
        return self.get((type(record), record.pk))


def _records(values: Iterable[Any]) -> list[Model]:
    """The exportable records among `values` (records, lists of records, or None)."""
    found: list[Model] = []
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, Model):
            if is_exportable(value) and value.pk is not None:
                found.append(value)
        else:
            found.extend(_records(value))
    return found


def record_statuses(user: Person | None, *values: Any) -> RecordStatuses:
    """The accounting state of many records: a query per type, one for the rejections, none per record."""
    records = _records(values)
    items = items_for_records(records)
    rejections = latest_rejections([item.pk for item in items.values() if item.state == ErpState.REJECTED])
    may_review = bool(permissions.check(user, Action.VIEW_ERP_QUEUE))
    statuses = RecordStatuses()
    for record in records:
        key = (type(record), record.pk)
        item = items.get(key)
        state = item.state if item else ErpState.DRAFT
        slug = exportable_type_of(record).slug
        statuses[key] = RecordStatus(
            slug=slug,
            pk=record.pk,
            state=state,
            item=item,
            rejection=rejections.get(item.pk) if item else None,
            actions=[
                StepButton(step, TRANSITIONS[step].button, reverse("erp:record-step", args=[slug, record.pk, step]))
                for step in PROJECT_SIDE_STEPS
                if step in allowed_steps(state) and permissions.check(user, step, record)
            ],
            review_url=reverse("erp:item", args=[item.pk]) if item and may_review else "",
            waiting=_waiting_on(record) if item and item.state == ErpState.PENDING and item.erp_error else [],
        )
    return statuses


def _waiting_on(record: Model) -> list[WaitingOn]:
    """The records `record` depends on that are not accepted yet, with the page where who keeps each sends it
    (a draft company, a cost code). Read only for the few pending records whose export was refused."""
    dependencies = [dep for dep in exportable_type_of(record).dependencies(record) if is_exportable(dep)]
    items = items_for_records(dependencies)
    waiting = []
    for dependency in dependencies:
        item = items.get((type(dependency), dependency.pk))
        if (item.state if item else ErpState.DRAFT) not in DEPENDENCY_READY_STATES:
            spec = exportable_type_of(dependency)
            waiting.append(WaitingOn(f"{spec.label} {spec.describe(dependency)}", page_of(dependency)))
    return waiting


# --- a list of records narrowed to one accounting state -----------------------------------------------------


@dataclass
class StateOption:
    state: str  # "" for every state
    label: str
    count: int
    current: bool


@dataclass
class ByState:
    """Records narrowed to one accounting state (a record never sent is a draft), with each state's count."""

    records: list[Model]
    state: str
    options: list[StateOption]


def by_state(statuses: RecordStatuses, records: Iterable[Model], state: str = "") -> ByState:
    """`records` in `state` ("" or an unknown state: all of them), as `statuses` says they stand."""
    records = list(records)
    state = state if state in ErpState.values else ""
    states = [status.state if (status := statuses.of(record)) else ErpState.DRAFT for record in records]
    options = [StateOption("", "All", len(records), state == "")] + [
        StateOption(value, str(label), states.count(value), state == value) for value, label in ErpState.choices
    ]
    shown = [record for record, record_state in zip(records, states, strict=True) if state in ("", record_state)]
    return ByState(shown, state, options)
