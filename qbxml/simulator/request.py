"""What every request handler shares: reading a request body, and the Outcome a handler answers with.

A handler takes the `*Rq` element and the message's macros, and returns an Outcome or raises a
StatusError; the dispatcher turns either into the `*Rs`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from qbxml.simulator.book import Book, invalid_reference, invalid_value, normalize
from qbxml.simulator.orders import AGGREGATES, MOD_AGGREGATES, REF_KINDS, REF_WORDS
from qbxml.simulator.records import ListRecord, StatusError

Element = etree._Element

OK_MESSAGE = "Status OK"
NO_MATCH_MESSAGE = "A query request did not find a matching object in QuickBooks"
FEATURE_OFF_MESSAGE = "This feature is not enabled or not available in this version of QuickBooks."

_AGGREGATE_READ = {tag: frozenset(children) for tag, children in AGGREGATES.items()}


@dataclass
class Outcome:
    children: list[str] = field(default_factory=list)  # the *Ret elements (or other content), as XML
    code: int = 0
    severity: str = "Info"
    message: str = OK_MESSAGE
    attributes: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Element, dict[str, str]], Outcome]


def to_xml(element: Element) -> str:
    return etree.tostring(element, encoding="unicode")


def text(parent: Element, tag: str) -> str | None:
    child = parent.find(tag)
    if child is None:
        return None
    return child.text or ""


def texts(parent: Element, tag: str) -> list[str]:
    return [(child.text or "") for child in parent.findall(tag)]


def flag(parent: Element, tag: str) -> bool | None:
    value = text(parent, tag)
    return None if value is None else normalize("IsActive", value) == "true"


def whole_number(parent: Element, tag: str) -> int | None:
    value = text(parent, tag)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise invalid_value(tag, value, "Not a whole number.") from None


def body_of(rq: Element, tag: str) -> Element:
    body = rq.find(tag)
    if body is None:
        raise StatusError(3000, f"The request has no {tag}.")
    return body


def element_id(element: Element | None, macros: dict[str, str]) -> str:
    """The id an element holds, or the one its useMacro names (defined by an earlier request of the message)."""
    if element is None:
        return ""
    macro = element.get("useMacro")
    if macro:
        if macro not in macros:
            raise StatusError(3120, f'The macro "{macro}" is not defined earlier in this message.')
        return macros[macro]
    return (element.text or "").strip()


def stale(edit_sequence: str) -> StatusError:
    return StatusError(3200, f'The provided edit sequence "{edit_sequence}" is out-of-date. ')


def missing(identifier: str) -> str:
    return (
        "The query request has not been fully completed. There was a required element "
        f'("{identifier}") that could not be found in QuickBooks.'
    )


def request_time(book: Book, value: str, *, end: bool) -> int:
    try:
        return book.parse_time(value, end=end)
    except (ValueError, IndexError):
        raise invalid_value("ModifiedDate", value, "Not a date and time.") from None


def resolve(
    book: Book, ref: Element, tag: str, kinds: frozenset[str], where: str, word: str | None = None
) -> ListRecord:
    list_id = full_name = None
    for part in ref:  # one pass instead of two find() calls: every reference of every request comes here
        if part.tag == "ListID":
            list_id = part.text or ""
        elif part.tag == "FullName":
            full_name = part.text or ""
    if list_id:
        record = book.find_list(kinds, list_id=list_id)
    elif full_name:
        record = book.find_list(kinds, full_name=full_name)
    else:
        record = None
    if record is None:
        word = word or REF_WORDS.get(tag) or ("Account" if "Account" in tag else "Entity")
        raise invalid_reference(word, full_name or list_id or "", where)
    return record


def read_fields(book: Book, body: Element, allowed: frozenset[str], where: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for child in body:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        target = MOD_AGGREGATES.get(tag, tag)
        if target not in allowed:
            continue
        if tag.endswith("Ref"):
            kinds = REF_KINDS.get(tag)
            if kinds is not None and len(child):
                fields[tag] = resolve(book, child, tag, kinds, where).list_id
        elif len(child):
            fields[target] = read_fields(book, child, _AGGREGATE_READ[target], where)
        else:
            fields[tag] = normalize(tag, child.text or "")
    return fields
