"""The tail every query shares: MaxReturned, iterators, metaData, IncludeRetElement and the status.

An iterator keeps the ids its Start request matched, so the pages that follow add up to exactly that
set even when records change between them; like QuickBooks', it dies with the Web Connector session
(3391 afterwards).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qbxml.simulator.records import StatusError
from qbxml.simulator.request import NO_MATCH_MESSAGE, Element, Outcome, missing, texts, whole_number


@dataclass
class QueryIterator:
    request_tag: str
    ids: list[str]
    position: int = 0


Iterators = dict[str, QueryIterator]  # by iteratorID


def answer(
    iterators: Iterators,
    rq: Element,
    ids: list[str],
    fetch: Callable[[str], Any],
    render: Callable[[Any, frozenset[str] | None], str],
    absent: str | None = None,
) -> Outcome:
    """The answer to a query that matched `ids`; `absent` is the first id or name asked for and not found."""
    max_returned = whole_number(rq, "MaxReturned")
    only = frozenset(texts(rq, "IncludeRetElement")) or None
    attributes: dict[str, str] = {}
    iterator = rq.get("iterator")
    if iterator == "Start":
        iterator_id = "{" + str(uuid.uuid4()) + "}"
        cursor = QueryIterator(str(rq.tag), ids)
        iterators[iterator_id] = cursor
        page_ids = _page(cursor, max_returned)
        attributes["iteratorRemainingCount"] = str(len(ids) - cursor.position)
        attributes["iteratorID"] = iterator_id
        if cursor.position >= len(ids):
            del iterators[iterator_id]
    elif iterator in ("Continue", "Stop"):
        iterator_id = rq.get("iteratorID") or ""
        found_cursor = iterators.get(iterator_id)
        if found_cursor is None or found_cursor.request_tag != rq.tag:
            raise StatusError(3391, f'The iteratorID "{iterator_id}" is not valid.')
        if iterator == "Stop":
            del iterators[iterator_id]
            return Outcome(attributes={"iteratorRemainingCount": "0", "iteratorID": iterator_id})
        page_ids = _page(found_cursor, max_returned)
        attributes["iteratorRemainingCount"] = str(len(found_cursor.ids) - found_cursor.position)
        attributes["iteratorID"] = iterator_id
        if found_cursor.position >= len(found_cursor.ids):
            del iterators[iterator_id]
    else:
        page_ids = ids if max_returned is None else ids[: max(max_returned, 0)]
    records = [record for record in (fetch(i) for i in page_ids) if record is not None]
    meta = rq.get("metaData", "NoMetaData")
    if meta != "NoMetaData":
        attributes = {"retCount": str(len(records)), **attributes}
    children = [] if meta == "MetaDataOnly" else [render(record, only) for record in records]
    if absent is not None:
        return Outcome(children, 500, "Warn", missing(absent), attributes)
    if not records:
        return Outcome([], 1, "Info", NO_MATCH_MESSAGE, attributes)
    return Outcome(children, attributes=attributes)


def _page(cursor: QueryIterator, max_returned: int | None) -> list[str]:
    size = len(cursor.ids) - cursor.position if max_returned is None else max(max_returned, 0)
    page = cursor.ids[cursor.position : cursor.position + size]
    cursor.position += len(page)
    return page
