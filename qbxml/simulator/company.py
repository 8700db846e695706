"""A QuickBooks Desktop company file in pure Python, answering qbXML as QuickBooks does.

    company = QuickBooksCompany("Big Builder Co")
    company.add_vendor("Acme Concrete")
    answer = company.process(request_document)      # a QBXML request document in, the response out

`process` is what QuickBooks does behind the Web Connector's receiveResponseXML; `host_response` is the
strHCPResponse the Web Connector sends on the first sendRequestXML of a session. The seeding methods
(`add_vendor`, `add_bill`, `add_bill_payment_check`, ...) play the accountant working in QuickBooks;
the hooks (`lock`, `deny`, `add_count`) let tests inject faults and check that nothing was added twice.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from qbxml.lib import build
from qbxml.lib.parse import QbxmlParseError, parse_xml
from qbxml.simulator.book import Book, amount_text, normalize, to_decimal
from qbxml.simulator.dispatch import Dispatcher
from qbxml.simulator.host import HostSettings
from qbxml.simulator.orders import (
    DEFAULT_SUPPORTED_VERSIONS,
    ENTITY_KINDS,
    ITEM_KINDS,
    LIST_KINDS,
    LIST_ORDERS,
    PARENT_KINDS,
    QUERY_KINDS,
    TXN_KINDS,
)
from qbxml.simulator.precheck import precheck
from qbxml.simulator.records import (
    ListRecord,
    ListView,
    QbxmlParseFailure,
    SeedLine,
    StatusError,
    TxnLine,
    TxnRecord,
    TxnView,
)
from qbxml.simulator.transactions import payment_entry

# 2024-11-25 10:20:00 UTC: ids look like QuickBooks' own ("80000001-1732530001").
DEFAULT_START = datetime(2024, 11, 25, 10, 20, tzinfo=UTC)
DEFAULT_ACCOUNTS = (
    ("Checking", "Bank", None),
    ("Accounts Receivable", "AccountsReceivable", "AccountsReceivable"),
    ("Accounts Payable", "AccountsPayable", "AccountsPayable"),
    ("Credit Card", "CreditCard", None),
    ("Construction Income", "Income", None),
    ("Job Expenses", "Expense", None),
)
JOB_COST_KINDS = frozenset(
    {"Check", "CreditCardCharge", "CreditCardCredit", "VendorCredit", "ItemReceipt", "Bill", "JournalEntry"}
)
_PI = re.compile(rb"<\?qbxml\s+version\s*=\s*[\"']([^\"']*)[\"']\s*\?>")
_SCHEMAS: dict[Path, etree.XMLSchema] = {}
_SCHEMA_LOCK = threading.Lock()


@dataclass(frozen=True)
class RequestRecord:
    """One request the company answered, for tests that count what reached QuickBooks."""

    operation: str  # "VendorAdd"
    request_id: str | None
    status_code: int


def _document(answers: list[str]) -> str:
    """The response document, as QuickBooks writes it."""
    return f'<?xml version="1.0" ?>\n<QBXML><QBXMLMsgsRs>{"".join(answers)}</QBXMLMsgsRs></QBXML>'


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (-1,)


def _major_version(product_name: str) -> str:
    """QuickBooks 2024 ("... 24.0") reports MajorVersion 34."""
    match = re.search(r"(\d+)\.0\b", product_name)
    return str(int(match.group(1)) + 10) if match else "34"


def _schema_problem(path: Path, root: etree._Element) -> str | None:
    """Why `root` is not valid against the schema at `path`, or None. Schemas are loaded once per process
    and shared by every company; a validator is not safe to use from two threads at once."""
    with _SCHEMA_LOCK:
        schema = _SCHEMAS.get(path)
        if schema is None:
            schema = etree.XMLSchema(etree.parse(str(path)))
            _SCHEMAS[path] = schema
        if schema.validate(root):
            return None
        last = schema.error_log.last_error
        if last is None:  # lxml keeps at least one error for an invalid document; this is a guard
            return "the request is not valid against the schema"
        return f"line {last.line}: {last.message}"


class QuickBooksCompany:
    """One QuickBooks company file. Thread-safe: one request document is answered at a time."""

    def __init__(
        self,
        company_name: str = "Simulated Construction Co",
        country: str = "US",
        product_name: str = "QuickBooks Enterprise Solutions 24.0",
        supported_versions: Iterable[str] = DEFAULT_SUPPORTED_VERSIONS,
        schema_dir: Path | str | None = None,
        *,
        start_time: datetime | None = None,
        utc_offset: timedelta = timedelta(hours=-5),
        wall_clock: bool = False,
        file_mode: str = "MultiUser",
        is_using_class_tracking: bool = True,
        is_using_estimates: bool = True,
        default_accounts: bool = True,
        history_size: int = 100_000,
    ) -> None:
        start = start_time or DEFAULT_START
        if start.tzinfo is None:
            raise ValueError("start_time must be timezone-aware")
        self._lock = threading.RLock()
        self.book = Book(
            start_time=int(start.timestamp()),
            utc_offset_minutes=int(utc_offset.total_seconds() // 60),
            wall_clock=wall_clock,
        )
        self.host = HostSettings(
            company_name=company_name,
            country=country,
            product_name=product_name,
            major_version=_major_version(product_name),
            minor_version="0",
            supported_versions=tuple(supported_versions),
            file_mode=file_mode,
            is_using_class_tracking=is_using_class_tracking,
            is_using_estimates=is_using_estimates,
        )
        self.dispatcher = Dispatcher(self.book, self.host)
        self.schema_dir = self._check_schema_dir(schema_dir)
        self._schema_files = self._schema_versions(self.schema_dir)
        self.history: deque[RequestRecord] = deque(maxlen=history_size)
        if default_accounts:
            for name, account_type, special in DEFAULT_ACCOUNTS:
                self.add_account(name, account_type, special_type=special)

    @staticmethod
    def _check_schema_dir(schema_dir: Path | str | None) -> Path | None:
        if schema_dir is None:
            return None
        directory = Path(schema_dir)
        if not any(directory.glob("qbxmlops*.xsd")):
            raise ValueError(f"{directory} holds no qbxmlops*.xsd: point schema_dir at Intuit's qbXML schemas")
        return directory

    # ----------------------------------------------------------------------------------------------
    # Answering the Web Connector

    def process(self, request: str | bytes) -> str:
        """Answer a whole QBXML request document with the QBXML response document.

        Raises QbxmlParseFailure (hresult 0x80040400) when QuickBooks would refuse the document: not
        well-formed, no or an unsupported <?qbxml version?>, or, with `schema_dir`, not valid against the
        schema of its version. With onError="stopOnError" the first error or warning ends the message and
        the requests after it get no answer.
        """
        with self._lock:
            root = self._read(request)
            messages = root.find("QBXMLMsgsRq")
            assert messages is not None  # checked by _read
            stop = messages.get("onError") in ("stopOnError", "rollbackOnError")
            answers = []
            macros: dict[str, str] = {}
            for rq in messages:
                rs, code, severity = self.dispatcher.handle(rq, macros)
                answers.append(rs)
                self.history.append(RequestRecord(str(rq.tag)[:-2], rq.get("requestID"), code))
                if stop and severity in ("Error", "Warn"):
                    break
            return _document(answers)

    def _read(self, request: str | bytes) -> etree._Element:
        raw = request.encode("utf-8") if isinstance(request, str) else bytes(request)
        start = raw.find(b"<QBXML")
        match = _PI.search(raw, 0, start if start >= 0 else len(raw))
        if match is None:
            raise QbxmlParseFailure(detail='the document has no <?qbxml version="..."?> processing instruction')
        version = match.group(1).decode("ascii", "replace")
        if version not in self.host.supported_versions:
            raise QbxmlParseFailure(detail=f"qbXML version {version} is not supported by this QuickBooks")
        try:
            root = parse_xml(request)
        except QbxmlParseError as error:
            raise QbxmlParseFailure(detail=str(error)) from None
        if root.tag != "QBXML":
            raise QbxmlParseFailure(detail=f"the root element is {root.tag!r}, not QBXML")
        schema_path = self._schema_path(version)
        if schema_path is not None:
            problem = _schema_problem(schema_path, root)
            if problem:
                raise QbxmlParseFailure(detail=f"not valid qbXML {version}: {problem}")
        messages = root.find("QBXMLMsgsRq")
        if messages is None:
            raise QbxmlParseFailure(detail="the document has no QBXMLMsgsRq")
        if messages.get("onError") not in ("continueOnError", "stopOnError", "rollbackOnError"):
            raise QbxmlParseFailure(detail="QBXMLMsgsRq needs onError continueOnError or stopOnError")
        if schema_path is None:
            for rq in messages:
                problem = precheck(rq)
                if problem:
                    raise QbxmlParseFailure(detail=problem)
        return root

    @staticmethod
    def _schema_versions(schema_dir: Path | None) -> list[tuple[tuple[int, ...], Path]]:
        if schema_dir is None:
            return []
        return sorted(
            # qbxmlops130.xsd is 13.0, qbxmlops160.xsd 16.0.
            ((int(digits[:-1]), int(digits[-1])), path)
            for path in schema_dir.glob("qbxmlops*.xsd")
            if len(digits := path.name[len("qbxmlops") : -len(".xsd")]) >= 2 and digits.isdigit()
        )

    def _schema_path(self, version: str) -> Path | None:
        """The schema of `version`, or of the nearest newer version the directory holds (else the newest)."""
        if not self._schema_files:
            return None
        wanted = _version_key(version)
        for key, path in self._schema_files:
            if key >= wanted:
                return path
        return self._schema_files[-1][1]

    def host_response(self) -> str:
        """The strHCPResponse of a session's first sendRequestXML: HostQueryRs, CompanyQueryRs, PreferencesQueryRs."""
        with self._lock:
            return _document([self.dispatcher.handle(rq, {})[0] for rq in build.host_company_preferences_requests()])

    def end_session(self) -> None:
        """The Web Connector closed the connection: its iterators die with it."""
        with self._lock:
            self.dispatcher.end_session()

    # ----------------------------------------------------------------------------------------------
    # Fault injection and counters

    def lock(self, name_or_id: str, times: int = 1, code: int = 3175, message: str | None = None) -> None:
        """The next `times` write requests touching this record (by name, full name, ListID, TxnID or
        RefNumber, as the record itself or as a reference) are answered with `code` (3170, 3175, 3176
        or 3180: in use or locked by another user). Queries are never refused."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self.dispatcher.faults.lock(self.book, name_or_id, times, code, message)

    def unlock(self, name_or_id: str | None = None) -> None:
        with self._lock:
            if name_or_id is None:
                self.dispatcher.faults.locks.clear()
            else:
                faults = self.dispatcher.faults
                faults.locks = [lock for lock in faults.locks if lock.label != name_or_id]

    def deny(self, *operations: str, code: int = 3260) -> None:
        """Refuse these operations ("VendorAdd", "BillQuery"...) as a user without the permission would be."""
        with self._lock:
            for operation in operations:
                self.dispatcher.faults.denied[operation] = code

    def allow(self, *operations: str) -> None:
        with self._lock:
            for operation in operations:
                self.dispatcher.faults.denied.pop(operation, None)

    def add_count(self, kind: str, name_or_ref: str) -> int:
        """How many requests added a `kind` record ("Vendor", "Customer", "ItemService", "Bill"...) with this
        full name (lists) or RefNumber (transactions). Seeded records are not counted."""
        with self._lock:
            kinds = ITEM_KINDS if kind == "Item" else {kind}
            return sum(self.dispatcher.add_counts.get((k, name_or_ref.lower()), 0) for k in kinds)

    def request_count(self, operation: str) -> int:
        """How many `operation` requests ("VendorAdd") were answered, whatever their status."""
        with self._lock:
            return sum(1 for record in self.history if record.operation == operation)

    # ----------------------------------------------------------------------------------------------
    # The clock

    @property
    def now(self) -> datetime:
        return self.book.now()

    def advance_clock(self, delta: timedelta | int) -> datetime:
        seconds = int(delta.total_seconds()) if isinstance(delta, timedelta) else int(delta)
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self.book.clock += seconds
            return self.book.now()

    # ----------------------------------------------------------------------------------------------
    # Seeding: what the accountant does in QuickBooks itself

    @contextmanager
    def _seeding(self) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except StatusError as error:
                raise ValueError(error.message) from None

    def _find(self, kinds: Iterable[str], name_or_id: str, what: str) -> ListRecord:
        kinds = frozenset(kinds)
        record = self.book.find_list(kinds, full_name=name_or_id) or self.book.find_list(kinds, list_id=name_or_id)
        if record is None:
            raise ValueError(f"there is no {what} {name_or_id!r} in the company file")
        return record

    def _fields(self, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
        allowed = set(LIST_ORDERS.get(kind, ()))
        fields: dict[str, Any] = {}
        for tag, value in values.items():
            if value is None or value == "":
                continue
            if kind in LIST_ORDERS and tag not in allowed:
                raise ValueError(f"{kind} records have no {tag} element")
            if isinstance(value, bool):
                fields[tag] = "true" if value else "false"
            elif isinstance(value, Mapping):
                fields[tag] = {key: str(entry) for key, entry in value.items() if entry}
            elif isinstance(value, date):
                fields[tag] = value.isoformat()
            else:
                fields[tag] = normalize(tag, str(value))
        return fields

    def _add_list(
        self, kind: str, name: str, parent: str | None, is_active: bool, fields: Mapping[str, Any]
    ) -> ListView:
        with self._seeding():
            if ":" in name or not name.strip():
                raise ValueError(f"{name!r} is not a QuickBooks name (empty, or with a colon)")
            parent_record = self._find(PARENT_KINDS[kind], parent, f"parent {kind}") if parent else None
            record = self.book.create_list(
                kind, name, parent=parent_record, is_active=is_active, fields=self._fields(kind, fields)
            )
            return self.book.list_view(record)

    def add_vendor(self, name: str, *, company_name: str = "", is_active: bool = True, **fields: Any) -> ListView:
        """A vendor; `fields` are further VendorRet elements by tag (Phone="...", VendorAddress={...})."""
        return self._add_list("Vendor", name, None, is_active, {"CompanyName": company_name, **fields})

    def add_customer(
        self,
        name: str,
        parent: str | None = None,
        *,
        company_name: str = "",
        job_status: str | None = None,
        is_active: bool = True,
        **fields: Any,
    ) -> ListView:
        """A customer, or a job of the customer (or job) `parent` names: full name "Customer:Job"."""
        return self._add_list(
            "Customer", name, parent, is_active, {"CompanyName": company_name, "JobStatus": job_status, **fields}
        )

    def add_employee(self, name: str, *, is_active: bool = True, **fields: Any) -> ListView:
        return self._add_list("Employee", name, None, is_active, fields)

    def add_payroll_item_wage(self, name: str, *, wage_type: str = "HourlyRegular", is_active: bool = True) -> ListView:
        """A wage payroll item time is paid on ("Hourly Rate", wage type HourlyRegular)."""
        return self._add_list("PayrollItemWage", name, None, is_active, {"WageType": wage_type})

    def add_other_name(self, name: str, *, is_active: bool = True, **fields: Any) -> ListView:
        return self._add_list("OtherName", name, None, is_active, fields)

    def add_item_service(
        self,
        name: str,
        parent: str | None = None,
        *,
        description: str = "",
        expense_account: str | None = "Job Expenses",
        income_account: str | None = None,
        is_active: bool = True,
    ) -> ListView:
        """A service item (a sub-item of `parent` when given: "03:03-300"). With both accounts it is used
        in purchases and sales (SalesAndPurchase); with one, it posts to that account (SalesOrPurchase)."""
        return self.add_item(
            "ItemService",
            name,
            parent,
            description=description,
            expense_account=expense_account,
            income_account=income_account,
            is_active=is_active,
        )

    def add_item(
        self,
        kind: str,
        name: str,
        parent: str | None = None,
        *,
        description: str = "",
        expense_account: str | None = "Job Expenses",
        income_account: str | None = None,
        is_active: bool = True,
    ) -> ListView:
        """An item of `kind` ItemService, ItemNonInventory or ItemOtherCharge."""
        if kind not in ITEM_KINDS:
            raise ValueError(f"{kind!r} is not an item kind the simulator keeps ({sorted(ITEM_KINDS)})")
        with self._seeding():
            accounts = {
                tag: self._find({"Account"}, account, "account").list_id
                for tag, account in (("ExpenseAccountRef", expense_account), ("IncomeAccountRef", income_account))
                if account
            }
            if not accounts:
                raise ValueError("an item needs an expense or an income account")
            if len(accounts) == 2:
                posting: dict[str, Any] = {"SalesAndPurchase": {**accounts}}
                if description:
                    posting["SalesAndPurchase"].update(SalesDesc=description, PurchaseDesc=description)
            else:
                posting = {"SalesOrPurchase": {"AccountRef": next(iter(accounts.values()))}}
                if description:
                    posting["SalesOrPurchase"]["Desc"] = description
            parent_record = self._find(ITEM_KINDS, parent, "parent item") if parent else None
            record = self.book.create_list(kind, name, parent=parent_record, is_active=is_active, fields=posting)
            return self.book.list_view(record)

    def add_account(
        self,
        name: str,
        type: str,
        *,
        parent: str | None = None,
        number: str | None = None,
        description: str = "",
        special_type: str | None = None,
    ) -> ListView:
        """An account of `type` (Bank, Expense, Income, CreditCard, AccountsPayable, CostOfGoodsSold...)."""
        fields = {"AccountType": type, "SpecialAccountType": special_type, "AccountNumber": number, "Desc": description}
        return self._add_list("Account", name, parent, True, fields)

    def add_class(self, name: str, parent: str | None = None, *, is_active: bool = True) -> ListView:
        return self._add_list("Class", name, parent, is_active, {})

    # Transactions ---------------------------------------------------------------------------------

    def _seed_line(self, kind: str, line: SeedLine | Mapping[str, Any]) -> TxnLine:
        if isinstance(line, Mapping):
            line = SeedLine(**line)
        amount = to_decimal(line.amount)
        fields: dict[str, Any] = {}
        if kind == "JournalEntry":
            tag = "JournalDebitLine" if amount >= 0 else "JournalCreditLine"
            amount = abs(amount)
            if not line.account:
                raise ValueError("a journal entry line needs an account")
        elif kind == "PurchaseOrder":
            tag = "PurchaseOrderLineRet"
        elif kind in ("Invoice", "Estimate"):
            tag = f"{kind}LineRet"
            if line.customer:
                raise ValueError(f"an {kind.lower()} line names no customer: the {kind.lower()}'s customer is the job")
        else:
            tag = "ItemLineRet" if line.item or line.purchase_order_line else "ExpenseLineRet"
        link = None
        if line.purchase_order_line:
            order = self.book.find_txn({"PurchaseOrder"}, line.purchase_order_line[0])
            order_lines = order.lines if order is not None else []
            order_line = next(
                (entry for entry in order_lines if entry.txn_line_id == line.purchase_order_line[1]), None
            )
            if order is None or order_line is None:
                raise ValueError(f"no purchase order line {line.purchase_order_line}")
            link = (order.txn_id, order_line.txn_line_id)
            for copied in ("ItemRef", "ClassRef", "CustomerRef"):
                if copied in order_line.fields:
                    fields[copied] = order_line.fields[copied]
        if line.item:
            fields["ItemRef"] = self._find(ITEM_KINDS, line.item, "item").list_id
        if line.account:
            fields["AccountRef"] = self._find({"Account"}, line.account, "account").list_id
        elif tag == "ExpenseLineRet":
            fields["AccountRef"] = self._find({"Account"}, "Job Expenses", "account").list_id
        if line.customer:
            entity_kinds = ENTITY_KINDS if kind == "JournalEntry" else {"Customer"}
            entity = self._find(entity_kinds, line.customer, "customer or job").list_id
            fields["EntityRef" if kind == "JournalEntry" else "CustomerRef"] = entity
        if line.class_name:
            fields["ClassRef"] = self._find({"Class"}, line.class_name, "class").list_id
        if line.description:
            uses_memo = tag in ("ExpenseLineRet", "JournalDebitLine", "JournalCreditLine")
            fields["Memo" if uses_memo else "Desc"] = line.description
        fields["Amount"] = amount_text(amount)
        if tag in ("ItemLineRet", "ExpenseLineRet", "JournalDebitLine", "JournalCreditLine"):
            if line.billable is not None:
                fields["BillableStatus"] = "Billable" if line.billable else "NotBillable"
            elif fields.get("CustomerRef"):
                fields["BillableStatus"] = "Billable"
        return self.book.new_line(tag, fields, link)

    def _header(self, txn_date: date | None, ref_number: str | None, memo: str, **refs: str | None) -> dict[str, Any]:
        fields: dict[str, Any] = {tag: value for tag, value in refs.items() if value}
        if txn_date is not None:
            fields["TxnDate"] = txn_date.isoformat()
        if ref_number:
            fields["RefNumber"] = ref_number
        if memo:
            fields["Memo"] = memo
        return fields

    def _create(
        self, kind: str, fields: dict[str, Any], lines: Iterable[SeedLine | Mapping[str, Any]], **kwargs: Any
    ) -> TxnView:
        built = [self._seed_line(kind, line) for line in lines]
        record = self.book.create_txn(kind, fields, built, **kwargs)
        return self.book.txn_view(record)

    def _account_id(self, name: str | None) -> str | None:
        return self._find({"Account"}, name, "account").list_id if name else None

    def add_purchase_order(
        self,
        vendor: str,
        ref_number: str,
        lines: Iterable[SeedLine | Mapping[str, Any]],
        *,
        txn_date: date | None = None,
        memo: str = "",
    ) -> TxnView:
        with self._seeding():
            vendor_id = self._find({"Vendor"}, vendor, "vendor").list_id
            return self._create("PurchaseOrder", self._header(txn_date, ref_number, memo, VendorRef=vendor_id), lines)

    def add_bill(
        self,
        vendor: str,
        ref_number: str | None,
        lines: Iterable[SeedLine | Mapping[str, Any]],
        *,
        txn_date: date | None = None,
        due_date: date | None = None,
        memo: str = "",
        ap_account: str = "Accounts Payable",
    ) -> TxnView:
        """A bill entered in QuickBooks; a line with `purchase_order_line` bills that PO line."""
        with self._seeding():
            vendor_id = self._find({"Vendor"}, vendor, "vendor").list_id
            fields = self._header(
                txn_date, ref_number, memo, VendorRef=vendor_id, APAccountRef=self._account_id(ap_account)
            )
            if due_date is not None:
                fields["DueDate"] = due_date.isoformat()
            return self._create("Bill", fields, lines)

    def add_estimate(
        self,
        customer: str,
        ref_number: str | None,
        lines: Iterable[SeedLine | Mapping[str, Any]],
        *,
        txn_date: date | None = None,
        memo: str = "",
    ) -> TxnView:
        """An estimate entered in QuickBooks for a customer or customer:job, with item lines."""
        with self._seeding():
            customer_id = self._find({"Customer"}, customer, "customer").list_id
            return self._create("Estimate", self._header(txn_date, ref_number, memo, CustomerRef=customer_id), lines)

    def add_invoice(
        self,
        customer: str,
        ref_number: str | None,
        lines: Iterable[SeedLine | Mapping[str, Any]],
        *,
        txn_date: date | None = None,
        memo: str = "",
    ) -> TxnView:
        """An invoice entered in QuickBooks, to a customer or customer:job, with item lines."""
        with self._seeding():
            customer_id = self._find({"Customer"}, customer, "customer").list_id
            fields = self._header(
                txn_date,
                ref_number,
                memo,
                CustomerRef=customer_id,
                ARAccountRef=self._account_id("Accounts Receivable"),
            )
            return self._create("Invoice", fields, lines)

    def _payment(
        self,
        kind: str,
        account_tag: str,
        account: str,
        vendor: str,
        bill_txn_id: str | None,
        amount: Decimal | int | str | None,
        applied: Iterable[tuple[str, Decimal | int | str | None]] | None,
        ref_number: str | None,
        txn_date: date | None,
        memo: str,
    ) -> TxnView:
        with self._seeding():
            vendor_id = self._find({"Vendor"}, vendor, "vendor").list_id
            wanted = list(applied) if applied is not None else [(bill_txn_id, amount)]
            entries = []
            pending: dict[str, Decimal] = {}
            for txn_id, value in wanted:
                if not txn_id:
                    raise ValueError("name the bill to pay (bill_txn_id or applied)")
                amount_given = amount_text(to_decimal(value)) if value is not None else None
                entries.append(payment_entry(self.book, vendor_id, txn_id, amount_given, pending))
            fields = self._header(
                txn_date,
                ref_number,
                memo,
                PayeeEntityRef=vendor_id,
                APAccountRef=self._account_id("Accounts Payable")
                if self.book.find_list({"Account"}, full_name="Accounts Payable")
                else None,
            )
            fields[account_tag] = self._find({"Account"}, account, "account").list_id
            if kind == "BillPaymentCheck":
                fields["IsToBePrinted"] = "false"
            record = self.book.create_txn(kind, fields, [], applied=entries)
            return self.book.txn_view(record)

    def add_bill_payment_check(
        self,
        vendor: str,
        bill_txn_id: str | None = None,
        amount: Decimal | int | str | None = None,
        *,
        applied: Iterable[tuple[str, Decimal | int | str | None]] | None = None,
        bank_account: str = "Checking",
        ref_number: str | None = None,
        txn_date: date | None = None,
        memo: str = "",
    ) -> TxnView:
        """A check paying the bill (its whole open balance unless `amount`), or several: `applied`."""
        return self._payment(
            "BillPaymentCheck",
            "BankAccountRef",
            bank_account,
            vendor,
            bill_txn_id,
            amount,
            applied,
            ref_number,
            txn_date,
            memo,
        )

    def add_bill_payment_credit_card(
        self,
        vendor: str,
        bill_txn_id: str | None = None,
        amount: Decimal | int | str | None = None,
        *,
        applied: Iterable[tuple[str, Decimal | int | str | None]] | None = None,
        credit_card_account: str = "Credit Card",
        ref_number: str | None = None,
        txn_date: date | None = None,
        memo: str = "",
    ) -> TxnView:
        return self._payment(
            "BillPaymentCreditCard",
            "CreditCardAccountRef",
            credit_card_account,
            vendor,
            bill_txn_id,
            amount,
            applied,
            ref_number,
            txn_date,
            memo,
        )

    def add_received_payment(
        self,
        customer: str,
        invoice_txn_id: str | None = None,
        amount: Decimal | int | str | None = None,
        *,
        applied: Iterable[tuple[str, Decimal | int | str | None]] | None = None,
        deposit_to: str = "Checking",
        ref_number: str | None = None,
        txn_date: date | None = None,
        memo: str = "",
    ) -> TxnView:
        """A payment received from a customer (the owner) on an invoice (its whole open balance unless
        `amount`), or on several: `applied`."""
        with self._seeding():
            customer_id = self._find({"Customer"}, customer, "customer").list_id
            wanted = list(applied) if applied is not None else [(invoice_txn_id, amount)]
            entries = []
            pending: dict[str, Decimal] = {}
            for txn_id, value in wanted:
                if not txn_id:
                    raise ValueError("name the invoice paid (invoice_txn_id or applied)")
                amount_given = amount_text(to_decimal(value)) if value is not None else None
                entries.append(payment_entry(self.book, customer_id, txn_id, amount_given, pending, "Invoice"))
            fields = self._header(
                txn_date,
                ref_number,
                memo,
                CustomerRef=customer_id,
                ARAccountRef=self._account_id("Accounts Receivable"),
                DepositToAccountRef=self._account_id(deposit_to),
            )
            record = self.book.create_txn("ReceivePayment", fields, [], applied=entries)
            return self.book.txn_view(record)

    def add_job_cost_transaction(
        self,
        kind: str,
        lines: Iterable[SeedLine | Mapping[str, Any]],
        *,
        payee: str | None = None,
        account: str | None = None,
        ref_number: str | None = None,
        txn_date: date | None = None,
        memo: str = "",
    ) -> TxnView:
        """A transaction that costs a job: Check, CreditCardCharge, CreditCardCredit, VendorCredit,
        ItemReceipt, Bill or JournalEntry, with item lines (`item`) or expense lines (`account`) on a
        customer:job. `account` is the bank or card account (Check: "Checking", cards: "Credit Card"); on a
        journal entry each line is a debit and `account` (default "Checking") takes the balancing credit.
        """
        if kind not in JOB_COST_KINDS:
            raise ValueError(f"{kind!r} is not one of {sorted(JOB_COST_KINDS)}")
        with self._seeding():
            if kind == "JournalEntry":
                seeded = [self._seed_line(kind, line) for line in lines]
                debit = sum(
                    (to_decimal(line.fields["Amount"]) for line in seeded if line.tag == "JournalDebitLine"), Decimal(0)
                )
                credit = sum(
                    (to_decimal(line.fields["Amount"]) for line in seeded if line.tag == "JournalCreditLine"),
                    Decimal(0),
                )
                if debit != credit:
                    balance = SeedLine(amount=credit - debit, account=account or "Checking", description=memo)
                    seeded.append(self._seed_line(kind, balance))
                fields = self._header(txn_date, ref_number, memo)
                return self.book.txn_view(self.book.create_txn(kind, fields, seeded))
            if kind in ("Check", "CreditCardCharge", "CreditCardCredit"):
                default = "Checking" if kind == "Check" else "Credit Card"
                payee_id = self._find(ENTITY_KINDS, payee, "payee").list_id if payee else None
                fields = self._header(
                    txn_date, ref_number, memo, AccountRef=self._account_id(account or default), PayeeEntityRef=payee_id
                )
            else:
                if not payee:
                    raise ValueError(f"a {kind} needs a vendor: pass payee=")
                vendor_id = self._find({"Vendor"}, payee, "vendor").list_id
                fields = self._header(
                    txn_date,
                    ref_number,
                    memo,
                    VendorRef=vendor_id,
                    APAccountRef=self._account_id(account or "Accounts Payable"),
                )
            return self._create(kind, fields, lines)

    # Changes made in QuickBooks -------------------------------------------------------------------

    def edit_list(
        self, kind: str, name_or_id: str, *, name: str | None = None, is_active: bool | None = None, **fields: Any
    ) -> ListView:
        """Change a record as a QuickBooks user would: its EditSequence and TimeModified move on."""
        with self._seeding():
            record = self._find(QUERY_KINDS[kind], name_or_id, kind)
            self.book.modify_list(record, name=name, is_active=is_active, fields=self._fields(record.kind, fields))
            return self.book.list_view(record)

    def touch(self, name_or_id: str) -> str:
        """Save a list record or transaction unchanged in QuickBooks; returns its new EditSequence."""
        with self._seeding():
            txn = self.book.txns.get(name_or_id)
            if txn is not None:
                self.book.touch_txn(txn)
                return txn.edit_sequence
            record = self._find(LIST_KINDS, name_or_id, "record")
            self.book.touch_list(record)
            return record.edit_sequence

    def edit_bill_payment(
        self,
        txn_id: str,
        applied: Iterable[tuple[str, Decimal | int | str | None]],
        *,
        ref_number: str | None = None,
        txn_date: date | None = None,
    ) -> TxnView:
        """Change the bills a bill payment pays, as a QuickBooks user edits one: each of `applied` (a bill and
        what it pays of it, its whole open balance when None) replaces what the payment paid; a bill left
        out is paid by it no more. Its EditSequence and TimeModified move on, and so do the bills'."""
        with self._seeding():
            record = self._txn(txn_id)
            if record.kind not in ("BillPaymentCheck", "BillPaymentCreditCard"):
                raise ValueError(f"{txn_id!r} is a {record.kind}, not a bill payment")
            kept, record.applied = record.applied, []  # what it paid is open again while the new amounts are checked
            try:
                pending: dict[str, Decimal] = {}
                payee = record.fields.get("PayeeEntityRef")
                entries = [
                    payment_entry(
                        self.book, payee, bill_id, None if value is None else amount_text(to_decimal(value)), pending
                    )
                    for bill_id, value in applied
                ]
            finally:
                record.applied = kept
            fields: dict[str, Any] = {}
            if ref_number is not None:
                fields["RefNumber"] = ref_number
            if txn_date is not None:
                fields["TxnDate"] = txn_date.isoformat()
            self.book.reapply_payment(record, entries, fields)
            return self.book.txn_view(record)

    def void_transaction(self, txn_id: str) -> TxnView:
        with self._seeding():
            record = self._txn(txn_id)
            self.book.void_txn(record)
            return self.book.txn_view(record)

    def delete_transaction(self, txn_id: str) -> None:
        with self._seeding():
            self.book.delete_txn(self._txn(txn_id))

    def delete_list(self, kind: str, name_or_id: str, *, force: bool = False) -> None:
        """Delete a list record; QuickBooks refuses when it is used (pass force=True to delete anyway)."""
        with self._seeding():
            record = self._find(QUERY_KINDS[kind], name_or_id, kind)
            if not force and self.book.list_in_use(record):
                raise ValueError(f"{record.full_name!r} is in use: QuickBooks would not delete it")
            self.book.delete_list(record)

    def _txn(self, txn_id: str) -> TxnRecord:
        record = self.book.txns.get(txn_id)
        if record is None:
            raise ValueError(f"there is no transaction {txn_id!r}")
        return record

    # ----------------------------------------------------------------------------------------------
    # Looking inside

    def _lists(self, kinds: Iterable[str]) -> list[ListView]:
        with self._lock:
            return [self.book.list_view(record) for record in self.book.list_records(kinds)]

    def vendors(self) -> list[ListView]:
        return self._lists({"Vendor"})

    def customers(self) -> list[ListView]:
        """Customers and jobs, each job right after its customer."""
        return self._lists({"Customer"})

    def items(self) -> list[ListView]:
        return self._lists(ITEM_KINDS)

    def classes(self) -> list[ListView]:
        return self._lists({"Class"})

    def employees(self) -> list[ListView]:
        return self._lists({"Employee"})

    def accounts(self) -> list[ListView]:
        return self._lists({"Account"})

    def find_list(self, kind: str, full_name: str) -> ListView | None:
        """The record of `kind` ("Vendor", "Customer", "Item" or an item kind, "Class", "Account",
        "Employee", "OtherName", "Entity") with this full name, case-insensitive."""
        with self._lock:
            record = self.book.find_list(QUERY_KINDS[kind], full_name=full_name)
            return self.book.list_view(record) if record else None

    def transactions(self, kind: str | None = None) -> list[TxnView]:
        with self._lock:
            kinds = TXN_KINDS if kind is None else {kind}
            return [self.book.txn_view(record) for record in self.book.txn_records(kinds)]

    def estimates(self) -> list[TxnView]:
        return self.transactions("Estimate")

    def purchase_orders(self) -> list[TxnView]:
        return self.transactions("PurchaseOrder")

    def bills(self) -> list[TxnView]:
        return self.transactions("Bill")

    def invoices(self) -> list[TxnView]:
        return self.transactions("Invoice")

    def find_txn(self, kind: str, ref_number: str) -> TxnView | None:
        """The first `kind` transaction with this RefNumber (case-insensitive)."""
        with self._lock:
            for record in self.book.txn_records({kind}):
                if str(record.fields.get("RefNumber", "")).lower() == ref_number.lower():
                    return self.book.txn_view(record)
            return None

    def get_txn(self, txn_id: str) -> TxnView | None:
        with self._lock:
            record = self.book.txns.get(txn_id)
            return self.book.txn_view(record) if record else None

    # ----------------------------------------------------------------------------------------------
    # Saving: the demo's company file survives between runs

    def to_state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "host": asdict(self.host),
                "book": self.book.to_state(),
                "add_counts": [[kind, name, count] for (kind, name), count in self.dispatcher.add_counts.items()],
            }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the company file as JSON, atomically (a crash never leaves half a file)."""
        target = Path(path)
        data = json.dumps(self.to_state(), indent=1, sort_keys=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, schema_dir: Path | str | None = None) -> QuickBooksCompany:
        host = dict(state["host"])
        host["supported_versions"] = tuple(host["supported_versions"])
        company = cls(schema_dir=schema_dir, default_accounts=False)
        company.host = HostSettings(**host)
        company.book = Book.from_state(state["book"])
        company.dispatcher = Dispatcher(company.book, company.host)
        for kind, name, count in state.get("add_counts", []):
            company.dispatcher.add_counts[(kind, name)] = int(count)
        return company

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, schema_dir: Path | str | None = None) -> QuickBooksCompany:
        with open(path, encoding="utf-8") as stream:
            return cls.from_state(json.load(stream), schema_dir=schema_dir)
