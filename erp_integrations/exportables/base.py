"""The shape every exportable type declares in its own module, and the checks the modules share.

A type's module says what QuickBooks will receive (its payload, as a TypedDict), what stops it from being
sent, which fields lock while the item is in accounting's hands, what it depends on, and what the approver
may add when accepting it. The workflow asks these questions of any type the same way.
"""

from __future__ import annotations

import datetime
import functools
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Generic, TypedDict, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model

from access.tools import Tool
from erp_integrations.models import ErpItem
from procore_sync.records import RECORD_TYPES, RecordType
from qbxml.lib import limits
from qbxml.lib.text import text_problems

MONEY = "money"
# An amount QuickBooks receives: two decimals as text, which JSON keeps exact (a float would not).
Money = Annotated[str, MONEY]

R = TypeVar("R", bound=Model)


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _no_dependencies(record: Any) -> list[Model]:
    return []


def _no_options(record: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def _no_initial(record: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Exportable(Generic[R]):
    """One record type as the acceptance workflow knows it."""

    slug: str  # the project side's record type
    plural: str  # the approver's tab
    order: int  # where its tab stands among the others
    payload_type: type  # a TypedDict: what QuickBooks will receive, in the order a person reads it
    payload: Callable[[R], Mapping[str, Any]]
    problems: Callable[[R], list[Problem]]
    describe: Callable[[R], str]
    # The record's fields that QuickBooks will receive: locked while the item is pending or queued.
    locked_fields: tuple[str, ...]
    # The records that must reach QuickBooks first (accept waits for them to be queued or synced).
    dependencies: Callable[[R], Iterable[Model]] = _no_dependencies
    # What QuickBooks needs beyond the record, as the approver gives it when accepting (with its defaults);
    # raises erp_integrations.errors.AcceptOptionsInvalid. `accept_fields` names them, `accept_initial`
    # fills the approver's form.
    accept_fields: tuple[str, ...] = ()
    accept_options: Callable[[R, Mapping[str, Any]], dict[str, Any]] = _no_options
    accept_initial: Callable[[R], dict[str, Any]] = _no_initial

    @property
    def record_type(self) -> RecordType:
        return RECORD_TYPES[self.slug]

    @property
    def model(self) -> type[Model]:
        return self.record_type.model

    @property
    def label(self) -> str:
        return self.record_type.label

    @property
    def tool(self) -> Tool:
        return self.record_type.tool

    @property
    def has_lines(self) -> bool:
        """Whether lines are part of what QuickBooks receives: any line change then counts as an edit."""
        return self.record_type.lines is not None

    def project_of(self, record: Any) -> Model | None:
        return self.record_type.project_of(record)


# --- the shape of a payload, for the pages ------------------------------------------------------------------


@dataclass(frozen=True)
class PayloadField:
    name: str
    money: bool
    # For a list of lines: the shape of one line.
    lines: tuple[PayloadField, ...] = ()


@functools.cache
def payload_fields(payload_type: type) -> tuple[PayloadField, ...]:
    """The fields of a payload TypedDict in declaration order, which amounts are money, and the lines'."""
    shape = []
    for name, hint in typing.get_type_hints(payload_type, include_extras=True).items():
        lines: tuple[PayloadField, ...] = ()
        if typing.get_origin(hint) is list:
            (row,) = typing.get_args(hint)
            if typing.is_typeddict(row):
                lines = payload_fields(row)
        shape.append(PayloadField(name, MONEY in getattr(hint, "__metadata__", ()), lines))
    return tuple(shape)


# --- checks the types share -----------------------------------------------------------------------------------


def text(problems: list[Problem], field_name: str, label: str, value: str, max_length: int, **kw: Any) -> None:
    problems.extend(Problem(field_name, message) for message in text_problems(label, value or "", max_length, **kw))


class AddressPayload(TypedDict):
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    country: str


ADDRESS_FIELDS = tuple(AddressPayload.__annotations__)


def address_payload(record: Any) -> AddressPayload:
    return AddressPayload(
        address_line1=record.address_line1,
        address_line2=record.address_line2,
        city=record.city,
        state=record.state,
        postal_code=record.postal_code,
        country=record.country,
    )


def address(problems: list[Problem], record: Any) -> None:
    for field_name, label, max_length in [
        ("address_line1", "Address line 1", limits.ADDR_LINE),
        ("address_line2", "Address line 2", limits.ADDR_LINE),
        ("city", "City", limits.CITY),
        ("state", "State", limits.STATE),
        ("postal_code", "Postal code", limits.POSTAL_CODE),
        ("country", "Country", limits.COUNTRY),
    ]:
        text(problems, field_name, label, getattr(record, field_name), max_length)


def amount_problems(problems: list[Problem], field_name: str, label: str, value: Decimal) -> None:
    integer_digits = len(str(abs(int(value))))
    if integer_digits > limits.AMOUNT_MAX_INTEGER_DIGITS:
        problems.append(Problem(field_name, f"{label} {value} is too large for QuickBooks."))


def invariant_problems(problems: list[Problem], record: Any) -> None:
    """The record's own rules (`check_invariants`), as problems to fix before sending."""
    try:
        record.check_invariants()
    except ValidationError as exc:
        problems.extend(Problem(name, message) for name, messages in exc.message_dict.items() for message in messages)


def item_in_quickbooks(record: Model) -> ErpItem | None:
    """The record's workflow item when QuickBooks holds its record (a send is then an update of it)."""
    if record.pk is None:
        return None
    item = ErpItem.objects.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk).first()
    return item if item is not None and item.qb_ref else None


def not_updatable(problems: list[Problem], record: Model, payload: Mapping[str, Any], what: str, instead: str) -> None:
    """A record whose QuickBooks record cannot be changed from here, edited since QuickBooks received it:
    sending it again is refused now, not by the export after an approver accepted it."""
    item = item_in_quickbooks(record)
    if item is not None and item.synced_payload is not None and item.synced_payload != dict(payload):
        problems.append(
            Problem("status", f"QuickBooks already holds {what}; it cannot be changed from here. {instead}")
        )


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None
