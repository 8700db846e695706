"""What every QuickBooks record kind declares in its own module: how an accepted item becomes requests and
how QuickBooks' answer reads back.

Plain data in (the item's payload, as it was sent and accepted, and what is known of what it depends on),
qbXML elements out through the builders of `qbxml.lib.build`. The request queue asks these questions of any
kind the same way; what differs between kinds is declared here, not tested for by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from qbxml.lib.parse import records_with_ref_number

Element = etree._Element


@dataclass(frozen=True)
class ExportSettings:
    expense_account: str = "Job Expenses"
    income_account: str = "Construction Income"
    retainage_item: str = "Retainage"
    retention_item: str = "Retention"
    # Time entries go to QuickBooks payroll in an IIF file the accountant imports, not as requests.
    time_by_iif: bool = False


@dataclass
class ItemView:
    """What the export needs of one workflow item, read in bulk from what was accepted."""

    id: int
    object_type: str
    state: str
    label: str
    payload: dict[str, Any]
    accept_options: dict[str, Any]
    qb_ref: str = ""
    edit_sequence: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    depends_on: list[int] = field(default_factory=list)


@dataclass
class Context:
    """Everything known at the time a message is built or an answer read: settings, the items named by the
    requests (and what they depend on), the QuickBooks names they refer to, and what kinds read beyond
    their items (`Mapping.prepare`)."""

    settings: ExportSettings
    items: dict[int, ItemView]
    # cost code → its item's full name ("03:03-300"); job name → "Customer:Job"
    item_names: dict[str, str] = field(default_factory=dict)
    job_names: dict[str, str] = field(default_factory=dict)
    # vendor name as sent → the name QuickBooks holds it under, where they differ (a vendor linked, not resent)
    vendor_names: dict[str, str] = field(default_factory=dict)
    # employee name as sent → the name QuickBooks holds it under, where they differ (linked, not resent)
    employee_names: dict[str, str] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def dependency(self, item: ItemView, object_type: str) -> ItemView | None:
        for item_id in item.depends_on:
            found = self.items.get(item_id)
            if found is not None and found.object_type == object_type:
                return found
        return None

    def item_name(self, code: str) -> str:
        try:
            return self.item_names[code]
        except KeyError:
            raise ExportError(f"Cost code {code} is not in QuickBooks yet.") from None

    def vendor_name(self, name: str) -> str:
        return self.vendor_names.get(name, name)

    def employee_name(self, name: str) -> str:
        return self.employee_names.get(name, name)

    def job_name(self, job_name: str) -> str:
        try:
            return self.job_names[job_name]
        except KeyError:
            raise ExportError(f"The job {job_name} is not in QuickBooks yet.") from None


@dataclass(frozen=True)
class Outcome:
    """What an answer means for the record: found or made (with its ids), or not."""

    qb_ref: str
    edit_sequence: str
    details: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    # Another item's QuickBooks record changed too (a change order adds lines to its purchase order).
    touched: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)


class ExportError(ValueError):
    """The item cannot be turned into a request (data QuickBooks would refuse): the item fails with this."""


Build = Callable[[str, ItemView, Context], Element]


def _first(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    return records[0] if records else None


def _no_needs(payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings) -> dict[str, str]:
    return {}


def _nothing_more(record: dict[str, Any], item: ItemView, ctx: Context) -> tuple[dict[str, Any], dict[int, Any]]:
    return {}, {}


def _never_held(settings: ExportSettings) -> bool:
    return False


def line_ids(record: dict[str, Any]) -> list[str]:
    """The TxnLineIDs of a QuickBooks transaction's lines, in order."""
    return [line["txn_line_id"] for line in record.get("lines", []) if line.get("txn_line_id")]


@dataclass(frozen=True)
class Mapping:
    """How one kind of QuickBooks record is exported, for the accepted items of one exportable type."""

    kind: str  # what the request makes: vendor, job, purchase_order...
    object_type: str  # the exportable type whose items it sends (erp_integrations.exportables)
    sequence: int  # dependency order: a record before what refers to it
    add: Build
    # A query that finds the record we may already have made (answer lost, or name in use).
    lookup: Build
    # The target name or reference number, for messages and look-ups.
    target: Callable[[ItemView, Context], str]
    modify: Build | None = None
    # From a look-up's records: the record that is ours, if any.
    match: Callable[[list[dict[str, Any]], ItemView, Context], dict[str, Any] | None] = _first
    # The list records (classes, parent items, customers) it needs in QuickBooks first: "kind:name" → the
    # description to make it with.
    needs: Callable[[dict[str, Any], dict[str, Any], ExportSettings], dict[str, str]] = _no_needs
    # For list records: the QbListRecord type QuickBooks keeps it as; "" for transactions.
    list_type: str = ""
    # Its requests modify the record of the item it depends on of this type (a change order its
    # commitment's purchase order, a budget modification its budget's estimate); "" when it has its own.
    changes_record_of: str = ""
    # A modification that adds to the record (lines) rather than setting it: sending it twice would add
    # twice, so a lost answer is looked up first, and a refreshed record is checked for it.
    adds_to_record: bool = False
    # Needs the QuickBooks ids of what it depends on (a purchase order's TxnID and line ids), so it waits
    # for their answers instead of riding in the same message.
    waits_for_answers: bool = False
    # QuickBooks answers "name in use" when the record exists under another party: look it up and link to
    # it when it is the same party (a vendor, a job), instead of failing.
    links_same_party: bool = False
    # Its requests read the data of its dependencies of these types, not only their state.
    reads: frozenset[str] = frozenset()
    # Reading its plain success needs the whole item (its lines' ids are kept by line number).
    reads_item_on_success: bool = False
    # Details to keep from the record QuickBooks made or found, and other items' records it changed.
    outcome: Callable[[dict[str, Any], ItemView, Context], tuple[dict[str, Any], dict[int, Any]]] = _nothing_more
    # What its requests need read beyond their items, once per message, into Context.extras; returns the
    # payloads so read, whose QuickBooks names must be known too.
    prepare: Callable[[Context], list[dict[str, Any]]] | None = None
    # Its Mod needs what QuickBooks holds of the record before it can be built (the ids of lines it did not
    # keep): the record is read first, as for a stale EditSequence, and `refresh_details` keeps what of it
    # the Mod needs.
    reads_record_first: Callable[[ItemView], bool] | None = None
    refresh_details: Callable[[ItemView, dict[str, Any]], dict[str, Any]] | None = None
    # The settings send its accepted items another way than the Web Connector: they get no requests.
    held_back: Callable[[ExportSettings], bool] = _never_held

    @property
    def always_modifies(self) -> bool:
        return bool(self.changes_record_of)

    def is_update(self, item: ItemView) -> bool:
        return self.always_modifies or bool(item.qb_ref)

    def request(self, rid: str, item: ItemView, ctx: Context) -> Element:
        """The Add, or the Mod when QuickBooks already holds the record."""
        if self.is_update(item):
            if self.modify is None:
                raise ExportError(
                    f"QuickBooks already holds {self.target(item, ctx)}; it cannot be changed from here. "
                    "Unlink it after deleting it in QuickBooks, or record the change as a change order."
                )
            return self.modify(rid, item, ctx)
        return self.add(rid, item, ctx)

    def may_have_made_something(self, qb_ref: str) -> bool:
        """Whether a request sent whose answer was lost may have made something that sending it again would
        make twice: an Add, or a modification that adds (`qb_ref`: what the item is linked to). Any other
        Mod is safe to send again: if it happened, the EditSequence moved on and QuickBooks refuses it
        (3200, repaired by a query)."""
        return self.adds_to_record or not (self.always_modifies or qb_ref)

    def record_owner(self, item: ItemView, ctx: Context) -> ItemView:
        """The item whose QuickBooks record the requests change: its own, or its dependency's."""
        if self.changes_record_of:
            return ctx.dependency(item, self.changes_record_of) or item
        return item

    def outcome_of(self, item: ItemView, record: dict[str, Any], ctx: Context, *, note: str = "") -> Outcome:
        """Read the record QuickBooks made, changed or found into what the item keeps."""
        details, touched = self.outcome(record, item, ctx)
        return Outcome(
            qb_ref=record.get("list_id") or record.get("txn_id") or "",
            edit_sequence=record.get("edit_sequence") or "",
            details=details,
            note=note,
            touched=touched,
        )

    def refreshed(self, item: ItemView, record: dict[str, Any], ctx: Context) -> dict[int, tuple[str, dict[str, Any]]]:
        """A stale EditSequence was looked up: what to keep of QuickBooks' current record, on the item whose
        record it is (the lines' ids too, where the next modification adds to them)."""
        details = {"all_line_ids": line_ids(record)} if self.adds_to_record else {}
        if self.refresh_details is not None:
            details.update(self.refresh_details(item, record))
        return record_changed(self.record_owner(item, ctx), record, details)

    def must_read_record_first(self, item: ItemView) -> bool:
        return self.reads_record_first is not None and self.is_update(item) and self.reads_record_first(item)


# --- helpers the kinds share ---------------------------------------------------------------------------


def record_changed(
    owner: ItemView | None, record: dict[str, Any], details: dict[str, Any] | None = None
) -> dict[int, tuple[str, dict[str, Any]]]:
    """The owner item's QuickBooks record changed: its new EditSequence (and details) to keep."""
    return {owner.id: (record.get("edit_sequence") or "", details or {})} if owner is not None else {}


@dataclass(frozen=True)
class ChangeLine:
    """A line a change order adds to its contract's QuickBooks record: its item (cost code), class (cost type),
    sub job, description and amount."""

    cost_code: str
    cost_type: str
    sub_job: str
    description: str
    amount: Decimal


def summed_change_lines(payload: dict[str, Any]) -> list[ChangeLine]:
    """A change order's lines as they go to QuickBooks: the changes of one line (or the new lines of one cost
    code, cost type and sub job) summed into one, since QuickBooks cannot change one line twice in one
    modification; each keeps the first description given."""
    summed: dict[tuple[Any, str, str, str], Decimal] = {}
    descriptions: dict[tuple[Any, str, str, str], str] = {}
    for line in payload["lines"]:
        key = (line.get("changes_line"), line["cost_code"], line["cost_type"], line.get("sub_job", ""))
        summed[key] = summed.get(key, Decimal("0")) + Decimal(line["amount"])
        descriptions.setdefault(key, line.get("description", ""))
    return [
        ChangeLine(cost_code=key[1], cost_type=key[2], sub_job=key[3], description=descriptions[key], amount=amount)
        for key, amount in summed.items()
    ]


def record_with_marked_line(records: list[dict[str, Any]], marker: str) -> dict[str, Any] | None:
    """The record one of whose lines' descriptions starts with `marker` (a change order's lines say whose
    they are): how a change order whose answer was lost is found on its contract's record."""
    for record in records:
        if any((line.get("desc") or "").startswith(marker) for line in record.get("lines", [])):
            return record
    return None


def as_date(value: Any) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def classes_of_lines(payload: dict[str, Any]) -> dict[str, str]:
    """The classes (cost types) a transaction's lines name."""
    return {f"class:{line['cost_type']}": "" for line in payload.get("lines") or () if line.get("cost_type")}


def match_ref_number(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    """The transaction of the item's reference number and party."""
    found = records_with_ref_number(
        records, item.payload["number"], entity_full_name=ctx.vendor_name(item.payload["vendor"])
    )
    return found[0] if found else None
