"""Template helpers of the workflow: state badges, the history's words, how a person is named, and the
accounting state of the records a project page shows (with the steps the user may take there)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model
from django.utils.html import format_html

from erp_integrations.models import ErpState
from erp_integrations.record_status import ByState, RecordStatus, RecordStatuses, by_state, record_statuses
from erp_integrations.workflow import TRANSITIONS, Step

register = template.Library()

STATE_LABELS = dict(ErpState.choices)


@register.simple_tag
def state_badge(state: str | None) -> str:
    """The item's state as a coloured badge whose text says the state (colour is never the only cue)."""
    state = state or ErpState.DRAFT
    return format_html(
        '<span class="badge badge--{}">{}</span>', state, STATE_LABELS.get(state, str(state).capitalize())
    )


def person_name(user: Any) -> str:
    """How every page, list and e-mail names a person: the full name, the login where there is none."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


@register.filter(name="person")
def person(user: Any) -> str:
    """`{{ item.sent_by|person }}`: see `person_name`."""
    return person_name(user)


@register.filter
def event_label(action: str) -> str:
    """The history's line for a step."""
    if action in Step.__members__.values():
        return TRANSITIONS[Step(action)].history
    return str(action).replace("_", " ").capitalize()


@register.simple_tag(takes_context=True)
def accounting_status(context: template.Context, *records: Any) -> RecordStatuses:
    """`{% accounting_status project commitments as statuses %}`: the accounting state of every record a
    page shows (records or lists of them), read at once."""
    request = context.get("request")
    return record_statuses(request.user if request is not None else None, *records)


@register.simple_tag
def records_in_state(statuses: RecordStatuses, records: Any, state: str = "") -> ByState:
    """`{% records_in_state statuses sub_jobs "synced" as shown %}`: the records in that accounting state
    (all for ""), with a choice per state and its count (`shown.records`, `shown.options`)."""
    return by_state(statuses, records or [], state or "")


@register.filter
def status_of(statuses: RecordStatuses, record: Model) -> RecordStatus | None:
    return statuses.of(record) if statuses else None


@register.inclusion_tag("erp/_record_status.html", takes_context=True)
def record_status(context: template.Context, statuses: RecordStatuses, record: Model) -> dict[str, Any]:
    """A record's state, rejection, error and the steps the user may take on it, as a block of its page."""
    return {
        "status": status_of(statuses, record),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("erp/_record_notices.html", takes_context=True)
def record_notices(context: template.Context, record: Model) -> dict[str, Any]:
    """Above a record's form: why it was rejected."""
    request = context.get("request")
    statuses = record_statuses(request.user if request is not None else None, record)
    return {"status": statuses.of(record)}
