"""Reading what QuickBooks (through the Web Connector) sends back: bytes in, plain data out.

The input crosses the network from a machine we do not control, so the parser is hardened before it is
convenient: a size limit checked before parsing, no DTD of any kind (a DOCTYPE is refused outright, which
rules out external entities and entity expansion bombs), no network, libxml2's default depth and text
limits (no huge_tree). Every problem is a `QbxmlParseError`.

`iter_responses` streams: it turns each `*Ret` into a dict as soon as it is read and drops the element,
so a page of 500 bills costs the dicts, not the tree.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Any

from lxml import etree

from qbxml.lib.fieldtypes import AMOUNT_FIELDS, BOOL_FIELDS, DATE_FIELDS, DECIMAL_FIELDS, INT_FIELDS

Element = etree._Element

# A page of 500 bills with their lines is a few MB; 25 MB leaves room and refuses floods early.
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


class QbxmlParseError(ValueError):
    """The input is not a qbXML document this parser accepts. The message says why, in plain words."""


class Status(IntEnum):
    """The status codes the sync acts on (PRODUCT.md, "qbXML")."""

    OK = 0
    NO_MATCH = 1  # a query that found nothing: not an error
    WARNING = 500
    NAME_IN_USE = 3100
    OBJECT_NOT_FOUND = 3120
    INVALID_REFERENCE = 3140
    IN_USE = 3170
    LOCKED_BY_OTHER_USER = 3175
    LOCKED = 3176
    RECORD_BUSY = 3180
    STALE_EDIT_SEQUENCE = 3200
    FEATURE_OFF = 3250
    NOT_PERMITTED = 3260
    NOT_PERMITTED_SENSITIVE = 3261
    INVALID_ITERATOR = 3391


TRANSIENT_STATUSES = frozenset({Status.IN_USE, Status.LOCKED_BY_OTHER_USER, Status.LOCKED, Status.RECORD_BUSY})


@dataclass(frozen=True)
class Response:
    """One `*Rs` of a response document."""

    request_id: str | None
    kind: str  # "VendorAdd" for a VendorAddRs
    status_code: int
    status_severity: str  # "Info", "Warn" or "Error"
    status_message: str
    iterator_id: str | None = None
    iterator_remaining_count: int | None = None
    ret_count: int | None = None
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The request did what it asked (a warning still did: QuickBooks kept the record)."""
        return self.status_severity != "Error" and self.status_code != Status.NO_MATCH

    @property
    def found_nothing(self) -> bool:
        return self.status_code == Status.NO_MATCH

    @property
    def is_error(self) -> bool:
        return self.status_severity == "Error"

    @property
    def is_transient(self) -> bool:
        """A record in use or locked: the same request may well succeed in a later session."""
        return self.status_code in TRANSIENT_STATUSES

    @property
    def has_more(self) -> bool:
        """An iterator query with pages still to fetch (continue with `iterator_id`)."""
        return bool(self.iterator_id) and (self.iterator_remaining_count or 0) > 0


@dataclass(frozen=True)
class HostInfo:
    """What the Web Connector's strHCPResponse says about QuickBooks and the open company file."""

    product_name: str = ""
    major_version: str = ""
    minor_version: str = ""
    country: str = ""
    supported_versions: tuple[str, ...] = ()
    qb_file_mode: str = ""
    company_name: str = ""
    is_sample_company: bool | None = None
    is_using_class_tracking: bool | None = None
    is_using_estimates: bool | None = None
    is_using_progress_invoicing: bool | None = None
    is_using_inventory: bool | None = None
    is_multicurrency_on: bool | None = None
    closing_date: date | None = None

    def best_version(self, ours: Iterable[str] = ("13.0", "16.0")) -> str | None:
        return best_qbxml_version(self.supported_versions, ours)


def best_qbxml_version(supported: Iterable[str], ours: Iterable[str] = ("13.0", "16.0")) -> str | None:
    """The highest qbXML version both sides speak, or None.

    QuickBooks lists plain versions ("13.0") beside country ones ("CA3.0", "UK3.0"); only exact matches
    with ours count.
    """
    common = set(supported) & set(ours)
    if not common:
        return None
    return max(common, key=_version_key)


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (-1,)


# --------------------------------------------------------------------------------------------------
# Hardened parsing


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _prepare(data: bytes | str, max_bytes: int) -> bytes:
    if isinstance(data, str):
        # The SOAP layer hands us text; its XML declaration may name the encoding the Web Connector
        # used on the wire, which is no longer true once we encode it ourselves.
        data = _XML_DECLARATION.sub("", data, count=1).encode("utf-8")
    elif isinstance(data, bytearray | memoryview):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise QbxmlParseError(f"expected bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise QbxmlParseError(f"the document is {len(data)} bytes long; the limit is {max_bytes}")
    start = data.lstrip(b" \t\r\n")
    if not start:
        raise QbxmlParseError("the document is empty")
    if not (start.startswith(b"<") or start.startswith(_BOMS)):
        # Compressed or binary input: libxml2 might try to decompress it; refuse before it can.
        raise QbxmlParseError("the document does not start with XML markup")
    # A fast refusal for the usual encodings; the docinfo check after parsing catches the others.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise QbxmlParseError("the document has a DOCTYPE; qbXML never does, and DTDs are refused")
    return data


# Both parsers: no entities, no DTD, no network, libxml2's default size limits, no comments or PIs kept.
_HARDENED: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def parse_xml(data: bytes | str, max_bytes: int = DEFAULT_MAX_BYTES, *, long_text: bool = False) -> Element:
    """Parse a whole document with the hardened settings and return its root element.

    `long_text` lifts libxml2's 10 MB limit on one text node (and its depth limit): a SOAP call carries a
    whole qbXML answer as one text node. The document stays bounded by `max_bytes`, and entities stay off.
    """
    raw = _prepare(data, max_bytes)
    parser = etree.XMLParser(  # type: ignore[call-overload]  # the stubs predate lxml 6's decompress
        **{**_HARDENED, "huge_tree": long_text}, recover=False, collect_ids=False, decompress=False
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise QbxmlParseError(f"the document is not well-formed XML: {exc}") from None
    if root is None:
        raise QbxmlParseError("the document has no root element")
    if root.getroottree().docinfo.doctype:
        raise QbxmlParseError("the document has a DOCTYPE; qbXML never does, and DTDs are refused")
    return root


# Answers to our own messages are well under this: read whole, which is several times faster than
# streaming. Bigger documents (pages of a large query) stream, so their cost is the dicts, not the tree.
WHOLE_DOCUMENT_BYTES = 4 * 1024 * 1024


def iter_responses(
    data: bytes | str, max_bytes: int = DEFAULT_MAX_BYTES, *, only: frozenset[str] | None = None
) -> Iterator[Response]:
    """The `*Rs` of a QBXML response document, in document order.

    `only`: the qbXML tags to read in each record and line (with everything inside them); the others are
    skipped. Raises QbxmlParseError when it reaches a problem; a streamed document may have yielded the
    responses before it. Use `parse_responses` to get all or nothing.
    """
    raw = _prepare(data, max_bytes)
    if len(raw) <= WHOLE_DOCUMENT_BYTES:
        try:
            root = parse_xml(raw, max_bytes)
        except QbxmlParseError:
            pass  # streamed below: the responses before the problem are still read, then the same error
        else:
            yield from _responses_of_tree(root, only)
            return
    events = etree.iterparse(
        io.BytesIO(raw),
        events=("start", "end"),
        **_HARDENED,
    )
    depth = 0
    in_messages = False
    records: list[dict[str, Any]] = []
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    if element.getroottree().docinfo.doctype:
                        raise QbxmlParseError("the document has a DOCTYPE; qbXML never does, and DTDs are refused")
                    _check_root(element)
                elif depth == 2:
                    in_messages = element.tag == "QBXMLMsgsRs"
                continue
            if in_messages and depth == 4 and isinstance(element.tag, str) and element.tag.endswith("Ret"):
                records.append(_record(element, only))
                _drop(element)
            elif in_messages and depth == 3:
                yield _response(element, records)
                records = []
                _drop(element)
            depth -= 1
    except etree.XMLSyntaxError as exc:
        raise QbxmlParseError(f"the document is not well-formed XML: {exc}") from None


def _check_root(root: Element) -> None:
    if root.tag != "QBXML":
        raise QbxmlParseError(f"expected a QBXML document, found {root.tag!r}")


def _responses_of_tree(root: Element, only: frozenset[str] | None) -> Iterator[Response]:
    _check_root(root)
    for messages in root:
        if messages.tag != "QBXMLMsgsRs":
            continue
        for rs in messages:
            if not isinstance(rs.tag, str):
                continue
            records = [_record(ret, only) for ret in rs if isinstance(ret.tag, str) and ret.tag.endswith("Ret")]
            yield _response(rs, records)


def parse_responses(data: bytes | str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Response]:
    """Every `*Rs` of the document, or QbxmlParseError and nothing."""
    return list(iter_responses(data, max_bytes))


def _drop(element: Element) -> None:
    """Free what the streaming parser has read: the element's content and its earlier siblings."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _response(element: Element, records: list[dict[str, Any]]) -> Response:
    tag = element.tag
    if not isinstance(tag, str) or not tag.endswith("Rs"):
        raise QbxmlParseError(f"unexpected {tag!r} among the responses")
    status = element.get("statusCode")
    if status is None:
        raise QbxmlParseError(f"<{tag}> has no statusCode")
    return Response(
        request_id=element.get("requestID"),
        kind=tag[:-2],
        status_code=_int(f"{tag}/@statusCode", status),
        status_severity=element.get("statusSeverity") or "",
        status_message=element.get("statusMessage") or "",
        iterator_id=element.get("iteratorID") or None,
        iterator_remaining_count=_optional_int(f"{tag}/@iteratorRemainingCount", element.get("iteratorRemainingCount")),
        ret_count=_optional_int(f"{tag}/@retCount", element.get("retCount")),
        records=records,
    )


def _int(where: str, text: str) -> int:
    if text.isdigit() and text.isascii() and len(text) <= 18:
        return int(text)  # the usual case, without the pattern
    text = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,18}", text):
        raise QbxmlParseError(f"{where}: {text[:40]!r} is not a whole number")
    return int(text)


def _optional_int(where: str, text: str | None) -> int | None:
    return None if text is None or not text.strip() else _int(where, text)


# --------------------------------------------------------------------------------------------------
# Records: one dict per *Ret


# Line aggregates of transactions, by tag, with the line type they become.
_LINE_TAGS = {
    "ItemLineRet": "Item",
    "ExpenseLineRet": "Expense",
    "PurchaseOrderLineRet": "PurchaseOrder",
    "EstimateLineRet": "Estimate",
    "InvoiceLineRet": "Invoice",
    "JournalDebitLine": "JournalDebit",
    "JournalCreditLine": "JournalCredit",
}
# Group lines hold item lines of their own; their item lines count like any other.
_GROUP_LINE_TAGS = frozenset(
    {"ItemGroupLineRet", "PurchaseOrderLineGroupRet", "EstimateLineGroupRet", "InvoiceLineGroupRet"}
)
# Aggregates that may repeat, always returned as lists under these keys.
_REPEATED = {
    "AppliedToTxnRet": "applied_to",
    "LinkedTxn": "linked_txns",
    "DataExtRet": "data_ext",
    "ContactsRet": "contacts",
    "ShipToAddress": "ship_to_addresses",
    "AdditionalNotesRet": "additional_notes",
    "AdditionalContactRef": "additional_contacts",
    "TxnLineDetail": "txn_line_details",
    "SupportedQBXMLVersion": "supported_qbxml_versions",
}
_RECORD_KEYS = (
    "list_id",
    "txn_id",
    "edit_sequence",
    "time_created",
    "time_modified",
    "name",
    "full_name",
    "is_active",
    "parent_full_name",
    "parent_list_id",
    "ref_number",
    "txn_date",
    "vendor_full_name",
    "vendor_list_id",
    "customer_full_name",
    "customer_list_id",
    "memo",
    "total_amount",
)
_LINE_KEYS = (
    "txn_line_id",
    "item_full_name",
    "item_list_id",
    "class_full_name",
    "customer_full_name",
    "customer_list_id",
    "account_full_name",
    "desc",
    "memo",
    "amount",
)
# The field that holds a transaction's total, for types that do not call it TotalAmount.
_TOTAL_FIELDS = ("total_amount", "amount_due", "credit_amount", "amount")

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NUMBER = re.compile(r"[+-]?(\d{1,30}(\.\d{0,20})?|\.\d{1,20})")


@functools.lru_cache(maxsize=4096)
def snake(tag: str) -> str:
    """qbXML names as dict keys: "TxnID" -> "txn_id", "SupportedQBXMLVersion" -> "supported_qbxml_version"."""
    return _CAMEL.sub("_", tag).lower()


def _record(ret: Element, only: frozenset[str] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(_RECORD_KEYS)
    record["type"] = str(ret.tag)[: -len("Ret")]
    record["lines"] = []
    record["applied_to"] = []
    record["linked_txns"] = []
    _fill(record, ret, str(ret.tag), only)
    if record["total_amount"] is None:
        record["total_amount"] = next((record[key] for key in _TOTAL_FIELDS[1:] if record.get(key) is not None), None)
    return record


def _fill(target: dict[str, Any], element: Element, where: str, only: frozenset[str] | None = None) -> None:
    """Read `element`'s children into `target`. `where` is the path for error messages; the children's
    paths are built only when one is wrong, since most documents have none."""
    for child in element:
        tag = child.tag
        if tag in _LINE_TAGS:
            target.setdefault("lines", []).append(_line(child, _LINE_TAGS[tag], f"{where}/{tag}", only))
        elif tag in _GROUP_LINE_TAGS:
            for grandchild in child:
                if grandchild.tag in _LINE_TAGS:
                    path = f"{where}/{tag}/{grandchild.tag}"
                    target.setdefault("lines", []).append(_line(grandchild, _LINE_TAGS[grandchild.tag], path, only))
        elif (only is not None and tag not in only) or not isinstance(tag, str):
            continue  # skipped, or a comment or processing instruction
        elif tag in _REPEATED:
            target.setdefault(_REPEATED[tag], []).append(
                _nested(child, f"{where}/{tag}") if len(child) else _value(tag, child.text, where)
            )
        elif len(child):
            key, _, list_id_key, full_name_key = _tag_plan(tag)
            if list_id_key:  # a reference: its ListID and FullName, flattened
                for part in child:
                    if part.tag == "ListID" and target.get(list_id_key) is None:
                        target[list_id_key] = _value("ListID", part.text, f"{where}/{tag}")
                    elif part.tag == "FullName" and target.get(full_name_key) is None:
                        target[full_name_key] = _value("FullName", part.text, f"{where}/{tag}")
            elif target.get(key) is None:
                target[key] = _nested(child, f"{where}/{tag}")
        else:
            key, typed, _, _ = _tag_plan(tag)
            if target.get(key) is None:
                text = child.text
                target[key] = text if typed == _TEXT and text is not None else _value(tag, text, where)


_TEXT, _TYPED = 0, 1


@functools.lru_cache(maxsize=4096)
def _tag_plan(tag: str) -> tuple[str, int, str, str]:
    """How a tag is read, worked out once per tag: its key, whether its text is typed, and for a
    reference (a *Ref with children) the keys of its ListID and FullName."""
    typed = any(tag in fields for fields in (AMOUNT_FIELDS, DECIMAL_FIELDS, BOOL_FIELDS, DATE_FIELDS, INT_FIELDS))
    prefix = snake(tag[: -len("Ref")]) if tag.endswith("Ref") else ""
    return snake(tag), _TYPED if typed else _TEXT, prefix and f"{prefix}_list_id", prefix and f"{prefix}_full_name"


def _nested(element: Element, where: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    _fill(result, element, where)
    return result


def _line(element: Element, line_type: str, where: str, only: frozenset[str] | None = None) -> dict[str, Any]:
    line: dict[str, Any] = dict.fromkeys(_LINE_KEYS)
    line["line_type"] = line_type
    _fill(line, element, where, only)
    return line


def _value(tag: str, text: str | None, parent: str) -> Any:
    """The typed value of the leaf `tag` (under the path `parent`, for errors)."""
    if text is None:
        typed = tag in AMOUNT_FIELDS or tag in DECIMAL_FIELDS or tag in BOOL_FIELDS
        return None if typed or tag in DATE_FIELDS or tag in INT_FIELDS else ""
    if tag in AMOUNT_FIELDS or tag in DECIMAL_FIELDS:
        return _decimal(f"{parent}/{tag}", text)
    if tag in BOOL_FIELDS:
        value = text.strip().lower()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        if not value:
            return None
        raise QbxmlParseError(f"{parent}/{tag}: {text[:40]!r} is not true or false")
    if tag in DATE_FIELDS:
        if not text.strip():
            return None
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise QbxmlParseError(f"{parent}/{tag}: {text[:40]!r} is not a date") from None
    if tag in INT_FIELDS:
        return _optional_int(f"{parent}/{tag}", text)
    return text


def _decimal(where: str, text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    if not _NUMBER.fullmatch(text):
        raise QbxmlParseError(f"{where}: {text[:40]!r} is not an amount")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise QbxmlParseError(f"{where}: {text[:40]!r} is not an amount") from None


# --------------------------------------------------------------------------------------------------
# Helpers for callers


def parse_qb_datetime(value: str) -> datetime:
    """A DATETIMETYPE from QuickBooks ("2024-03-01T10:11:12-05:00"), aware when it carries an offset."""
    try:
        return datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise QbxmlParseError(f"{value!r} is not a QuickBooks date and time") from None


def records_with_ref_number(
    records: Iterable[dict[str, Any]], ref_number: str, *, entity_full_name: str | None = None
) -> list[dict[str, Any]]:
    """The records whose RefNumber is exactly `ref_number` (and whose party is `entity_full_name`).

    QuickBooks matches reference numbers loosely in queries; before deciding that a purchase order or a
    bill already exists, compare exactly.
    """
    found = []
    for record in records:
        if record.get("ref_number") != ref_number:
            continue
        if entity_full_name is not None:
            party = record.get("vendor_full_name") or record.get("customer_full_name")
            if party != entity_full_name:
                continue
        found.append(record)
    return found


def parse_host_response(hcp: bytes | str, max_bytes: int = DEFAULT_MAX_BYTES) -> HostInfo:
    """The Web Connector's strHCPResponse (HostQueryRs, CompanyQueryRs, PreferencesQueryRs) as HostInfo.

    A query that failed inside it (a user without the right to read preferences, say) leaves its fields
    empty rather than failing the whole session.
    """
    host: dict[str, Any] = {}
    company: dict[str, Any] = {}
    preferences: dict[str, Any] = {}
    for response in iter_responses(hcp, max_bytes):
        if not response.records or response.is_error:
            continue
        if response.kind == "HostQuery":
            host = response.records[0]
        elif response.kind == "CompanyQuery":
            company = response.records[0]
        elif response.kind == "PreferencesQuery":
            preferences = response.records[0]
    if not host and not company and not preferences:
        raise QbxmlParseError("the host response holds no HostRet, CompanyRet or PreferencesRet")

    def pref(section: str, key: str) -> Any:
        value = preferences.get(section)
        return value.get(key) if isinstance(value, dict) else None

    return HostInfo(
        product_name=host.get("product_name") or "",
        major_version=host.get("major_version") or "",
        minor_version=host.get("minor_version") or "",
        country=host.get("country") or "",
        supported_versions=tuple(host.get("supported_qbxml_versions") or ()),
        qb_file_mode=host.get("qb_file_mode") or "",
        company_name=company.get("company_name") or "",
        is_sample_company=company.get("is_sample_company"),
        is_using_class_tracking=pref("accounting_preferences", "is_using_class_tracking"),
        is_using_estimates=pref("jobs_and_estimates_preferences", "is_using_estimates"),
        is_using_progress_invoicing=pref("jobs_and_estimates_preferences", "is_using_progress_invoicing"),
        is_using_inventory=pref("purchases_and_vendors_preferences", "is_using_inventory"),
        is_multicurrency_on=pref("multi_currency_preferences", "is_multi_currency_on"),
        closing_date=pref("accounting_preferences", "closing_date"),
    )
