"""From QuickBooks' answers to items: each answer read against the request it answers, the request moved on
through its lifecycle, and the items' outcomes written in the same transaction (exactly once: the same
answer read twice changes nothing)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from erp_integrations import services as erp
from erp_integrations.models import AccountingRecord
from qbxml import imports
from qbxml.lib.parse import QbxmlParseError, Response, Status, iter_responses
from qbxml.mapping import KINDS, Context, ItemView, Mapping
from qbxml.mapping.support import support_kind
from qbxml.models import QbConnection, QbExchange, QbRequest, QbSession
from qbxml.queue import lifecycle, rows
from qbxml.queue.items import MessageItems, item_views
from qbxml.queue.rows import QueuedRequest

logger = logging.getLogger(__name__)

S = QbRequest.Status
MAX_TRANSIENT_ATTEMPTS = 5  # "record in use" answers before the item fails with the last message
MAX_PARSE_FAILURES = 2  # messages QuickBooks could not read while the request was sent alone


@dataclass
class Answers:
    """What one response document changes, gathered to be written at once."""

    book: str  # the company file's records (AccountingRecord.book)
    requests: list[QueuedRequest] = field(default_factory=list)
    outcomes: list[erp.SyncOutcome] = field(default_factory=list)
    touched: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    list_records: list[AccountingRecord] = field(default_factory=list)
    synced: int = 0
    failed: int = 0
    read_at: datetime = field(default_factory=timezone.now)


def in_flight(session: QbSession) -> list[QueuedRequest]:
    """Requests of the session that the Web Connector took to QuickBooks and whose answer is not read yet."""
    return rows.read(
        QbRequest.objects.select_for_update().filter(session=session, status__in=lifecycle.SENT, sent_at__isnull=False)
    )


# What the sync reads of QuickBooks' records (`Response.records`): ids, names, reference numbers, the
# party and its details (to tell the same vendor), and the lines' ids and descriptions. The rest of an
# answer is skipped unread.
ANSWER_TAGS = frozenset(
    {
        "ListID",
        "TxnID",
        "EditSequence",
        "Name",
        "FullName",
        "RefNumber",
        "VendorRef",
        "CustomerRef",
        "VendorAddress",
        "BillAddress",
        "Phone",
        "Email",
        "TxnLineID",
        "Desc",
        # Whose time tracking record it is: how one whose answer was lost is told from the day's others.
        "ExternalGUID",
    }
)


def _read_answers(response: str) -> tuple[list[Response], str]:
    """The answers of a response document that could be read, and the problem that stopped the rest."""
    answers: list[Response] = []
    try:
        for answer in iter_responses(response, settings.QBWC_MAX_BODY_BYTES, only=ANSWER_TAGS):
            answers.append(answer)
    except QbxmlParseError as exc:
        return answers, str(exc)
    return answers, ""


def _needs_full_item(request: QueuedRequest, answer: Response) -> bool:
    """Whether reading this answer needs the whole item: anything but a plain success, and some kinds."""
    if request.status != S.SENT or not (answer.ok and answer.records):
        return True
    return KINDS[request.kind].reads_item_on_success


def _matches(request: QueuedRequest, answer: Response) -> bool:
    """Whether an answer naming the request's latest attempt is of the type that attempt sent (a VendorAddRs
    answers a VendorAdd, never the VendorQuery that followed it)."""
    return answer.kind == request.operation


def apply_answer(session: QbSession, response: str) -> bool:
    """Read QuickBooks' answer to the session's message. Returns whether it answered anything in flight.

    An answer is applied only to the attempt it answers. The same answer read twice changes nothing the
    second time, and an answer to an earlier attempt (the Web Connector sending an answer again after the
    request went in another message) is ignored and logged: it never stands for the newer attempt.
    """
    with transaction.atomic():
        waiting = {request.request_id: request for request in in_flight(session)}
        responses, problem = _read_answers(response)
        answered = []
        stale = []
        for answer in responses:
            request = waiting.get(answer.request_id or "")
            if request is not None and _matches(request, answer):
                del waiting[request.request_id]
                answered.append((request, answer))
            else:  # an answer read before, one to an earlier attempt, or not ours
                stale.append(f"{answer.kind}Rs {answer.request_id}")
        if stale:
            logger.info(
                "Session %s: ignored %d answer(s) to no request in flight: %s", session.pk, len(stale), stale[:5]
            )
        items = MessageItems()
        ids = {r.item_id for r in waiting.values() if r.item_id} | {r.item_id for r, _ in answered if r.item_id}
        items.ctx.items.update(item_views(ids, full=False))
        ctx = items.load(
            (request.item_id for request, answer in answered if request.item_id and _needs_full_item(request, answer)),
            sending=False,
        )
        answers = Answers(book=session.connection.book)
        failed_in_message: set[int | str] = set()
        for request, answer in answered:
            _apply_one(request, answer, session, ctx, answers, failed_in_message)
        unreadable = bool(problem)
        if unreadable:
            session.last_error = f"The answer from QuickBooks could not be read: {problem}"
            logger.warning("Unreadable answer in session %s: %s", session.pk, problem)
        if not answers.requests and not unreadable:
            return False
        numbers = {request.message_number for request in answers.requests} or {
            request.message_number for request in waiting.values()
        }
        # Requests of the same message that QuickBooks did not answer (stopOnError, an unreadable answer)
        # go again.
        for request in waiting.values():
            if request.message_number in numbers:
                if unreadable:  # QuickBooks may well have carried it out: ask before sending it again
                    view = ctx.items.get(request.item_id) if request.item_id else None
                    made = view is not None and KINDS[request.kind].may_have_made_something(view.qb_ref)
                    lifecycle.answer_lost(request, may_have_made_something=made)
                else:  # stopOnError: QuickBooks stopped before it
                    lifecycle.wait_again(request)
                answers.requests.append(request)
        for number in numbers:
            QbExchange.objects.get_or_create(
                session=session,
                direction=QbExchange.Direction.RESPONSE,
                message_number=number or 0,
                defaults={"body": response},
            )
        write(answers, session)
    return True


def _apply_one(
    request: QueuedRequest,
    answer: Response,
    session: QbSession,
    ctx: Context,
    answers: Answers,
    failed_in_message: set[int | str],
) -> None:
    request.status_code = answer.status_code
    request.status_message = answer.status_message
    request.answered_at = answers.read_at
    answers.requests.append(request)
    if request.item_id is None:
        _apply_support(request, answer, session, answers)
        if request.status != S.DONE:
            failed_in_message.add(request.support_key)  # what refers to it in this message waits for it
        return
    item = ctx.items[request.item_id]
    mapping = KINDS[request.kind]
    if answer.is_transient:  # locked or in use in QuickBooks, whatever was asked: ask again later
        target = mapping.target(item, ctx)
        _retry_later(request, session, f"QuickBooks was busy with {target}: {answer.status_message}", item, answers)
    elif request.status == S.LOOKING_UP:
        record = mapping.match(answer.records, item, ctx) if answer.ok else None
        if record is not None:
            _done(request, mapping, item, record, answers, ctx, note="Found in QuickBooks: its first answer was lost.")
        elif answer.ok or answer.found_nothing:
            lifecycle.move(request, S.READY)  # not there: make it
        else:
            _error(request, mapping, item, answer, ctx, answers, failed_in_message)
    elif request.status == S.MATCHING_NAME:
        _resolve_name_in_use(request, mapping, item, answer, ctx, answers)
    elif request.status == S.REFRESHING:
        _refreshed(request, mapping, item, answer, ctx, answers)
    elif answer.ok and answer.records:
        _done(request, mapping, item, answer.records[0], answers, ctx)
    elif answer.ok:
        # A warning without the record (QuickBooks' 500 for an element it could not find): nothing was made.
        target = mapping.target(item, ctx)
        _fail(request, item, f"QuickBooks did not make {target}: {answer.status_message}", answers)
    else:
        _error(request, mapping, item, answer, ctx, answers, failed_in_message)


def _apply_support(request: QueuedRequest, answer: Response, session: QbSession, answers: Answers) -> None:
    kind = support_kind(request.support_key)
    if request.status == S.LOOKING_UP and not (answer.ok and answer.records):
        lifecycle.move(request, S.FAILED)
        request.status_message = (
            f'QuickBooks uses the name "{request.target}" for another kind of record (a vendor, employee or '
            f"other name), so it cannot be the {kind.word} of that name. Rename one of them; names are unique "
            "across QuickBooks' lists."
        )
        return
    if request.status == S.SENT and answer.status_code == Status.NAME_IN_USE:
        # Made by someone else, or by a message whose answer was lost, or the name of another kind of
        # record: look it up before relying on it.
        lifecycle.move(request, S.LOOK_UP)
        return
    if answer.ok:
        lifecycle.move(request, S.DONE)
        record = answer.records[0] if answer.records else {}
        answers.list_records.append(
            AccountingRecord(
                book=answers.book,
                list_type=kind.list_type,
                external_id=record.get("list_id") or f"name:{request.target}",
                full_name=request.target,
                edit_sequence=record.get("edit_sequence") or "",
            )
        )
    elif answer.is_transient:
        _retry_later(request, session, answer.status_message, None, answers)
    else:
        lifecycle.move(request, S.FAILED)
        request.status_message = f"{answer.status_message} (status {answer.status_code})"


def _done(
    request: QueuedRequest,
    mapping: Mapping,
    item: ItemView,
    record: dict[str, Any],
    answers: Answers,
    ctx: Context,
    note: str = "",
) -> None:
    lifecycle.move(request, S.DONE)
    outcome = mapping.outcome_of(item, record, ctx, note=note)
    answers.outcomes.append(
        erp.SyncOutcome(
            item.id,
            True,
            qb_ref=outcome.qb_ref,
            edit_sequence=outcome.edit_sequence,
            details=outcome.details,
            note=note,
        )
    )
    answers.touched.update(outcome.touched)
    answers.synced += 1
    if mapping.list_type and outcome.qb_ref:
        answers.list_records.append(
            AccountingRecord(
                book=answers.book,
                list_type=mapping.list_type,
                external_id=outcome.qb_ref,
                full_name=record.get("full_name") or record.get("name") or request.target,
                edit_sequence=outcome.edit_sequence,
            )
        )


def _fail(request: QueuedRequest, item: ItemView, message: str, answers: Answers) -> None:
    lifecycle.move(request, S.FAILED)
    request.status_message = message
    answers.outcomes.append(erp.SyncOutcome(item.id, False, error=message))
    answers.failed += 1


def _retry_later(
    request: QueuedRequest, session: QbSession, message: str, item: ItemView | None, answers: Answers
) -> None:
    """Locked or in use in QuickBooks: ask again in the next session, a bounded number of times."""
    if request.attempts >= MAX_TRANSIENT_ATTEMPTS:
        final = f"{message} (tried {request.attempts} times; giving up)"
        if item is not None:
            _fail(request, item, final, answers)
        else:
            lifecycle.move(request, S.FAILED)
            request.status_message = final
        return
    lifecycle.wait_again(request)
    request.not_before_session = session.pk


def _error(
    request: QueuedRequest,
    mapping: Mapping,
    item: ItemView,
    answer: Response,
    ctx: Context,
    answers: Answers,
    failed_in_message: set[int | str],
) -> None:
    target = mapping.target(item, ctx)
    sent = request.status == S.SENT
    if sent and answer.status_code == Status.NAME_IN_USE and mapping.links_same_party and not item.qb_ref:
        lifecycle.move(request, S.NAME_IN_USE)
        return
    if sent and answer.status_code == Status.STALE_EDIT_SEQUENCE and request.repairs < 1:
        request.repairs += 1
        lifecycle.move(request, S.STALE)
        return
    if (
        sent
        and answer.status_code == Status.INVALID_REFERENCE
        and failed_in_message & {*item.depends_on, *request.needs}
    ):
        lifecycle.move(request, S.HELD)
        request.status_message = "Waiting for a record it refers to, which QuickBooks refused in the same message."
        return
    failed_in_message.add(item.id)
    _fail(request, item, f"QuickBooks refused {target}: {answer.status_message} (status {answer.status_code})", answers)


def _same_party(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Whether QuickBooks' record of the same name is the same company: one shared detail is enough."""

    def norm(value: Any) -> str:
        return "".join(ch for ch in str(value or "").lower() if ch.isalnum())

    address = theirs.get("vendor_address") or theirs.get("bill_address") or {}
    pairs = [
        (ours.get("phone"), theirs.get("phone")),
        (ours.get("email"), theirs.get("email")),
        (ours.get("address_line1"), address.get("addr1")),
        (ours.get("address_line1"), address.get("addr2")),
    ]
    if any(norm(a) and norm(a) == norm(b) for a, b in pairs):
        return True
    # A record with nothing to compare (a bare name in QuickBooks) is taken to be ours.
    return not any(norm(b) for _, b in pairs)


def _describe(record: dict[str, Any]) -> str:
    address = record.get("vendor_address") or record.get("bill_address") or {}
    parts = [address.get("addr1"), address.get("addr2"), address.get("city"), record.get("phone"), record.get("email")]
    return ", ".join(str(part) for part in parts if part) or "no address or phone"


def _resolve_name_in_use(
    request: QueuedRequest,
    mapping: Mapping,
    item: ItemView,
    answer: Response,
    ctx: Context,
    answers: Answers,
) -> None:
    target = mapping.target(item, ctx)
    record = answer.records[0] if answer.ok and answer.records else None
    if record is not None and _same_party(item.payload, record):
        _done(request, mapping, item, record, answers, ctx, note=f"Linked to the existing QuickBooks record {target}.")
        return
    # It fails on the name, whatever the look-up answered: the status kept (on the request and the item's
    # message) is the Add's 3100, which the item's page offers to resolve (link, or rename). The lists are
    # read in the next message, so that the record holding the name is known here with its details.
    request.status_code = Status.NAME_IN_USE
    imports.refresh(None, QbConnection.objects.get(pk=request.connection_id), ("vendors", "customers"))
    if record is None:
        _fail(
            request,
            item,
            f'QuickBooks uses the name "{target}" for another kind of record (a customer, employee or other name). '
            f"Rename one of them; names are unique across QuickBooks' lists. (status {Status.NAME_IN_USE})",
            answers,
        )
        return
    ours = ", ".join(
        str(item.payload.get(key)) for key in ("address_line1", "city", "phone", "email") if item.payload.get(key)
    )
    _fail(
        request,
        item,
        f'QuickBooks already has "{target}" ({_describe(record)}), which does not look like this one '
        f"({ours or 'no address or phone'}). Rename one of them, or correct the details and send it again. "
        f"(status {Status.NAME_IN_USE})",
        answers,
    )


def _refreshed(
    request: QueuedRequest,
    mapping: Mapping,
    item: ItemView,
    answer: Response,
    ctx: Context,
    answers: Answers,
) -> None:
    """A stale EditSequence was looked up: keep what QuickBooks holds now, and send the change again."""
    target = mapping.target(item, ctx)
    record = answer.records[0] if answer.ok and answer.records else None
    if record is None:
        _fail(request, item, f"{target} is no longer in QuickBooks: {answer.status_message}", answers)
        return
    if mapping.adds_to_record and mapping.match([record], item, ctx) is not None:
        # What it adds is there already: the change went through, its answer was what got lost.
        _done(request, mapping, item, record, answers, ctx, note="Found in QuickBooks: its first answer was lost.")
        return
    answers.touched.update(mapping.refreshed(item, record, ctx))
    lifecycle.move(request, S.READY)


def write(answers: Answers, session: QbSession) -> None:
    """Write what one answer changed: the requests, their items' outcomes, the list records, the session."""
    rows.save(
        answers.requests,
        ["status", "status_code", "status_message", "answered_at", "repairs", "not_before_session", "parse_failures"],
    )
    erp.record_sync_outcomes(answers.outcomes)
    for item_id, (edit_sequence, details) in answers.touched.items():
        erp.item_quickbooks_record_changed(item_id, edit_sequence=edit_sequence, details=details)
    if answers.list_records:
        AccountingRecord.objects.bulk_create(
            answers.list_records,
            update_conflicts=True,
            unique_fields=["book", "list_type", "external_id"],
            update_fields=["full_name", "edit_sequence"],
        )
    finished = sum(1 for request in answers.requests if request.status in (S.DONE, S.FAILED))
    session.done_requests += finished
    session.synced_count += answers.synced
    session.failed_count += answers.failed
    session.save(update_fields=["done_requests", "synced_count", "failed_count", "last_error"])


def apply_parse_failure(session: QbSession, hresult: str, message: str) -> None:
    """QuickBooks could not read a message: send its requests again in smaller messages, and give up on a
    request that QuickBooks cannot read even alone."""
    with transaction.atomic():
        connection = QbConnection.objects.select_for_update().get(pk=session.connection_id)
        requests = in_flight(session)
        text = f"QuickBooks could not read the request ({hresult}): {message}".strip()
        outcomes = []
        for request in requests:
            lifecycle.wait_again(request)
            request.status_message = text
            if len(requests) == 1:
                request.parse_failures += 1
                if request.parse_failures >= MAX_PARSE_FAILURES:
                    lifecycle.move(request, S.FAILED)
                    if request.item_id:
                        outcomes.append(erp.SyncOutcome(request.item_id, False, error=text))
        rows.save(requests, ["status", "status_message", "parse_failures"])
        erp.record_sync_outcomes(outcomes)
        # Halve the next messages until the request QuickBooks cannot read is found alone.
        connection.batch_limit = max(1, len(requests) // 2)
        connection.last_error = text
        connection.save(update_fields=["batch_limit", "last_error"])
        session.last_error = text
        session.failed_count += len(outcomes)
        session.save(update_fields=["last_error", "failed_count"])
