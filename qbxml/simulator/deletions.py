"""Deleting and voiding (ListDel, TxnDel, TxnVoid), and the deleted-record queries that report deletions.

A deleted record leaves only an entry in the book's log of deletions, which ListDeletedQuery and
TxnDeletedQuery read: an import by modified date never sees a record that is gone.
"""

from __future__ import annotations

from lxml import etree

from qbxml.simulator.book import Book, not_found
from qbxml.simulator.orders import LIST_KINDS, LIST_WORDS, TXN_KINDS, VOIDABLE_TXN_KINDS
from qbxml.simulator.records import StatusError
from qbxml.simulator.request import (
    FEATURE_OFF_MESSAGE,
    NO_MATCH_MESSAGE,
    Element,
    Handler,
    Outcome,
    element_id,
    request_time,
    text,
    texts,
    to_xml,
)


def handlers(book: Book) -> dict[str, Handler]:
    return {
        "ListDelRq": lambda rq, macros: list_del(book, rq),
        "TxnDelRq": lambda rq, macros: txn_del(book, rq, macros),
        "TxnVoidRq": lambda rq, macros: txn_void(book, rq, macros),
        "ListDeletedQueryRq": lambda rq, macros: deleted_query(
            book, rq, "ListDelType", book.deleted_lists, "ListDeletedRet", "FullName"
        ),
        "TxnDeletedQueryRq": lambda rq, macros: deleted_query(
            book, rq, "TxnDelType", book.deleted_txns, "TxnDeletedRet", "RefNumber"
        ),
    }


def list_del(book: Book, rq: Element) -> Outcome:
    kind = text(rq, "ListDelType") or ""
    list_id = text(rq, "ListID") or ""
    if kind not in LIST_KINDS:
        raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (The simulator does not keep {kind} lists.)")
    record = book.find_list({kind}, list_id=list_id)
    if record is None:
        raise not_found(list_id)
    if book.list_in_use(record):
        raise StatusError(
            3170,
            f'There was an error when deleting a {LIST_WORDS[kind]} list, element "{record.full_name}". '
            "QuickBooks error message: This list element is in use and cannot be deleted.",
        )
    entry = book.delete_list(record)
    return Outcome(_del_children(book, ("ListDelType", "ListID", "TimeDeleted", "FullName"), entry))


def txn_del(book: Book, rq: Element, macros: dict[str, str]) -> Outcome:
    kind = text(rq, "TxnDelType") or ""
    txn_id = element_id(rq.find("TxnID"), macros)
    record = book.find_txn({kind}, txn_id) if kind in TXN_KINDS else None
    if record is None:
        raise not_found(txn_id)
    entry = book.delete_txn(record)
    return Outcome(_del_children(book, ("TxnDelType", "TxnID", "TimeDeleted", "RefNumber"), entry))


def _del_children(book: Book, tags: tuple[str, ...], entry: dict[str, str]) -> list[str]:
    children = []
    for tag in tags:
        value = entry.get(tag)
        if not value:
            continue
        element = etree.Element(tag)
        element.text = book.iso(int(value)) if tag == "TimeDeleted" else value
        children.append(to_xml(element))
    return children


def txn_void(book: Book, rq: Element, macros: dict[str, str]) -> Outcome:
    kind = text(rq, "TxnVoidType") or ""
    txn_id = element_id(rq.find("TxnID"), macros)
    record = book.find_txn({kind}, txn_id) if kind in TXN_KINDS else None
    if record is None:
        raise not_found(txn_id)
    if kind not in VOIDABLE_TXN_KINDS:
        raise StatusError(3250, f"{FEATURE_OFF_MESSAGE}  (A {kind} cannot be voided.)")
    book.void_txn(record)
    children = []
    for tag, value in (
        ("TxnVoidType", kind),
        ("TxnID", record.txn_id),
        ("TimeCreated", book.iso(record.time_created)),
        ("TimeModified", book.iso(record.time_modified)),
        ("RefNumber", record.fields.get("RefNumber")),
    ):
        if value:
            element = etree.Element(tag)
            element.text = value
            children.append(to_xml(element))
    return Outcome(children)


def deleted_query(
    book: Book, rq: Element, type_tag: str, log: list[dict[str, str]], ret_tag: str, name_tag: str
) -> Outcome:
    kinds = set(texts(rq, type_tag))
    span = rq.find("DeletedDateRangeFilter")
    start = text(span, "FromDeletedDate") if span is not None else None
    end = text(span, "ToDeletedDate") if span is not None else None
    start_at = request_time(book, start, end=False) if start else None
    end_at = request_time(book, end, end=True) if end else None
    children = []
    for entry in log:
        deleted = int(entry["TimeDeleted"])
        if entry[type_tag] not in kinds:
            continue
        if start_at is not None and deleted < start_at or end_at is not None and deleted > end_at:
            continue
        ret = etree.Element(ret_tag)
        id_tag = "TxnID" if type_tag == "TxnDelType" else "ListID"
        etree.SubElement(ret, type_tag).text = entry[type_tag]
        etree.SubElement(ret, id_tag).text = entry[id_tag]
        etree.SubElement(ret, "TimeCreated").text = book.iso(int(entry["TimeCreated"]))
        etree.SubElement(ret, "TimeDeleted").text = book.iso(deleted)
        if entry.get(name_tag):
            etree.SubElement(ret, name_tag).text = entry[name_tag]
        children.append(to_xml(ret))
    if not children:
        return Outcome([], 1, "Info", NO_MATCH_MESSAGE)
    return Outcome(children)
