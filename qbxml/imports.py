"""Reading QuickBooks' lists back: vendors, customers and jobs, service items, classes and accounts become
the company file's AccountingRecords, which Ready to Import and the checks at send read.

A refresh queues the lists; the next Web Connector session reads them before it sends anything (so that
links exist before transactions go out), one page per message, through an iterator where the list has one.
Each run reads only what changed since the newest change the last one saw: QuickBooks' modified-date
filter is inclusive, so the bound is that change plus a second, in the QuickBooks machine's time zone. An
iterator dies with its session (3391): the run then starts again from its bound in the next message or
session, and the records it had read are written again, never twice. Pages are parsed as they stream and
written in bulk (one statement per page; two on SQLite, whose 999-parameter limit splits a page of 100).

`QbListImport.status` is written only here.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from access import permissions
from access.permissions import Action
from erp_integrations import services as erp
from erp_integrations.models import AccountingRecord
from qbxml import tasks
from qbxml.lib import build
from qbxml.lib.parse import QbxmlParseError, Response, Status, iter_responses
from qbxml.models import QbConnection, QbListImport, QbSession

logger = logging.getLogger(__name__)

S = QbListImport.Status


@dataclass(frozen=True)
class ImportedList:
    name: str  # as people and the command line say it
    query: str  # the qbXML list (or transaction type) it reads
    list_type: str  # the AccountingRecord list it fills ("" for transactions)
    refresh: Action  # who may refresh it
    # A transaction type: its pages carry their lines and go to the workflow's readers of transactions.
    transactions: bool = False
    label: str = ""  # as the sync health page says it

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


LISTS: dict[str, ImportedList] = {
    imported.name: imported
    for imported in [
        # In this order within a session: what later lists' records refer to comes first.
        ImportedList("accounts", "Account", AccountingRecord.ListType.ACCOUNT, Action.CONFIGURE_SETTINGS),
        ImportedList("classes", "Class", AccountingRecord.ListType.CLASS, Action.CONFIGURE_SETTINGS),
        ImportedList(
            "items", "ItemService", AccountingRecord.ListType.ITEM, Action.REFRESH_COST_CODES, label="Service items"
        ),
        ImportedList("vendors", "Vendor", AccountingRecord.ListType.VENDOR, Action.REFRESH_COMPANIES),
        ImportedList(
            "customers",
            "Customer",
            AccountingRecord.ListType.CUSTOMER,
            Action.REFRESH_COMPANIES,
            label="Customers and jobs",
        ),
        # Payroll: the employees time is linked to, and the wage items it is paid on.
        ImportedList("employees", "Employee", AccountingRecord.ListType.EMPLOYEE, Action.REFRESH_COMPANIES),
        ImportedList(
            "payroll_items",
            "PayrollItemWage",
            AccountingRecord.ListType.PAYROLL_ITEM,
            Action.REFRESH_COMPANIES,
            label="Wage payroll items",
        ),
    ]
}
# What QuickBooks sends back of its transactions (PRODUCT.md section 1), read after the lists: payments of
# bills, the transactions that cost a job, and what was deleted (a modified-date filter never sees that).
TRANSACTIONS: dict[str, ImportedList] = {
    imported.name: imported
    for imported in [
        ImportedList(
            "check_payments", "BillPaymentCheck", "", Action.SYNC_JOB_COSTS, True, label="Bill payments by check"
        ),
        ImportedList(
            "card_payments",
            "BillPaymentCreditCard",
            "",
            Action.SYNC_JOB_COSTS,
            True,
            label="Bill payments by credit card",
        ),
        ImportedList("bills", "Bill", "", Action.SYNC_JOB_COSTS, True),
        ImportedList("checks", "Check", "", Action.SYNC_JOB_COSTS, True),
        ImportedList("card_charges", "CreditCardCharge", "", Action.SYNC_JOB_COSTS, True, label="Credit card charges"),
        ImportedList("card_credits", "CreditCardCredit", "", Action.SYNC_JOB_COSTS, True, label="Credit card credits"),
        ImportedList("vendor_credits", "VendorCredit", "", Action.SYNC_JOB_COSTS, True),
        ImportedList("item_receipts", "ItemReceipt", "", Action.SYNC_JOB_COSTS, True),
        ImportedList("journal_entries", "JournalEntry", "", Action.SYNC_JOB_COSTS, True),
        ImportedList("received_payments", "ReceivePayment", "", Action.SYNC_JOB_COSTS, True, label="Payments received"),
        ImportedList("estimates", "Estimate", "", Action.IMPORT_PRIME_CONTRACT, True),
        ImportedList("deleted", "TxnDeleted", "", Action.SYNC_JOB_COSTS, True, label="Deleted transactions"),
    ]
}
IMPORTS: dict[str, ImportedList] = {**LISTS, **TRANSACTIONS}
# What the workflow asks to have read back (`erp_integrations.hooks.read_back`), as imports.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "job_costs": (
        "bills",
        "checks",
        "card_charges",
        "card_credits",
        "vendor_credits",
        "item_receipts",
        "journal_entries",
        "deleted",
    ),
    "payments": ("check_payments", "card_payments", "received_payments", "deleted"),
    "estimates": ("estimates", "deleted"),
}
_ORDER = {name: position for position, name in enumerate(IMPORTS)}
REQUEST_PREFIX = "import-"


class UnknownList(ValueError):
    pass


def list_named(name: str) -> ImportedList:
    try:
        return IMPORTS[name]
    except KeyError:
        raise UnknownList(f"No list {name!r} to refresh: use {', '.join(IMPORTS)}.") from None


# --- queuing ---------------------------------------------------------------------------------------------


def refresh(actor: Any, connection: QbConnection, names: Iterable[str]) -> list[QbListImport]:
    """Queue these lists to be read in the connection's next session (a list being read goes on)."""
    lists = [list_named(name) for name in dict.fromkeys(names)]
    if actor is not None:
        for imported in lists:
            permissions.require(actor, imported.refresh)
    queued = []
    now = timezone.now()
    with transaction.atomic():
        for imported in lists:
            run, _ = QbListImport.objects.select_for_update().get_or_create(
                connection=connection, list_name=imported.name
            )
            if run.status != S.RUNNING:
                run.status, run.queued_at, run.last_error = S.QUEUED, now, ""
                run.save(update_fields=["status", "queued_at", "last_error"])
            queued.append(run)
    return queued


def read_again(connection: QbConnection, names: Iterable[str], since: datetime | None) -> list[QbListImport]:
    """Queue these imports to read again from `since` (None: from the start), not from where they stopped: a
    project that starts bringing its job costs back needs the transactions read before, which the last runs
    skipped. A run being read starts over; the page it has out is then ignored, and rows are replaced, not
    doubled."""
    lists = [list_named(name) for name in dict.fromkeys(names)]
    now = timezone.now()
    with transaction.atomic():
        queued = []
        for imported in lists:
            run, _ = QbListImport.objects.select_for_update().get_or_create(
                connection=connection, list_name=imported.name
            )
            if since is None or run.next_from is None or since < run.next_from:
                run.next_from = since
            run.status, run.queued_at, run.last_error = S.QUEUED, now, ""
            run.iterator_id, run.page_out = "", False
            run.save(update_fields=["next_from", "status", "queued_at", "last_error", "iterator_id", "page_out"])
            queued.append(run)
    return queued


def waiting(connection: QbConnection) -> int:
    """How many lists wait to be read, or are being read."""
    return QbListImport.objects.filter(connection=connection, status__in=[S.QUEUED, S.RUNNING]).count()


def restart_dead_iterators(connection: QbConnection, session: QbSession) -> None:
    """Runs that an earlier session was reading lost their iterator with it: they start again from their
    bound (the records they had read are written again, not twice)."""
    QbListImport.objects.filter(connection=connection, status=S.RUNNING).exclude(session=session).update(
        iterator_id="", page_out=False, session=session, rows_read=0, newest_modified=None, answer=""
    )


# --- the pages ---------------------------------------------------------------------------------------------


def _bound(run: QbListImport, connection: QbConnection) -> datetime | None:
    """The run's lower bound in the QuickBooks machine's local time, which its filter is read in."""
    if run.modified_from is None:
        return None
    try:
        zone = zoneinfo.ZoneInfo(connection.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return run.modified_from.astimezone(zone)


def _request_id(run: QbListImport) -> str:
    return f"{REQUEST_PREFIX}{run.pk}.{run.pages}"


def next_page(session: QbSession) -> str:
    """The message of the next page to read in this session ("" when no list waits): one request."""
    with transaction.atomic():
        connection = session.connection
        candidates = list(
            QbListImport.objects.select_for_update()
            .filter(connection=connection, status__in=[S.QUEUED, S.RUNNING], page_out=False, answer="")
            .order_by("id")
        )
        if not candidates:
            return ""
        run = min(candidates, key=lambda candidate: _ORDER.get(candidate.list_name, len(_ORDER)))
        imported = IMPORTS[run.list_name]
        if run.status == S.QUEUED:
            run.status = S.RUNNING
            run.modified_from = run.next_from
            run.iterator_id, run.rows_read, run.newest_modified, run.pages = "", 0, None, 0
        run.session = session
        run.pages += 1
        run.page_out = True
        request = _page_request(run, imported, connection)
        run.save()
        message = build.build_message([request], version=session.qbxml_version or "13.0").decode("utf-8")
        session.messages_sent += 1
        session.save(update_fields=["messages_sent"])
    return message


def _page_request(run: QbListImport, imported: ImportedList, connection: QbConnection) -> build.Element:
    page_size = max(1, min(connection.import_page_size, build.MAX_RETURNED_LIMIT))
    bound = _bound(run, connection)
    if imported.query == "TxnDeleted":
        # No iterator: what was deleted since the last run comes back whole.
        kinds = [other.query for other in TRANSACTIONS.values() if other.query != "TxnDeleted"]
        return build.txn_deleted_query(_request_id(run), kinds, deleted_from=bound)
    if imported.transactions:
        return build.txn_import_query(
            _request_id(run),
            imported.query,  # type: ignore[arg-type]
            max_returned=page_size,
            iterator_id=run.iterator_id or None,
            modified_from=bound,
            include_line_items=True,
        )
    # Classes and accounts have no iterator in the schema: they come back whole.
    iterable = imported.query in build.ITERABLE_LIST_KINDS
    return build.list_import_query(
        _request_id(run),
        imported.query,  # type: ignore[arg-type]
        max_returned=page_size,
        iterator_id=(run.iterator_id or None) if iterable else None,
        modified_from=bound,
    )


def page_out(session: QbSession) -> QbListImport | None:
    """The run whose page this session's Web Connector took and has not answered."""
    return QbListImport.objects.filter(session=session, page_out=True, status=S.RUNNING).first()


def _record(record: dict[str, Any]) -> tuple[dict[str, Any], datetime | None]:
    """An AccountingRecord's fields from a list record of QuickBooks' answer, and its modification time."""
    modified = record.get("time_modified")
    when = datetime.fromisoformat(modified) if isinstance(modified, str) else modified
    address = record.get("vendor_address") or record.get("bill_address") or {}
    described = record.get("sales_or_purchase") or record.get("sales_and_purchase") or {}
    details = {
        "name": record.get("name") or "",
        "company_name": record.get("company_name") or "",
        "phone": record.get("phone") or "",
        "email": record.get("email") or "",
        "tax_id": record.get("vendor_tax_ident") or "",
        "address": {key: value for key, value in address.items() if value},
        "description": described.get("desc") or described.get("purchase_desc") or "",
        "sublevel": record.get("sublevel") or 0,
        "account_type": record.get("account_type") or "",
        "job_status": record.get("job_status") or "",
        "job_desc": record.get("job_desc") or "",
        "wage_type": record.get("wage_type") or "",
    }
    fields = {
        "full_name": (record.get("full_name") or record.get("name") or "")[:255],
        "parent_external_id": record.get("parent_list_id") or "",
        "edit_sequence": record.get("edit_sequence") or "",
        "is_active": record.get("is_active") is not False,
        "details": {key: value for key, value in details.items() if value},
        "time_modified": when,
    }
    return fields, when


_UPDATED = ["full_name", "parent_external_id", "edit_sequence", "is_active", "details", "time_modified"]


def _write(book: str, list_type: str, records: list[dict[str, Any]]) -> datetime | None:
    """Write one page's records in one statement; returns the newest change among them."""
    rows = []
    newest: datetime | None = None
    for record in records:
        if not record.get("list_id"):
            continue
        fields, when = _record(record)
        rows.append(AccountingRecord(book=book, list_type=list_type, external_id=record["list_id"], **fields))
        if when is not None and (newest is None or when > newest):
            newest = when
    if rows:
        AccountingRecord.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["book", "list_type", "external_id"], update_fields=_UPDATED
        )
        erp.accounting_records_read(book, list_type, [row.external_id for row in rows])
    return newest


def _write_transactions(book: str, kind: str, records: list[dict[str, Any]]) -> datetime | None:
    """Hand one page of transactions to the workflow's readers; returns the newest change among them."""
    newest: datetime | None = None
    for record in records:
        when = record.get("time_modified") or record.get("time_deleted")
        moment = datetime.fromisoformat(when) if isinstance(when, str) else when
        if moment is not None and (newest is None or moment > newest):
            newest = moment
    if records:
        erp.transactions_read(book, kind, records)
    return newest


def apply_page(session: QbSession, response: str) -> bool:
    """Read QuickBooks' answer to a page. Returns whether it answered the page out (else it is ignored).

    An answer of `QBWC_WRITE_LATER_BYTES` or more is kept and written by a task, so that the Web Connector's
    call returns at once instead of timing out: meanwhile the session is told NoOp (`writing`)."""
    with transaction.atomic():
        run = QbListImport.objects.select_for_update().filter(session=session, page_out=True, status=S.RUNNING).first()
        if run is None:
            return False
        # Only the page's own answer waits (its requestID stands in its first element); any other is read now.
        if len(response) >= settings.QBWC_WRITE_LATER_BYTES and f'requestID="{_request_id(run)}"' in response[:4096]:
            run.answer, run.answer_kept_at, run.page_out = response, timezone.now(), False
            run.save(update_fields=["answer", "answer_kept_at", "page_out"])
            run_id = run.pk
            transaction.on_commit(lambda: tasks.write_import_page.delay(run_id))
            return True
        return _apply(run, session.connection.book, response)


def write_kept_answer(run_id: int) -> bool:
    """Write the answer kept for a run's page (see `apply_page`). Returns whether there was one."""
    with transaction.atomic():
        run = (
            QbListImport.objects.select_for_update()
            .select_related("connection")
            .filter(pk=run_id, status=S.RUNNING)
            .exclude(answer="")
            .first()
        )
        if run is None:
            return False
        response, run.answer, run.answer_kept_at, run.page_out = run.answer, "", None, True
        run.save(update_fields=["answer", "answer_kept_at", "page_out"])
        _apply(run, run.connection.book, response)
    return True


# A kept answer no task has written after this long is written by the next call of the session itself (the
# workers are down or behind): the Web Connector is never told NoOp for ever.
WRITE_LATER_PATIENCE = timedelta(seconds=60)


def writing(session: QbSession) -> bool:
    """Whether an answer of this session's Web Connector is still being written."""
    kept = QbListImport.objects.filter(session=session, status=S.RUNNING).exclude(answer="")
    for run_id in kept.filter(answer_kept_at__lt=timezone.now() - WRITE_LATER_PATIENCE).values_list("pk", flat=True):
        write_kept_answer(run_id)
    return kept.exists()


def _apply(run: QbListImport, book: str, response: str) -> bool:
    """Apply the answer to the run's page out (the run's row locked)."""
    imported = IMPORTS[run.list_name]
    expected = _request_id(run)
    answer: Response | None = None
    try:
        for candidate in iter_responses(response, settings.QBWC_MAX_BODY_BYTES):
            if candidate.request_id == expected and candidate.kind == f"{imported.query}Query":
                answer = candidate
    except QbxmlParseError as exc:
        _failed(run, f"QuickBooks' answer could not be read: {exc}")
        return True
    if answer is None:
        logger.info("Session %s: an answer to no page out of %s was ignored", run.session_id, run)
        return False
    run.page_out = False
    if answer.status_code == Status.INVALID_ITERATOR:
        # It died: start again from the bound, counting afresh.
        run.iterator_id, run.rows_read, run.newest_modified = "", 0, None
        run.save(update_fields=["page_out", "iterator_id", "rows_read", "newest_modified"])
        return True
    if not (answer.ok or answer.found_nothing):
        _failed(run, f"QuickBooks refused to list its {run.list_name}: {answer.status_message}")
        return True
    if imported.transactions:
        newest = _write_transactions(book, imported.query, answer.records)
    else:
        newest = _write(book, imported.list_type, answer.records)
    run.rows_read += len(answer.records)
    if newest is not None and (run.newest_modified is None or newest > run.newest_modified):
        run.newest_modified = newest
    if answer.iterator_id and (answer.iterator_remaining_count or 0) > 0:
        run.iterator_id = answer.iterator_id
        run.save(update_fields=["page_out", "iterator_id", "rows_read", "newest_modified"])
        return True
    _finished(run)
    return True


def _finished(run: QbListImport) -> None:
    run.status = S.IDLE
    run.iterator_id, run.page_out = "", False
    if run.newest_modified is not None:
        # The filter is inclusive: from the newest change a second on, the next run skips what it read.
        run.next_from = run.newest_modified + timedelta(seconds=1)
    run.last_rows, run.last_finished_at, run.last_error = run.rows_read, timezone.now(), ""
    run.save()


def _failed(run: QbListImport, message: str) -> None:
    run.status = S.FAILED
    run.iterator_id, run.page_out, run.last_error = "", False, message
    run.save(update_fields=["status", "iterator_id", "page_out", "last_error"])
    QbConnection.objects.filter(pk=run.connection_id).update(last_error=message)


def page_not_read(session: QbSession, message: str) -> None:
    """QuickBooks could not read the page's request: the run fails, saying so (a refresh tries again)."""
    run = page_out(session)
    if run is not None:
        _failed(run, f"QuickBooks could not read the request for its {run.list_name}: {message}".strip())
