"""The Web Connector's operations (PRODUCT.md section 4), one function each, with the session kept in the
database: any web process can serve any call of a session."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from access import permissions
from access.permissions import Action
from qbxml import imports, schedules
from qbxml.lib.parse import QbxmlParseError, best_qbxml_version, parse_host_response
from qbxml.lib.quiet import zone_named
from qbxml.models import QbConnection, QbExchange, QbSession, QbSignInFailure
from qbxml.queue import answers, batch, enqueue, sessions

logger = logging.getLogger(__name__)

SERVER_VERSION = "1.0"
# Oldest Web Connector we accept; older ones are asked to upgrade.
MINIMUM_CLIENT_VERSION = (2, 1, 0)
TICKET_LIFETIME = timedelta(hours=8)
OUR_VERSIONS = ("13.0", "16.0")
# Checked against for an unknown user name, so that it takes as long as a wrong password.
_DUMMY_PASSWORD_HASH = make_password("not a real password")


def _idle_limit() -> timedelta:
    """A session silent this long is taken to have died (QBWC_SESSION_IDLE_SECONDS): a new one may start."""
    return timedelta(seconds=settings.QBWC_SESSION_IDLE_SECONDS)


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


class InvalidTicket(Exception):
    pass


def _session(ticket: str, *, lock: bool = False) -> QbSession:
    if not ticket:
        raise InvalidTicket("The Web Connector sent no ticket.")
    queryset = QbSession.objects.select_related("connection")
    if lock:
        queryset = queryset.select_for_update()
    session = queryset.filter(ticket_hash=_hash(ticket)).first()
    if session is None:
        raise InvalidTicket("The ticket is not known to this server: authenticate again.")
    now = timezone.now()
    if session.status != QbSession.Status.OPEN or session.expires_at < now:
        raise InvalidTicket("The session of this ticket has ended: authenticate again.")
    return session


def _touch(session: QbSession) -> None:
    now = timezone.now()
    QbSession.objects.filter(pk=session.pk).update(last_seen_at=now)
    QbConnection.objects.filter(pk=session.connection_id).update(last_contact_at=now)


# --- connections -----------------------------------------------------------------------------------


def connection_create(
    actor: User | None,
    *,
    name: str,
    username: str,
    password: str,
    company_file_path: str = "",
    is_default: bool | None = None,
) -> QbConnection:
    """A new QuickBooks company file. The first connection becomes the default one."""
    if actor is not None:
        permissions.require(actor, Action.MANAGE_CONNECTIONS)
    if len(password) < 8:
        raise ValueError("The Web Connector password must be at least 8 characters long.")
    with transaction.atomic():
        if is_default is None:
            is_default = not QbConnection.objects.filter(is_default=True).exists()
        if is_default:
            QbConnection.objects.filter(is_default=True).update(is_default=False)
        connection = QbConnection(
            name=name, username=username, company_file_path=company_file_path, is_default=is_default
        )
        connection.set_password(password)
        connection.full_clean()
        connection.save()
    return connection


def connection_set_password(actor: User | None, connection: QbConnection, password: str) -> None:
    if actor is not None:
        permissions.require(actor, Action.MANAGE_CONNECTIONS)
    if len(password) < 8:
        raise ValueError("The Web Connector password must be at least 8 characters long.")
    connection.set_password(password)
    connection.save(update_fields=["password_hash"])
    clear_sign_in_failures(connection)


# --- the Web Connector's calls ---------------------------------------------------------------------


def _sign_ins_paused_until(username: str, address: str, now: Any) -> Any:
    """When the pair's pause ends, or None if it may try."""
    failure = QbSignInFailure.objects.filter(
        username=username,
        address=address,
        failures__gte=settings.SIGN_IN_FAILURE_LIMIT,
        last_failed_at__gt=now - settings.SIGN_IN_COOLOFF,
    ).first()
    return None if failure is None else failure.last_failed_at + settings.SIGN_IN_COOLOFF


def _record_sign_in_failure(username: str, address: str, now: Any) -> None:
    window_start = now - settings.SIGN_IN_COOLOFF
    # Counted in one UPDATE, so failures arriving together are all counted.
    counted = QbSignInFailure.objects.filter(
        username=username, address=address, last_failed_at__gt=window_start
    ).update(failures=F("failures") + 1, last_failed_at=now)
    if not counted:
        QbSignInFailure.objects.filter(last_failed_at__lte=window_start).delete()
        QbSignInFailure.objects.update_or_create(
            username=username, address=address, defaults={"failures": 1, "last_failed_at": now}
        )


def clear_sign_in_failures(connection: QbConnection) -> int:
    """Lift every pause on the connection's user name (after its password is changed)."""
    deleted, _ = QbSignInFailure.objects.filter(username=connection.username).delete()
    return deleted


def server_version() -> str:
    return SERVER_VERSION


def client_version(version: str) -> str:
    """ "" to go on; "O:<version>" asks an older Web Connector to upgrade."""
    try:
        parts = tuple(int(part) for part in (version or "").split(".")[:3])
    except ValueError:
        return ""
    if parts and parts < MINIMUM_CLIENT_VERSION:
        return "O:" + ".".join(str(part) for part in MINIMUM_CLIENT_VERSION)
    return ""


def authenticate(username: str, password: str, address: str = "") -> list[str]:
    """[ticket, ""|path] to work, [ticket, "none"] when there is nothing to do, ["", "nvu"] for a wrong
    user or password, [ticket, "busy"] while another session of the connection runs.

    With a sync schedule (`qbxml.schedules`), a third and fourth member: inside the quiet window, the seconds
    until it ends (and "none": nothing is sent), else 0; and the least seconds between runs the schedule needs.
    Outside the window, the subjects the schedule left due are queued first.

    `address` is the caller's IP address: past SIGN_IN_FAILURE_LIMIT wrong passwords for one user name
    from one address, that pair is answered "nvu" without a check until SIGN_IN_COOLOFF has passed."""
    username = (username or "")[: QbSignInFailure._meta.get_field("username").max_length]
    now = timezone.now()
    connection = QbConnection.objects.filter(username=username, is_active=True).first()
    paused_until = _sign_ins_paused_until(username, address, now)
    if paused_until is not None:
        if connection is not None:
            QbConnection.objects.filter(pk=connection.pk).update(
                last_contact_at=now,
                last_error=f"Sign-ins from {address or 'an unknown address'} are paused until "
                f"{timezone.localtime(paused_until):%Y-%m-%d %H:%M %Z} after {settings.SIGN_IN_FAILURE_LIMIT} "
                "wrong passwords.",
            )
        return ["", "nvu"]
    if connection is None:
        # Spend the same time as a real check, so a wrong user name cannot be told from a wrong password.
        QbConnection(password_hash=_DUMMY_PASSWORD_HASH).check_password(password or "")
        _record_sign_in_failure(username, address, now)
        return ["", "nvu"]
    if not connection.check_password(password or ""):
        _record_sign_in_failure(username, address, now)
        QbConnection.objects.filter(pk=connection.pk).update(
            last_contact_at=now, last_error="The Web Connector sent a wrong password."
        )
        return ["", "nvu"]
    QbSignInFailure.objects.filter(username=username, address=address).delete()
    ticket = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        connection = QbConnection.objects.select_for_update().get(pk=connection.pk)
        connection.last_contact_at = now
        connection.save(update_fields=["last_contact_at"])
        running = QbSession.objects.filter(connection=connection, status=QbSession.Status.OPEN).first()
        if running is not None:
            if running.last_seen_at > now - _idle_limit() and running.expires_at > now:
                return _busy(connection, running)
            running.status = QbSession.Status.EXPIRED
            running.ended_at = now
            running.summary = "Ended without closing: the Web Connector stopped calling."
            running.save(update_fields=["status", "ended_at", "summary"])
        postpone, run_every = schedules.authenticate_tail(connection, now)
        # The third and fourth members: seconds to postpone, and the least seconds between runs.
        tail = [str(postpone), str(run_every)] if postpone or run_every else []
        if postpone:
            _quiet(connection, ticket, now, postpone)
            return [ticket, "none", *tail]
        schedules.queue_due(connection, now)
        enqueue.enqueue(connection)
        try:
            session = QbSession.objects.create(
                connection=connection, ticket_hash=_hash(ticket), expires_at=now + TICKET_LIFETIME
            )
        except IntegrityError:  # another process opened one between our check and now
            return _busy(connection, None)
        sessions.mark_in_doubt(connection, session)
        imports.restart_dead_iterators(connection, session)
        remaining = sessions.remaining_for(session) + imports.waiting(connection)
        if remaining == 0:
            session.status = QbSession.Status.CLOSED
            session.ended_at = now
            session.summary = "Nothing to send."
            session.save(update_fields=["status", "ended_at", "summary"])
            return [ticket, "none", *tail]
        session.total_requests = remaining
        session.save(update_fields=["total_requests"])
    return [ticket, connection.company_file_path or "", *tail]


def _quiet(connection: QbConnection, ticket: str, now: datetime, postpone: int) -> None:
    """Keep the call made in the quiet window as a session that did nothing, saying until when the Web
    Connector waits (the sync health page lists it)."""
    ends = (now + timedelta(seconds=postpone)).astimezone(zone_named(connection.time_zone))
    QbSession.objects.create(
        connection=connection,
        ticket_hash=_hash(ticket),
        expires_at=now,
        status=QbSession.Status.CLOSED,
        ended_at=now,
        summary=f"Quiet window: nothing is sent before {ends:%Y-%m-%d %H:%M} ({connection.time_zone or 'UTC'}).",
    )


def _busy(connection: QbConnection, running: QbSession | None) -> list[str]:
    """[ticket, "busy"], where the ticket's getLastError (and the connection's last error) say which
    session holds the company file and when it is released."""
    ticket = secrets.token_urlsafe(32)
    if running is None:
        text = "Another Web Connector session of this company file has just started: try again in a moment."
    else:
        text = (
            f"Another Web Connector session holds this company file: it started at {_at(running.started_at)} and "
            f"last called at {_at(running.last_seen_at)}. It is released at {_at(running.silent_release_at)} if "
            "it stays silent, or an ERP Integrations admin can release it now on the sync health page."
        )
    _remember_error_for_ticket(ticket, text)
    QbConnection.objects.filter(pk=connection.pk).update(last_error=text)
    return [ticket, "busy"]


def _at(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z}"


def session_release(actor: User, connection: QbConnection) -> QbSession | None:
    """An ERP Integrations admin releases the connection from its running session (its Web Connector died
    and the silence has not run out yet). The session is kept as released, with who released it: its
    requests that QuickBooks may have carried out are looked up by the next session before anything is
    sent again; those never taken go back to the queue. Returns the session released, or None."""
    permissions.require(actor, Action.RELEASE_WEB_CONNECTOR_SESSION)
    with transaction.atomic():
        connection = QbConnection.objects.select_for_update().get(pk=connection.pk)
        running = (
            QbSession.objects.select_for_update().filter(connection=connection, status=QbSession.Status.OPEN).first()
        )
        if running is None:
            return None
        sessions.release_unsent(running)
        now = timezone.now()
        running.status = QbSession.Status.RELEASED
        running.ended_at = now
        running.released_by = actor
        running.pending_message = ""
        running.summary = (
            f"Released by {actor.get_username()} at {_at(now)}; the next session looks up what it had sent."
        )[:500]
        running.save(update_fields=["status", "ended_at", "released_by", "pending_message", "summary"])
        connection.last_error = ""
        connection.save(update_fields=["last_error"])
    logger.info("Web Connector session %s of %s released by %s", running.pk, connection, actor.get_username())
    return running


def send_request_xml(ticket: str, hcp_response: str, company_file: str, country: str, major: str, minor: str) -> str:
    """The next qbXML message, or "" (the Web Connector then asks getLastError)."""
    try:
        session = _session(ticket)
    except InvalidTicket as exc:
        _remember_error_for_ticket(ticket, str(exc))
        return ""
    # One transaction for the whole call: the message is handed out together with the record that it was
    # (its requests marked taken, its exchange kept), or not at all.
    with transaction.atomic():
        _touch(session)
        if hcp_response:
            error = _read_host(session, hcp_response, company_file, country)
            if error:
                _set_error(session, error)
                return ""
        message, number = _next_message(session)
        if not message and imports.writing(session):
            # Its last answer is still being written: getLastError says NoOp, and it asks again in a moment.
            QbSession.objects.filter(pk=session.pk).update(last_error="")
            return ""
        if not message:
            _set_error(session, "There is nothing more to send in this session.")
            return ""
        sessions.message_read(session)
        QbExchange.objects.get_or_create(
            session=session, direction=QbExchange.Direction.REQUEST, message_number=number, defaults={"body": message}
        )
    return message


def _next_message(session: QbSession) -> tuple[str, int]:
    """The message to hand the Web Connector, and its number: the one prepared with the last answer; the
    one it took and has not answered, again (it asked twice: its first reply was lost); or a new one."""
    with transaction.atomic():
        session = QbSession.objects.select_for_update().select_related("connection").get(pk=session.pk)
        if session.pending_message:
            message = session.pending_message
            session.pending_message = ""
            session.save(update_fields=["pending_message"])
            return message, session.messages_sent
        if imports.writing(session):
            # Nothing goes out before the answer being written is in: the next page follows from it.
            return "", session.messages_sent
        if _message_out(session):
            taken = QbExchange.objects.filter(
                session=session, direction=QbExchange.Direction.REQUEST, message_number=session.messages_sent
            ).first()
            return (taken.body if taken is not None else ""), session.messages_sent
        return _compose(session), session.messages_sent


def _message_out(session: QbSession) -> bool:
    """Whether the Web Connector took a message of the session (requests, or a page of a list) and has not
    answered it."""
    return sessions.message_out(session) or imports.page_out(session) is not None


def _compose(session: QbSession) -> str:
    """The session's next message: a page of a list being read first, so that what QuickBooks has is known
    (and linked) before transactions go out; else the next requests of the queue. "" when none."""
    return imports.next_page(session) or batch.prepare_message(session)


def _read_host(session: QbSession, hcp_response: str, company_file: str, country: str) -> str:
    """Keep what QuickBooks says of itself; choose the qbXML version. Returns an error, or ""."""
    try:
        host = parse_host_response(hcp_response)
    except QbxmlParseError as exc:
        return f"The Web Connector's description of QuickBooks could not be read: {exc}"
    version = best_qbxml_version(host.supported_versions, OUR_VERSIONS) if host.supported_versions else "13.0"
    if version is None:
        supported = ", ".join(host.supported_versions) or "none"
        return f"This QuickBooks supports qbXML {supported}; this server needs 13.0 or later (QuickBooks 2013+)."
    connection = session.connection
    connection.qbxml_version = version
    connection.product_name = host.product_name[:200]
    connection.company_name = host.company_name[:200]
    connection.edition = (host.country or country or "")[:10]
    connection.reported_company_file = (company_file or "")[:500]
    connection.save(update_fields=["qbxml_version", "product_name", "company_name", "edition", "reported_company_file"])
    session.qbxml_version = version
    session.host_info = {
        "product_name": host.product_name,
        "company_name": host.company_name,
        "country": host.country,
        "supported_versions": list(host.supported_versions),
    }
    session.save(update_fields=["qbxml_version", "host_info"])
    return ""


def receive_response_xml(ticket: str, response: str, hresult: str, message: str) -> int:
    """Read QuickBooks' answer. 0-99: more to do; 100: done; negative: an error (see getLastError).

    The answer is applied and the next message prepared and kept on the session in one transaction: a
    crash leaves neither an answer half applied nor requests marked for a message nobody kept. An answer
    sent again (its first reply was lost) finds that message prepared, and keeps it.
    """
    try:
        session = _session(ticket)
    except InvalidTicket as exc:
        _remember_error_for_ticket(ticket, str(exc))
        return -1
    if hresult or message:
        _touch(session)
        _keep_answer(session, response, hresult, message)
        if imports.page_out(session) is not None:
            imports.page_not_read(session, f"({hresult}) {message}")
        else:
            answers.apply_parse_failure(session, hresult or "", message or "")
        return -1
    with transaction.atomic():
        # One answer at a time per session: a copy sent again waits, then finds it applied.
        session = QbSession.objects.select_for_update().select_related("connection").get(pk=session.pk)
        _touch(session)
        if imports.page_out(session) is not None:
            _keep_answer(session, response, "", "")
            imports.apply_page(session, response or "")
        else:
            answers.apply_answer(session, response or "")
        next_message = session.pending_message
        # A message still out means this answer was sent again late, for a message answered before: the
        # session goes on with the message out, and nothing new is prepared beside it.
        out = _message_out(session) or imports.writing(session)
        if not next_message and not out:
            next_message = _compose(session)
            if next_message:
                session.pending_message = next_message
                session.save(update_fields=["pending_message"])
                sessions.restore_batch_limit(session.connection)
        if not next_message and not out:
            return 100
        total = max(session.total_requests, session.done_requests + sessions.remaining_for(session))
        if total != session.total_requests:
            session.total_requests = total
            session.save(update_fields=["total_requests"])
    return min(99, int(100 * session.done_requests / total)) if total else 99


def _keep_answer(session: QbSession, response: str, hresult: str, message: str) -> None:
    """Keep the answer to the message out (a page of a list, or one QuickBooks could not read) beside it:
    every exchange is kept for the audit. Answers to requests of the queue are kept as they are applied."""
    QbExchange.objects.get_or_create(
        session=session,
        direction=QbExchange.Direction.RESPONSE,
        message_number=session.messages_sent,
        defaults={"body": response or "", "hresult": (hresult or "")[:20], "message": message or ""},
    )


def get_last_error(ticket: str) -> str:
    try:
        session = _session(ticket)
    except InvalidTicket as exc:
        return _error_for_ticket(ticket) or str(exc)
    _touch(session)
    return session.last_error or "NoOp"


def connection_error(ticket: str, hresult: str, message: str) -> str:
    """QuickBooks could not open the company file: end the session and say why on the connection."""
    text = f"QuickBooks could not open the company file ({hresult}): {message}".strip()
    try:
        session = _session(ticket)
    except InvalidTicket:
        return "done"
    with transaction.atomic():
        sessions.release_unsent(session)
        session.status = QbSession.Status.FAILED
        session.last_error = text
        session.ended_at = timezone.now()
        session.summary = text[:500]
        session.save(update_fields=["status", "last_error", "ended_at", "summary"])
        QbConnection.objects.filter(pk=session.connection_id).update(last_error=text)
    return "done"


def close_connection(ticket: str) -> str:
    """End the session and say what it did."""
    try:
        session = _session(ticket)
    except InvalidTicket:
        return "No session to close."
    with transaction.atomic():
        sessions.release_unsent(session)
        summary = f"Synced {session.synced_count} item(s), {session.failed_count} failed."
        if session.last_error:
            summary += f" Last error: {session.last_error}"
        session.status = QbSession.Status.CLOSED
        session.ended_at = timezone.now()
        session.summary = summary[:500]
        session.pending_message = ""
        session.save(update_fields=["status", "ended_at", "summary", "pending_message"])
        if not session.last_error:
            QbConnection.objects.filter(pk=session.connection_id).update(last_error="")
    return summary


def _set_error(session: QbSession, error: str) -> None:
    QbSession.objects.filter(pk=session.pk).update(last_error=error)
    QbConnection.objects.filter(pk=session.connection_id).update(last_error=error)


# Errors for tickets with no session (unknown or ended): kept briefly so getLastError can tell them.
def _remember_error_for_ticket(ticket: str, error: str) -> None:
    from django.core.cache import cache

    cache.set(f"qbwc-error:{_hash(ticket or '')}", error, 600)


def _error_for_ticket(ticket: str) -> str:
    from django.core.cache import cache

    return cache.get(f"qbwc-error:{_hash(ticket or '')}", "")
