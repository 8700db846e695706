"""The queries for live records: <list>Query, <transaction>Query and TransactionQuery, with their filters.

Which records match is decided here; how the matches are paged and answered is `iterators.answer`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from qbxml.simulator.book import Book, amount_text, line_amount, normalize
from qbxml.simulator.iterators import Iterators, answer
from qbxml.simulator.orders import ENTITY_KINDS, ENTITY_TAGS, HEADER_ACCOUNTS, ITEM_KINDS, QUERY_KINDS, TXN_KINDS
from qbxml.simulator.records import ListRecord, TxnLine, TxnRecord
from qbxml.simulator.request import (
    Element,
    Handler,
    Outcome,
    element_id,
    flag,
    missing,
    request_time,
    text,
    texts,
)


def handlers(book: Book, iterators: Iterators) -> dict[str, Handler]:
    def for_list(kind: str) -> Handler:
        return lambda rq, macros: list_query(book, iterators, rq, kind)

    def for_txn(kind: str) -> Handler:
        return lambda rq, macros: txn_query(book, iterators, rq, kind, macros)

    table = {f"{kind}QueryRq": for_list(kind) for kind in QUERY_KINDS}
    table.update({f"{kind}QueryRq": for_txn(kind) for kind in TXN_KINDS})
    table["TransactionQueryRq"] = lambda rq, macros: transaction_query(book, iterators, rq, macros)
    return table


# --------------------------------------------------------------------------------------------------
# Lists


def list_query(book: Book, iterators: Iterators, rq: Element, kind: str) -> Outcome:
    kinds = QUERY_KINDS[kind]
    list_ids = texts(rq, "ListID")
    full_names = texts(rq, "FullName")
    absent: str | None = None
    if list_ids or full_names:
        records: list[ListRecord] = []
        for list_id in list_ids:
            record = book.find_list(kinds, list_id=list_id)
            if record is None:
                absent = absent or list_id
            else:
                records.append(record)
        for full_name in full_names:
            record = book.find_list(kinds, full_name=full_name)
            if record is None:
                absent = absent or full_name
            else:
                records.append(record)
    elif rq.get("iterator") in ("Continue", "Stop"):
        # The iterator holds what matched when it started: matching again would only cost a sort per page.
        records = []
    else:
        records = _filter_lists(book, rq, kinds)
    return answer(
        iterators,
        rq,
        [record.list_id for record in records],
        lambda list_id: book.lists.get(list_id),
        lambda record, only: book.render_list(record, only),
        absent,
    )


def _filter_lists(book: Book, rq: Element, kinds: frozenset[str]) -> list[ListRecord]:
    active = text(rq, "ActiveStatus") or "ActiveOnly"
    start = text(rq, "FromModifiedDate")
    end = text(rq, "ToModifiedDate")
    start_at = request_time(book, start, end=False) if start else None
    end_at = request_time(book, end, end=True) if end else None
    name_filter = rq.find("NameFilter")
    criterion = text(name_filter, "MatchCriterion") if name_filter is not None else None
    wanted = (text(name_filter, "Name") or "") if name_filter is not None else ""
    name_range = rq.find("NameRangeFilter")
    low = ((text(name_range, "FromName") or "").lower() or None) if name_range is not None else None
    high = ((text(name_range, "ToName") or "").lower() or None) if name_range is not None else None
    account_types = set(texts(rq, "AccountType"))
    matched: list[ListRecord] = []
    for record in book.list_records(kinds):
        if active == "ActiveOnly" and not record.is_active or active == "InactiveOnly" and record.is_active:
            continue
        if start_at is not None and record.time_modified < start_at:
            continue
        if end_at is not None and record.time_modified > end_at:
            continue
        if name_filter is not None and not _matches(criterion, wanted, record.full_name):
            continue
        if name_range is not None and not _in_range(record.full_name.lower(), low, high):
            continue
        if account_types and record.fields.get("AccountType") not in account_types:
            continue
        matched.append(record)
    return matched


# --------------------------------------------------------------------------------------------------
# Transactions of one kind


def txn_query(book: Book, iterators: Iterators, rq: Element, kind: str, macros: dict[str, str]) -> Outcome:
    include_lines = bool(flag(rq, "IncludeLineItems"))
    include_linked = bool(flag(rq, "IncludeLinkedTxns"))
    txn_ids = [element_id(element, macros) for element in rq.findall("TxnID")]
    absent: str | None = None
    if txn_ids:
        records: list[TxnRecord] = []
        for txn_id in txn_ids:
            record = book.find_txn({kind}, txn_id)
            if record is None:
                absent = absent or txn_id
            else:
                records.append(record)
    else:
        records, absent = _filter_txns(book, rq, kind)
    return answer(
        iterators,
        rq,
        [record.txn_id for record in records],
        lambda txn_id: book.txns.get(txn_id),
        lambda record, only: book.render_txn(
            record, include_lines=include_lines, include_linked=include_linked, only=only
        ),
        absent,
    )


def _filter_txns(book: Book, rq: Element, kind: str) -> tuple[list[TxnRecord], str | None]:
    exact = texts(rq, "RefNumber")
    exact_cs = texts(rq, "RefNumberCaseSensitive")
    if exact or exact_cs:
        found: dict[str, TxnRecord] = {}
        for value in exact:
            found.update((txn.txn_id, txn) for txn in book.txns_with_ref(kind, value))
        for value in exact_cs:
            found.update((t.txn_id, t) for t in book.txns_with_ref(kind, value) if t.fields["RefNumber"] == value)
        return sorted(found.values(), key=lambda txn: (txn.fields.get("TxnDate", ""), txn.txn_number)), None
    candidates: list[TxnRecord] | None = None
    tests: list[Callable[[TxnRecord], bool]] = []
    modified = rq.find("ModifiedDateRangeFilter")
    if modified is not None:
        tests.append(_modified_test(book, modified))
    dates = rq.find("TxnDateRangeFilter")
    if dates is not None:
        tests.append(_date_test(dates))
    entity = rq.find("EntityFilter")
    if entity is not None:
        ids, absent = _filter_ids(book, entity, ENTITY_KINDS)
        if absent is not None:
            return [], absent
        if kind != "JournalEntry":  # a journal entry's parties are on its lines, which are not indexed
            candidates = book.txns_of_entities(kind, ids)
        tests.append(lambda txn: bool(ids & _entities(txn)))
    account = rq.find("AccountFilter")
    if account is not None:
        ids, absent = _filter_ids(book, account, frozenset({"Account"}))
        if absent is not None:
            return [], absent
        tests.append(lambda txn: bool(ids & _accounts(txn)))
    ref_filter = rq.find("RefNumberFilter")
    if ref_filter is not None:
        criterion = text(ref_filter, "MatchCriterion")
        value = text(ref_filter, "RefNumber") or ""
        tests.append(lambda txn: _matches(criterion, value, str(txn.fields.get("RefNumber", ""))))
    ref_range = rq.find("RefNumberRangeFilter")
    if ref_range is not None:
        low = text(ref_range, "FromRefNumber")
        high = text(ref_range, "ToRefNumber")
        tests.append(lambda txn: _ref_in_range(str(txn.fields.get("RefNumber", "")), low, high))
    paid = text(rq, "PaidStatus")
    if paid in ("PaidOnly", "NotPaidOnly"):
        want_paid = paid == "PaidOnly"
        tests.append(lambda txn: (book.open_amount(txn) <= 0) == want_paid)
    if candidates is None:
        candidates = book.txn_records({kind})
    return [txn for txn in candidates if all(test(txn) for test in tests)], None


def _modified_test(book: Book, element: Element) -> Callable[[TxnRecord], bool]:
    start = text(element, "FromModifiedDate")
    end = text(element, "ToModifiedDate")
    start_at = request_time(book, start, end=False) if start else None
    end_at = request_time(book, end, end=True) if end else None
    return lambda txn: (
        (start_at is None or txn.time_modified >= start_at) and (end_at is None or txn.time_modified <= end_at)
    )


def _filter_ids(book: Book, element: Element, kinds: frozenset[str]) -> tuple[set[str], str | None]:
    """The ListIDs an EntityFilter/AccountFilter names (with sub-records for ...WithChildren)."""
    ids: set[str] = set()
    for tag, by_id, children in (
        ("ListID", True, False),
        ("FullName", False, False),
        ("ListIDWithChildren", True, True),
        ("FullNameWithChildren", False, True),
    ):
        for value in texts(element, tag):
            record = book.find_list(kinds, list_id=value) if by_id else book.find_list(kinds, full_name=value)
            if record is None:
                return set(), value
            ids.add(record.list_id)
            if children:
                ids.update(child.list_id for child in book.descendants(record))
    return ids, None


# --------------------------------------------------------------------------------------------------
# TransactionQuery: every kind at once, by transaction or by line


def transaction_query(book: Book, iterators: Iterators, rq: Element, macros: dict[str, str]) -> Outcome:
    """TransactionQuery: one TransactionRet per transaction (SummaryOnly, the default) or per line."""
    txn_ids = [element_id(element, macros) for element in rq.findall("TxnID")]
    absent: str | None = None
    kinds: Iterable[str] = TXN_KINDS
    types = rq.find("TransactionTypeFilter")
    if types is not None:
        named = set(texts(types, "TxnTypeFilter"))
        if "All" not in named:
            kinds = TXN_KINDS & named
    candidates = book.txn_records(kinds)
    if txn_ids:
        wanted = set(txn_ids)
        candidates = [txn for txn in candidates if txn.txn_id in wanted]
        absent = next((txn_id for txn_id in txn_ids if txn_id not in book.txns), None)
    tests: list[Callable[[TxnRecord], bool]] = []
    exact = {value.lower() for value in texts(rq, "RefNumber")}
    if exact:
        tests.append(lambda txn: str(txn.fields.get("RefNumber", "")).lower() in exact)
    modified = rq.find("TransactionModifiedDateRangeFilter")
    if modified is not None:
        tests.append(_modified_test(book, modified))
    dates = rq.find("TransactionDateRangeFilter")
    if dates is not None:
        tests.append(_date_test(dates))
    line_tests: list[Callable[[TxnRecord, TxnLine | None], bool]] = []
    for tag, list_kinds, line_values in (
        ("TransactionEntityFilter", ENTITY_KINDS, _line_entities),
        ("TransactionAccountFilter", frozenset({"Account"}), _line_accounts),
        ("TransactionItemFilter", ITEM_KINDS, _line_items),
        ("TransactionClassFilter", frozenset({"Class"}), _line_classes),
    ):
        element = rq.find(tag)
        if element is None:
            continue
        ids, not_found = _filter_ids(book, element, list_kinds)
        if not_found is not None:
            return Outcome([], 500, "Warn", missing(not_found))
        if ids:
            line_tests.append(_line_test(ids, line_values))
    detail = text(rq, "TransactionDetailLevelFilter") or "SummaryOnly"
    rows: list[str] = []
    for txn in candidates:
        if not all(test(txn) for test in tests):
            continue
        if detail in ("SummaryOnly", "All") and all(test(txn, None) for test in line_tests):
            rows.append(txn.txn_id)
        if detail in ("All", "AllExceptSummary"):
            rows.extend(
                f"{txn.txn_id}/{line.txn_line_id}" for line in txn.lines if all(test(txn, line) for test in line_tests)
            )
    return answer(
        iterators,
        rq,
        rows,
        lambda row: _transaction_row(book, row),
        lambda row, only: _render_row(book, row, only),
        absent,
    )


def _transaction_row(book: Book, row: str) -> tuple[TxnRecord, TxnLine | None] | None:
    txn_id, _, line_id = row.partition("/")
    txn = book.txns.get(txn_id)
    if txn is None:
        return None
    if not line_id:
        return (txn, None)
    line = next((line for line in txn.lines if line.txn_line_id == line_id), None)
    return None if line is None else (txn, line)


def _render_row(book: Book, row: tuple[TxnRecord, TxnLine | None], only: frozenset[str] | None) -> str:
    txn, line = row
    out = ["<TransactionRet>"]
    entity_tag = ENTITY_TAGS.get(txn.kind)
    account_tag = HEADER_ACCOUNTS.get(txn.kind, ("", ""))[0]
    if line is None:
        entity = txn.fields.get(entity_tag) if entity_tag else None
        account = txn.fields.get(account_tag) if account_tag else None
        amount = book.total(txn)
        memo = txn.fields.get("Memo")
    else:
        entity = line.fields.get("CustomerRef") or line.fields.get("EntityRef")
        account = line.fields.get("AccountRef")
        amount = line_amount(line)
        memo = line.fields.get("Memo") or line.fields.get("Desc")
    values: dict[str, Any] = {
        "TxnType": txn.kind,
        "TxnID": txn.txn_id,
        "TxnLineID": line.txn_line_id if line else None,
        "TimeCreated": book.iso(txn.time_created),
        "TimeModified": book.iso(txn.time_modified),
        "EntityRef": entity,
        "AccountRef": account,
        "TxnDate": txn.fields.get("TxnDate"),
        "RefNumber": txn.fields.get("RefNumber"),
        "Amount": amount_text(amount),
        "Memo": memo,
    }
    for tag, value in values.items():
        if only is None or tag in only:
            book.emit(out, tag, value)
    out.append("</TransactionRet>")
    return "".join(out)


# --------------------------------------------------------------------------------------------------
# Filter tests


def _matches(criterion: str | None, value: str, candidate: str) -> bool:
    value = value.lower()
    candidate = candidate.lower()
    if criterion == "StartsWith":
        return candidate.startswith(value)
    if criterion == "EndsWith":
        return candidate.endswith(value)
    return value in candidate


def _in_range(value: str, low: str | None, high: str | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _ref_number_key(value: str) -> tuple[int, Any]:
    return (0, int(value)) if value.isdigit() else (1, value.lower())


def _ref_in_range(value: str, low: str | None, high: str | None) -> bool:
    """QuickBooks compares reference numbers as numbers when they are numbers, else as text."""
    if not value:
        return False
    key = _ref_number_key(value)
    if low and key < _ref_number_key(low):
        return False
    return not (high and key > _ref_number_key(high))


def _date_test(element: Element) -> Callable[[TxnRecord], bool]:
    start = text(element, "FromTxnDate")
    end = text(element, "ToTxnDate")
    start = normalize("TxnDate", start) if start else None
    end = normalize("TxnDate", end) if end else None

    def test(txn: TxnRecord) -> bool:
        txn_date = txn.fields.get("TxnDate", "")
        return (start is None or txn_date >= start) and (end is None or txn_date <= end)

    return test


def _entities(txn: TxnRecord) -> set[str]:
    tag = ENTITY_TAGS.get(txn.kind)
    found = {txn.fields[tag]} if tag and txn.fields.get(tag) else set()
    if txn.kind == "JournalEntry":
        found.update(line.fields["EntityRef"] for line in txn.lines if line.fields.get("EntityRef"))
    return found


def _accounts(txn: TxnRecord) -> set[str]:
    found = {value for tag, value in txn.fields.items() if tag.endswith("AccountRef") and isinstance(value, str)}
    found.update(line.fields["AccountRef"] for line in txn.lines if line.fields.get("AccountRef"))
    return found


def _line_entities(txn: TxnRecord, line: TxnLine | None) -> set[str]:
    if line is None:
        found = _entities(txn)
        found.update(line.fields["CustomerRef"] for line in txn.lines if line.fields.get("CustomerRef"))
        return found
    found = {line.fields[tag] for tag in ("CustomerRef", "EntityRef") if line.fields.get(tag)}
    tag = ENTITY_TAGS.get(txn.kind)
    if tag and txn.fields.get(tag):
        found.add(txn.fields[tag])
    return found


def _line_accounts(txn: TxnRecord, line: TxnLine | None) -> set[str]:
    if line is None:
        return _accounts(txn)
    return {line.fields["AccountRef"]} if line.fields.get("AccountRef") else set()


def _line_items(txn: TxnRecord, line: TxnLine | None) -> set[str]:
    lines = txn.lines if line is None else [line]
    return {entry.fields["ItemRef"] for entry in lines if entry.fields.get("ItemRef")}


def _line_classes(txn: TxnRecord, line: TxnLine | None) -> set[str]:
    lines = txn.lines if line is None else [line]
    return {entry.fields["ClassRef"] for entry in lines if entry.fields.get("ClassRef")}


def _line_test(
    ids: set[str], values: Callable[[TxnRecord, TxnLine | None], set[str]]
) -> Callable[[TxnRecord, TxnLine | None], bool]:
    return lambda txn, line: bool(ids & values(txn, line))
