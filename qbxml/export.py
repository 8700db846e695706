"""What each accepted item becomes in QuickBooks, and how QuickBooks' answer is read back.

Plain data in (the item's payload, as it was sent and accepted, and what is known of its dependencies),
qbXML elements out through the builders of `qbxml.lib.build`. One `Kind` per QuickBooks record type says
how to add or modify it, how to look for it when an answer was lost, and what its answer means.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from qbxml.lib import build
from qbxml.lib import types as qb
from qbxml.lib.parse import Response, records_with_ref_number

Element = etree._Element

# Dependency order: a record before what refers to it.
SEQUENCE = {
    "class": 10,
    "parent_item": 20,
    "item": 21,
    "vendor": 30,
    "customer": 40,
    "job": 41,
    "estimate": 50,
    "estimate_change": 51,
    "purchase_order": 60,
    "purchase_order_change": 61,
    "bill": 70,
}

KIND_OF_TYPE = {
    "company": "vendor",
    "project": "job",
    "cost_code": "item",
    "budget": "estimate",
    "budget_modification": "estimate_change",
    "commitment": "purchase_order",
    "change_order": "purchase_order_change",
    "subcontractor_invoice": "bill",
}


@dataclass(frozen=True)
class ExportSettings:
    expense_account: str = "Job Expenses"
    income_account: str = "Construction Income"
    retainage_item: str = "Retainage"


@dataclass
class ItemView:
    """What the export needs of one workflow item, read in bulk."""

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
    """Everything known at the time a message is built: settings, and the items named by the requests."""

    settings: ExportSettings
    items: dict[int, ItemView]
    # cost code → its item's full name ("03:03-300"); job name → "Customer:Job"
    item_names: dict[str, str]
    job_names: dict[str, str]
    synced_modifications: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def dependency(self, item: ItemView, object_type: str) -> ItemView | None:
        for item_id in item.depends_on:
            found = self.items.get(item_id)
            if found is not None and found.object_type == object_type:
                return found
        return None


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


# --- support records: classes, division parent items, the retainage item, parent customers ------------


def support_keys(
    object_type: str, payload: dict[str, Any], options: dict[str, Any], settings: ExportSettings
) -> list[str]:
    """The list records an item needs in QuickBooks before it can go, as "kind:name" keys."""
    keys: list[str] = []
    lines = payload.get("lines") or []
    if object_type == "cost_code":
        keys.append(f"parent_item:{payload['division']}")
    if object_type == "project":
        keys.append(f"customer:{options['parent_customer']}")
    if object_type in {"budget", "budget_modification", "commitment", "change_order", "subcontractor_invoice"}:
        keys.extend(f"class:{line['cost_type']}" for line in lines if line.get("cost_type"))
    if object_type == "subcontractor_invoice":
        keys.append(f"parent_item:{settings.retainage_item}")
    return sorted(set(keys))


def support_request(request_id: str, key: str, settings: ExportSettings, division_names: dict[str, str]) -> Element:
    kind, _, name = key.partition(":")
    if kind == "class":
        return build.class_add(request_id, qb.ClassData(name=name))
    if kind == "parent_item":
        description = "Retainage held" if name == settings.retainage_item else division_names.get(name, "")
        return build.item_service_add(
            request_id,
            qb.ServiceItemData(
                name=name,
                description=description,
                expense_account=settings.expense_account,
                income_account=settings.income_account,
            ),
        )
    if kind == "customer":
        return build.customer_add(request_id, qb.CustomerData(name=name))
    raise ValueError(f"unknown support record {key!r}")


def support_lookup(request_id: str, key: str) -> Element:
    """A query for the support record `key`, to tell whether QuickBooks holds it (or only its name)."""
    kind, _, name = key.partition(":")
    query_kind = {"class": "Class", "parent_item": "Item", "customer": "Customer"}[kind]
    return build.list_query(request_id, query_kind, full_name=name)  # type: ignore[arg-type]


def support_list_type(key: str) -> str:
    return {"class": "class", "parent_item": "item", "customer": "customer"}[key.partition(":")[0]]


# --- the records of the items ----------------------------------------------------------------------


def _address(payload: dict[str, Any]) -> qb.Address | None:
    address = qb.Address(
        addr1=payload.get("address_line1", ""),
        addr2=payload.get("address_line2", ""),
        city=payload.get("city", ""),
        state=payload.get("state", ""),
        postal_code=payload.get("postal_code", ""),
        country=payload.get("country", ""),
    )
    return None if address.is_empty() else address


def _date(value: Any) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _vendor_data(payload: dict[str, Any]) -> qb.VendorData:
    return qb.VendorData(
        name=payload["name"],
        company_name=payload["name"],
        address=_address(payload),
        phone=payload.get("phone", ""),
        email=payload.get("email", ""),
        contact=payload.get("contact_name", ""),
    )


def _job_data(payload: dict[str, Any], options: dict[str, Any]) -> qb.CustomerData:
    return qb.CustomerData(
        name=payload["job_name"],
        parent_full_name=options["parent_customer"],
        bill_address=_address(payload),
        job_desc=payload.get("name", "")[:99],
    )


def _item_data(payload: dict[str, Any], settings: ExportSettings) -> qb.ServiceItemData:
    return qb.ServiceItemData(
        name=payload["code"],
        parent_full_name=payload["division"],
        description=payload.get("description", ""),
        expense_account=settings.expense_account,
        income_account=settings.income_account,
    )


def item_full_name(division: str, code: str) -> str:
    return f"{division}:{code}"


def _item_name(ctx: Context, code: str) -> str:
    try:
        return ctx.item_names[code]
    except KeyError:
        raise ExportError(f"Cost code {code} is not in QuickBooks yet.") from None


def _job_name(ctx: Context, job_name: str) -> str:
    try:
        return ctx.job_names[job_name]
    except KeyError:
        raise ExportError(f"The job {job_name} is not in QuickBooks yet.") from None


def _estimate_lines(ctx: Context, lines: list[dict[str, Any]]) -> tuple[qb.EstimateLine, ...]:
    # One estimate line per cost code and cost type: QuickBooks shows the budget the way the project does.
    totals: dict[tuple[str, str], Decimal] = {}
    descriptions: dict[tuple[str, str], str] = {}
    for line in lines:
        key = (line["cost_code"], line["cost_type"])
        totals[key] = totals.get(key, Decimal("0")) + Decimal(line["amount"])
        descriptions.setdefault(key, line.get("description", ""))
    return tuple(
        qb.EstimateLine(
            item_full_name=_item_name(ctx, code),
            amount=amount,
            class_name=cost_type,
            description=descriptions[(code, cost_type)],
        )
        for (code, cost_type), amount in totals.items()
    )


def _estimate_data(ctx: Context, job_name: str, lines: list[dict[str, Any]], memo: str) -> qb.EstimateData:
    return qb.EstimateData(customer_full_name=_job_name(ctx, job_name), lines=_estimate_lines(ctx, lines), memo=memo)


def _revised_budget_lines(ctx: Context, budget: ItemView, modification: ItemView | None) -> list[dict[str, Any]]:
    lines = [dict(line) for line in budget.payload["lines"]]
    changes = list(ctx.synced_modifications.get(budget.id, []))
    if modification is not None:
        changes.append(modification.payload)
    for change in changes:
        for line in change["lines"]:
            lines.append(
                {
                    "cost_code": line["cost_code"],
                    "cost_type": line["cost_type"],
                    "description": "",
                    "amount": line["amount"],
                }
            )
    return lines


def _po_lines(ctx: Context, payload: dict[str, Any], job: str) -> tuple[qb.PurchaseOrderLine, ...]:
    return tuple(
        qb.PurchaseOrderLine(
            item_full_name=_item_name(ctx, line["cost_code"]),
            amount=Decimal(line["amount"]),
            class_name=line["cost_type"],
            customer_full_name=job,
            description=line.get("description", ""),
        )
        for line in payload["lines"]
    )


def change_order_marker(number: str) -> str:
    """How a change order's lines are recognised on the purchase order (descriptions start with it)."""
    return f"CCO {number}:"


def _change_order_lines(ctx: Context, payload: dict[str, Any], job: str) -> tuple[qb.PurchaseOrderLine, ...]:
    # QuickBooks cannot change one line twice in one modification: changes to the same line are summed.
    summed: dict[tuple[Any, str, str], Decimal] = {}
    descriptions: dict[tuple[Any, str, str], str] = {}
    for line in payload["lines"]:
        key = (line.get("changes_line"), line["cost_code"], line["cost_type"])
        summed[key] = summed.get(key, Decimal("0")) + Decimal(line["amount"])
        descriptions.setdefault(key, line.get("description", ""))
    marker = change_order_marker(payload["number"])
    return tuple(
        qb.PurchaseOrderLine(
            item_full_name=_item_name(ctx, code),
            amount=amount,
            class_name=cost_type,
            customer_full_name=job,
            description=f"{marker} {descriptions[(changed_line, code, cost_type)]}".strip(),
        )
        for (changed_line, code, cost_type), amount in summed.items()
    )


def _bill_data(ctx: Context, item: ItemView) -> qb.BillData:
    payload = item.payload
    commitment = ctx.dependency(item, "commitment")
    job = _job_name(ctx, payload["job_name"])
    po_line_ids: dict[str, str] = (commitment.details.get("line_ids") if commitment else None) or {}
    lines = []
    released = Decimal("0")
    held = Decimal("0")
    for line in payload["lines"]:
        amount = Decimal(line["work_completed"]) + Decimal(line["materials_stored"])
        held += Decimal(line["retainage_held"])
        released += Decimal(line["retainage_released"])
        if amount == 0:
            continue
        po_line = po_line_ids.get(str(line.get("line_number"))) if line.get("line_number") else None
        lines.append(
            qb.BillLine(
                item_full_name=_item_name(ctx, line["cost_code"]),
                amount=amount,
                class_name=line["cost_type"],
                customer_full_name=job,
                description=line.get("description", ""),
                purchase_order_txn_line_id=po_line,
            )
        )
    if released:
        lines.append(
            qb.BillLine(
                item_full_name=ctx.settings.retainage_item,
                amount=released,
                customer_full_name=job,
                description="Retainage released",
            )
        )
    linked = any(line.purchase_order_txn_line_id for line in lines)
    return qb.BillData(
        vendor_name=payload["vendor"],
        ref_number=payload["number"],
        lines=tuple(lines),
        txn_date=_date(payload.get("invoice_date")),
        memo=f"Pay application {payload['number']} on {payload['commitment']}",
        retainage=qb.Retainage(amount=held, item_full_name=ctx.settings.retainage_item, customer_full_name=job)
        if held
        else None,
        purchase_order_txn_id=commitment.qb_ref if (commitment and linked) else None,
    )


@dataclass(frozen=True)
class Kind:
    """How one kind of QuickBooks record is exported."""

    name: str
    list_type: str  # for list records: the QbListRecord type; "" for transactions
    add: Callable[[str, ItemView, Context], Element]
    modify: Callable[[str, ItemView, Context], Element] | None
    # A query that finds the record we may already have made (answer lost, or name in use).
    lookup: Callable[[str, ItemView, Context], Element]
    # From a lookup's records: the record that is ours, if any.
    match: Callable[[list[dict[str, Any]], ItemView, Context], dict[str, Any] | None]
    # The target name or reference number, for messages and look-ups.
    target: Callable[[ItemView, Context], str]
    always_modifies: bool = False  # change orders and budget changes modify another item's record
    # Needs the QuickBooks ids of what it depends on (a purchase order's TxnID and line ids), so it waits
    # for their answers instead of riding in the same message.
    waits_for_answers: bool = False

    def is_update(self, item: ItemView) -> bool:
        return self.always_modifies or bool(item.qb_ref)


def _first(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    return records[0] if records else None


def _vendor_add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.vendor_add(rid, _vendor_data(item.payload))


def _vendor_mod(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.vendor_mod(rid, qb.VendorModData(item.qb_ref, item.edit_sequence, _vendor_data(item.payload)))


def _job_add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.customer_add(rid, _job_data(item.payload, item.accept_options))


def _job_mod(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.customer_mod(
        rid, qb.CustomerModData(item.qb_ref, item.edit_sequence, _job_data(item.payload, item.accept_options))
    )


def _job_full_name(item: ItemView, ctx: Context) -> str:
    return f"{item.accept_options['parent_customer']}:{item.payload['job_name']}"


def _item_add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.item_service_add(rid, _item_data(item.payload, ctx.settings))


def _item_mod(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.item_service_mod(
        rid, qb.ServiceItemModData(item.qb_ref, item.edit_sequence, _item_data(item.payload, ctx.settings))
    )


def _estimate_add(rid: str, item: ItemView, ctx: Context) -> Element:
    lines = _revised_budget_lines(ctx, item, None)
    return build.estimate_add(rid, _estimate_data(ctx, item.payload["job_name"], lines, "Budget"))


def _estimate_mod(rid: str, item: ItemView, ctx: Context) -> Element:
    # The whole revised budget as new lines: a Mod deletes the lines it does not name, so this replaces
    # the estimate's lines with the budget as it now stands, however many changes came before.
    budget: ItemView | None = item
    modification: ItemView | None = None
    if item.object_type != "budget":
        budget, modification = ctx.dependency(item, "budget"), item
    if budget is None or not budget.qb_ref:
        raise ExportError("The budget is not in QuickBooks yet.")
    edit_sequence = item.edit_sequence if modification is not None and item.edit_sequence else budget.edit_sequence
    lines = _revised_budget_lines(ctx, budget, modification)
    data = _estimate_data(ctx, budget.payload["job_name"], lines, "Budget")
    return build.estimate_mod(rid, qb.EstimateModData(budget.qb_ref, edit_sequence, data))


def _estimate_lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    budget = item if item.object_type == "budget" else ctx.dependency(item, "budget")
    assert budget is not None
    if budget.qb_ref:
        return build.txn_query(rid, "Estimate", txn_id=budget.qb_ref)
    return build.txn_query(rid, "Estimate", entity_full_name=_job_name(ctx, budget.payload["job_name"]))


def _purchase_order_add(rid: str, item: ItemView, ctx: Context) -> Element:
    payload = item.payload
    job = _job_name(ctx, payload["job_name"])
    return build.purchase_order_add(
        rid,
        qb.PurchaseOrderData(
            vendor_name=payload["vendor"],
            ref_number=payload["number"],
            lines=_po_lines(ctx, payload, job),
            txn_date=_date(payload.get("date")),
            memo=payload.get("title", "")[:4095],
        ),
    )


def _purchase_order_lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    if item.object_type == "change_order":
        commitment = ctx.dependency(item, "commitment")
        if commitment is None or not commitment.qb_ref:
            raise ExportError("The commitment is not in QuickBooks yet.")
        return build.txn_query(rid, "PurchaseOrder", txn_id=commitment.qb_ref, include_line_items=True)
    if item.qb_ref:
        return build.txn_query(rid, "PurchaseOrder", txn_id=item.qb_ref, include_line_items=True)
    return build.txn_query(
        rid,
        "PurchaseOrder",
        ref_number=item.payload["number"],
        entity_full_name=item.payload["vendor"],
        include_line_items=True,
    )


def _purchase_order_match(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    found = records_with_ref_number(records, item.payload["number"], entity_full_name=item.payload["vendor"])
    return found[0] if found else None


def _change_order_add(rid: str, item: ItemView, ctx: Context) -> Element:
    commitment = ctx.dependency(item, "commitment")
    if commitment is None or not commitment.qb_ref:
        raise ExportError("The commitment is not in QuickBooks yet.")
    existing = tuple(
        commitment.details.get("all_line_ids") or list((commitment.details.get("line_ids") or {}).values())
    )
    if not existing:
        raise ExportError("The purchase order's lines are not known: refresh it from QuickBooks.")
    job = _job_name(ctx, commitment.payload["job_name"])
    return build.purchase_order_add_lines(
        rid,
        qb.PurchaseOrderLinesAddData(
            txn_id=commitment.qb_ref,
            edit_sequence=commitment.edit_sequence,
            existing_line_ids=existing,
            new_lines=_change_order_lines(ctx, item.payload, job),
        ),
    )


def _change_order_match(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    marker = change_order_marker(item.payload["number"])
    for record in records:
        if any((line.get("desc") or "").startswith(marker) for line in record.get("lines", [])):
            return record
    return None


def _bill_add(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.bill_add(rid, _bill_data(ctx, item))


def _bill_lookup(rid: str, item: ItemView, ctx: Context) -> Element:
    return build.txn_query(rid, "Bill", ref_number=item.payload["number"], entity_full_name=item.payload["vendor"])


def _bill_match(records: list[dict[str, Any]], item: ItemView, ctx: Context) -> dict[str, Any] | None:
    found = records_with_ref_number(records, item.payload["number"], entity_full_name=item.payload["vendor"])
    return found[0] if found else None


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind(
            "vendor",
            "vendor",
            _vendor_add,
            _vendor_mod,
            lambda rid, item, ctx: build.list_query(rid, "Vendor", full_name=item.payload["name"]),
            _first,
            lambda item, ctx: item.payload["name"],
        ),
        Kind(
            "job",
            "customer",
            _job_add,
            _job_mod,
            lambda rid, item, ctx: build.list_query(rid, "Customer", full_name=_job_full_name(item, ctx)),
            _first,
            _job_full_name,
        ),
        Kind(
            "item",
            "item",
            _item_add,
            _item_mod,
            lambda rid, item, ctx: build.list_query(
                rid, "ItemService", full_name=item_full_name(item.payload["division"], item.payload["code"])
            ),
            _first,
            lambda item, ctx: item_full_name(item.payload["division"], item.payload["code"]),
        ),
        Kind(
            "estimate",
            "",
            _estimate_add,
            _estimate_mod,
            _estimate_lookup,
            _first,
            lambda item, ctx: f"estimate for {item.payload['job_name']}",
        ),
        Kind(
            "estimate_change",
            "",
            _estimate_mod,
            _estimate_mod,
            _estimate_lookup,
            _first,
            lambda item, ctx: f"estimate for {item.payload['job_name']}",
            always_modifies=True,
            waits_for_answers=True,
        ),
        Kind(
            "purchase_order",
            "",
            _purchase_order_add,
            None,
            _purchase_order_lookup,
            _purchase_order_match,
            lambda item, ctx: f"purchase order {item.payload['number']}",
        ),
        Kind(
            "purchase_order_change",
            "",
            _change_order_add,
            _change_order_add,
            _purchase_order_lookup,
            _change_order_match,
            lambda item, ctx: f"purchase order lines of CCO {item.payload['number']}",
            always_modifies=True,
            waits_for_answers=True,
        ),
        Kind(
            "bill",
            "",
            _bill_add,
            None,
            _bill_lookup,
            _bill_match,
            lambda item, ctx: f"bill {item.payload['number']} from {item.payload['vendor']}",
            waits_for_answers=True,
        ),
    ]
}


def request_for(kind: Kind, rid: str, item: ItemView, ctx: Context) -> Element:
    """The Add, or the Mod when QuickBooks already holds the record."""
    if kind.is_update(item):
        if kind.modify is None:
            raise ExportError(
                f"QuickBooks already holds {kind.target(item, ctx)}; it cannot be changed from here. "
                "Unlink it after deleting it in QuickBooks, or record the change as a change order."
            )
        return kind.modify(rid, item, ctx)
    return kind.add(rid, item, ctx)


def outcome_of(kind: Kind, item: ItemView, record: dict[str, Any], ctx: Context, *, note: str = "") -> Outcome:
    """Read the record QuickBooks made, changed or found into what the item keeps."""
    details: dict[str, Any] = {}
    touched: dict[int, tuple[str, dict[str, Any]]] = {}
    line_ids = [line.get("txn_line_id") for line in record.get("lines", []) if line.get("txn_line_id")]
    if kind.name == "purchase_order":
        numbers = [str(line["line_number"]) for line in item.payload["lines"]]
        details = {"line_ids": dict(zip(numbers, line_ids, strict=False)), "all_line_ids": line_ids}
    if kind.name == "purchase_order_change":
        details = {"purchase_order_txn_id": record.get("txn_id")}
        commitment = ctx.dependency(item, "commitment")
        if commitment is not None:
            # The purchase order now has more lines and a new EditSequence: the next change order needs both.
            touched[commitment.id] = (record.get("edit_sequence") or "", {"all_line_ids": line_ids})
    if kind.name == "estimate_change":
        details = {"estimate_txn_id": record.get("txn_id")}
        budget = ctx.dependency(item, "budget")
        if budget is not None:
            touched[budget.id] = (record.get("edit_sequence") or "", {})
    qb_ref = record.get("list_id") or record.get("txn_id") or ""
    return Outcome(
        qb_ref=qb_ref, edit_sequence=record.get("edit_sequence") or "", details=details, note=note, touched=touched
    )


def response_record(response: Response) -> dict[str, Any] | None:
    return response.records[0] if response.records else None


def preview_qbxml(item: Any) -> str:
    """The qbXML document that exporting `item` would send, for the ERP admin's eyes ("" before it is sent)."""
    if not getattr(item, "sent_payload", None):
        return ""
    from qbxml.sync import preview_message

    return preview_message(item)
