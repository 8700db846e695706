"""Reads of the connector's state: each connection's sync health (one computation for the page and the API),
and the qbXML exchanges of a session."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Length, Substr
from django.utils import timezone
from lxml import etree

from erp_integrations.models import AccountingRecord, ErpItem, ErpState
from qbxml.models import QbConnection, QbExchange, QbListImport, QbRequest, QbSession
from qbxml.queue.lifecycle import ACTIVE, SENT, WAITING

RECENT_SESSIONS = 5
EXCHANGES_PER_PAGE = 20
# Bodies longer than this are shown shortened on the page (an import's page of answers can be tens of
# megabytes); the download always has them whole.
SHOWN_BODY_CHARS = 200_000

S = QbRequest.Status


# --- sync health ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One Web Connector session as the health page and the API tell it."""

    session: QbSession
    state: str  # running, stalled, or the session's status once it ended
    label: str
    duration: timedelta
    exchanges: int

    @property
    def id(self) -> int:
        return self.session.pk

    @property
    def started_at(self) -> datetime:
        return self.session.started_at

    @property
    def ended_at(self) -> datetime | None:
        return self.session.ended_at

    @property
    def last_seen_at(self) -> datetime:
        return self.session.last_seen_at

    @property
    def done_requests(self) -> int:
        return self.session.done_requests

    @property
    def total_requests(self) -> int:
        return self.session.total_requests

    @property
    def synced(self) -> int:
        return self.session.synced_count

    @property
    def failed(self) -> int:
        return self.session.failed_count

    @property
    def summary(self) -> str:
        return self.session.summary or self.session.last_error

    @property
    def silent_release_at(self) -> datetime:
        return self.session.silent_release_at

    @property
    def progress_percent(self) -> int:
        return self.session.progress_percent

    @property
    def duration_seconds(self) -> int:
        return int(self.duration.total_seconds())

    @property
    def duration_text(self) -> str:
        """A session lasts seconds to hours: 42 s, 3 min 5 s, 2 h 10 min."""
        minutes, seconds = divmod(self.duration_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"{hours} h {minutes} min"
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


@dataclass(frozen=True)
class ConnectionHealth:
    """What a person needs to know of a connection: when it last ran, whether it runs now, what waits.

    Failures are two figures that never overlap, because they ask two different things of a person:
    - `failed_items`: workflow items whose export to this connection failed and that are still Failed to
      Export (a person retries or rejects them). Every failed request of an item also fails the item, but
      the requests of an item retried since (synced, or waiting again) are history, not a failure: counting
      requests would show "2 failed" beside "1 item failed to export".
    - `refused_list_records`: list records an export needs (a class, a parent item or customer) that
      QuickBooks refused and that no later request made. They belong to no item; the items that need
      them are held back and counted under `held_back`.
    Per-run failures are on each run (`Run.failed`).
    """

    connection: QbConnection
    recent_runs: list[Run]
    last_run: Run | None
    running: Run | None  # the open session whose Web Connector is still calling
    stalled: Run | None  # the open session whose Web Connector went silent past the timeout
    waiting_requests: int
    not_yet_requested: int  # queued items whose requests are made when the next session starts
    held_back: int  # of the waiting requests, those held back by a failed dependency
    awaiting_answer: int  # in a message the Web Connector took, whose answer has not been read
    failed_items: int
    refused_list_records: int
    list_imports: list[QbListImport] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.connection.pk

    @property
    def waiting_to_send(self) -> int:
        """Requests waiting for a message, and queued items that have no request yet: each item becomes at
        least one request, so the figure is true before the next session has made them."""
        return self.waiting_requests + self.not_yet_requested

    @property
    def list_imports_in_progress(self) -> list[QbListImport]:
        return [run for run in self.list_imports if run.status in IMPORTS_IN_PROGRESS]

    @property
    def state(self) -> str:
        """running, stalled or idle: what the page polls for (often while running, slowly otherwise)."""
        if self.running is not None:
            return "running"
        return "stalled" if self.stalled is not None else "idle"

    @property
    def fingerprint(self) -> str:
        """Changes whenever the health page's card of the connection should be drawn again while idle."""
        return _fingerprint(self.last_run, self.connection.last_contact_at)


IMPORTS_IN_PROGRESS = frozenset({QbListImport.Status.QUEUED, QbListImport.Status.RUNNING})

RUN_LABELS = {
    "running": "Running",
    "stalled": "Stopped answering",
    QbSession.Status.CLOSED: "Finished",
    QbSession.Status.FAILED: "Ended with an error",
    QbSession.Status.EXPIRED: "Stopped answering",
    QbSession.Status.RELEASED: "Released by an admin",
}


def session_is_alive(session: QbSession, now: datetime | None = None) -> bool:
    """Whether an open session's Web Connector still holds the company file: the rule `authenticate` applies
    before it answers "busy" (silent for less than QBWC_SESSION_IDLE_SECONDS, ticket not expired). Past
    it, the next session takes over, so the page must not say "Running" forever."""
    now = now or timezone.now()
    return session.status == QbSession.Status.OPEN and session.silent_release_at > now and session.expires_at > now


def run_of(session: QbSession, now: datetime | None = None) -> Run:
    now = now or timezone.now()
    if session.status == QbSession.Status.OPEN:
        state = "running" if session_is_alive(session, now) else "stalled"
    else:
        state = session.status
    # A session that ended by itself ends at `ended_at`; one that stopped calling (or was released, or
    # expired when the next one started, possibly hours later) ended with its last call.
    if state == "running":
        end = now
    elif state in (QbSession.Status.CLOSED, QbSession.Status.FAILED) and session.ended_at:
        end = session.ended_at
    else:
        end = session.last_seen_at
    return Run(
        session=session,
        state=state,
        label=RUN_LABELS.get(state, session.get_status_display()),
        duration=max(timedelta(0), end - session.started_at),
        exchanges=getattr(session, "exchange_count", 0),
    )


def _fingerprint(last_run: Run | None, last_contact_at: datetime | None) -> str:
    run = f"{last_run.id}-{last_run.state}" if last_run else "none"
    contact = last_contact_at.timestamp() if last_contact_at else 0
    return f"{run}-{contact:.3f}"


def connections_with_health() -> QuerySet[QbConnection]:
    """Connections with their request figures, recent sessions and list imports: three queries (the
    failures are counted apart, in `failure_counts`)."""
    return QbConnection.objects.annotate(
        # A request put in the next message is sent once the Web Connector takes it (`sent_at`); until then it
        # still waits, and goes back to waiting if the message is never taken.
        waiting_requests=Count(
            "requests",
            filter=Q(requests__status__in=WAITING) | Q(requests__status__in=SENT, requests__sent_at__isnull=True),
        ),
        held_back=Count("requests", filter=Q(requests__status=S.HELD)),
        awaiting_answer=Count("requests", filter=Q(requests__status__in=SENT, requests__sent_at__isnull=False)),
    ).prefetch_related(
        Prefetch(
            "sessions",
            queryset=QbSession.objects.annotate(exchange_count=Count("exchanges")).order_by("-started_at", "-id")[
                :RECENT_SESSIONS
            ],
            to_attr="recent_sessions",
        ),
        Prefetch("list_imports", queryset=QbListImport.objects.defer("answer")),
    )


def failure_counts(connection_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per connection, its failed items and refused list records (see `ConnectionHealth`): two grouped
    queries, whatever the number of connections."""
    ids = list(connection_ids)
    failed_items = dict(
        QbRequest.objects.filter(
            _latest_of_item(),
            connection_id__in=ids,
            status=S.FAILED,
            item__state=ErpState.FAILED,
            item__record_deleted_at__isnull=True,
        )
        .values("connection")
        .annotate(count=Count("item", distinct=True))
        .values_list("connection", "count")
    )
    made_later = QbRequest.objects.filter(
        connection=OuterRef("connection"),
        support_key=OuterRef("support_key"),
        item__isnull=True,
        id__gt=OuterRef("id"),
        status__in=ACTIVE | {S.DONE},
    )
    refused = dict(
        QbRequest.objects.filter(connection_id__in=ids, item__isnull=True, status=S.FAILED)
        .exclude(Exists(made_later))
        .values("connection")
        .annotate(count=Count("support_key", distinct=True))
        .values_list("connection", "count")
    )
    return {pk: (failed_items.get(pk, 0), refused.get(pk, 0)) for pk in ids}


def _latest_of_item() -> Q:
    """The request is its item's latest: an item retried elsewhere is counted where it failed last."""
    later = QbRequest.objects.filter(item=OuterRef("item"), id__gt=OuterRef("id"))
    return ~Q(Exists(later))


def not_yet_requested(connections: Iterable[QbConnection]) -> dict[int, int]:
    """Queued items with no live request, by the connection they go to (`qbxml.queue.enqueue.routed_to`:
    their project's company file, else the default one's): they become its requests when its next session
    starts. One query, grouped by company file, whatever the number of connections."""
    live = QbRequest.objects.filter(item=OuterRef("pk"), status__in=ACTIVE)
    waiting = ErpItem.objects.filter(state=ErpState.QUEUED, record_deleted_at__isnull=True).exclude(Exists(live))
    by_book: dict[str, int] = {}
    rows = waiting.order_by().values_list("project__accounting_settings__book").annotate(count=Count("pk"))
    for book, count in rows:
        by_book[book or ""] = by_book.get(book or "", 0) + count
    counts = {}
    for connection in connections:
        counts[connection.pk] = by_book.get(connection.book, 0) + (by_book.get("", 0) if connection.is_default else 0)
    return counts


def health_of_connections(connections: Iterable[QbConnection] | None = None) -> list[ConnectionHealth]:
    """The health of connections read by `connections_with_health` (all of them by default)."""
    rows = list(connections_with_health().order_by("name") if connections is None else connections)
    if any(not hasattr(row, "waiting_requests") for row in rows):  # not read by `connections_with_health`
        rows = list(connections_with_health().filter(pk__in=[row.pk for row in rows]).order_by("name"))
    now = timezone.now()
    unrequested = not_yet_requested(rows)
    failures = failure_counts(row.pk for row in rows)
    healths = []
    for connection in rows:
        runs = [run_of(session, now) for session in getattr(connection, "recent_sessions")]  # noqa: B009
        # There is at most one open session per connection, and a new one starts only once it ended: the
        # open one, if any, is the latest.
        latest = runs[0] if runs else None
        healths.append(
            ConnectionHealth(
                connection=connection,
                recent_runs=runs,
                last_run=latest,
                running=latest if latest and latest.state == "running" else None,
                stalled=latest if latest and latest.state == "stalled" else None,
                waiting_requests=getattr(connection, "waiting_requests"),  # noqa: B009 (an annotation)
                not_yet_requested=unrequested[connection.pk],
                held_back=getattr(connection, "held_back"),  # noqa: B009
                awaiting_answer=getattr(connection, "awaiting_answer"),  # noqa: B009
                failed_items=failures[connection.pk][0],
                refused_list_records=failures[connection.pk][1],
                list_imports=list(connection.list_imports.all()),
            )
        )
    return healths


def health_of(connection_id: int) -> ConnectionHealth | None:
    found = health_of_connections(connections_with_health().filter(pk=connection_id))
    return found[0] if found else None


def health_fingerprint(connection_id: int) -> str | None:
    """What `ConnectionHealth.fingerprint` would be, in two small queries: the idle page asks it often."""
    contact = QbConnection.objects.filter(pk=connection_id).values_list("last_contact_at", flat=True).first()
    if contact is None and not QbConnection.objects.filter(pk=connection_id).exists():
        return None
    latest = QbSession.objects.filter(connection_id=connection_id).order_by("-started_at", "-id").first()
    return _fingerprint(run_of(latest) if latest else None, contact)


def running_session(connection: QbConnection) -> QbSession | None:
    """The connection's open session whose Web Connector still calls (from the prefetched recent ones when
    there are)."""
    sessions = getattr(connection, "recent_sessions", None)
    if sessions is None:
        sessions = list(connection.sessions.filter(status=QbSession.Status.OPEN)[:1])
    return next((session for session in sessions if session_is_alive(session)), None)


# --- exchanges ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One qbXML document of a session, ready to be read: pretty printed when it parses."""

    exchange: QbExchange
    text: str
    pretty: bool
    shortened: bool
    size: int  # characters of the whole document

    @property
    def pk(self) -> int:
        return self.exchange.pk


@dataclass(frozen=True)
class MessagePair:
    number: int
    request: Exchange | None
    response: Exchange | None


def session_for_exchanges(session_id: int) -> QbSession | None:
    return (
        QbSession.objects.select_related("connection")
        .annotate(exchange_count=Count("exchanges"))
        .filter(pk=session_id)
        .first()
    )


def session_exchange_page(session: QbSession, page_number: str | int | None) -> tuple[Page, list[MessagePair]]:
    """A page of the session's messages (each number: what we sent and what QuickBooks answered), in order.

    The page counts message numbers, not documents, so a request and its answer are never split."""
    numbers = (
        QbExchange.objects.filter(session=session)
        .order_by("message_number")
        .values_list("message_number", flat=True)
        .distinct()
    )
    page = Paginator(numbers, EXCHANGES_PER_PAGE).get_page(page_number)
    pairs: dict[int, dict[str, Exchange]] = {number: {} for number in page.object_list}
    # Only the part shown is read: one answer to a page of a list can be tens of megabytes.
    documents = (
        QbExchange.objects.filter(session=session, message_number__in=list(pairs))
        .defer("body")
        .annotate(head=Substr("body", 1, SHOWN_BODY_CHARS + 1), size=Length("body"))
        .order_by("id")
    )
    for exchange in documents:
        pairs[exchange.message_number][exchange.direction] = readable(exchange)
    return page, [
        MessagePair(
            number,
            docs.get(QbExchange.Direction.REQUEST),
            docs.get(QbExchange.Direction.RESPONSE),
        )
        for number, docs in pairs.items()
    ]


def session_exchanges(session: QbSession) -> Iterator[QbExchange]:
    """Every exchange of the session in order, read one at a time (for the download: any number, any size)."""
    return (
        QbExchange.objects.filter(session=session)
        .order_by(
            "message_number",
            Case(
                When(direction=QbExchange.Direction.REQUEST, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "id",
        )
        .iterator(chunk_size=2)  # a message and its answer: bodies can be large
    )


def exchange_for_download(exchange_id: int) -> QbExchange | None:
    return QbExchange.objects.select_related("session").filter(pk=exchange_id).first()


def readable(exchange: QbExchange) -> Exchange:
    """The document as the page shows it; of an exchange read with `head` and `size` (its first characters
    and its length), only those are used."""
    head: str = getattr(exchange, "head", None) or (exchange.body if "body" in exchange.__dict__ else "")
    size: int = getattr(exchange, "size", None) or len(head)
    if size > SHOWN_BODY_CHARS:
        return Exchange(exchange, head[:SHOWN_BODY_CHARS], pretty=False, shortened=True, size=size)
    pretty = pretty_xml(head)
    if pretty is None:
        return Exchange(exchange, head, pretty=False, shortened=False, size=size)
    return Exchange(exchange, pretty, pretty=True, shortened=False, size=size)


_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")


def _pretty_parser() -> etree.XMLParser:
    """No entities, DTDs or network, libxml2's size limits; the processing instructions (`<?qbxml version?>`)
    and comments are kept, since they are part of what was sent."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
        recover=False,
    )


def pretty_xml(text: str) -> str | None:
    """The document indented, or None when it is not well-formed XML (it is then shown as it is).

    The XML declaration is kept as written and the rest parsed as text, so that a declared encoding never
    disagrees with what the database holds. A DOCTYPE is refused: qbXML never has one."""
    match = _DECLARATION.match(text)
    declaration = match.group(0).strip() if match else ""
    rest = text[match.end() :] if match else text
    if not rest.strip() or "<!DOCTYPE" in rest or "<!ENTITY" in rest:
        return None
    try:
        root = etree.fromstring(rest, _pretty_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    document = etree.tostring(root.getroottree(), pretty_print=True, encoding="unicode")
    return f"{declaration}\n{document}".rstrip() + "\n" if declaration else document


# --- QuickBooks' lists ----------------------------------------------------------------------------------


def quickbooks_names(list_type: str, book: str | None = None, limit: int = 2000) -> list[str]:
    """The names QuickBooks reported in a list (of one company file, or all): "customer" gives the customers
    a job's parent can be picked from (not their jobs), "class" the classes."""
    records = AccountingRecord.objects.filter(list_type=list_type)
    if book is not None:
        records = records.filter(book=book)
    if list_type == AccountingRecord.ListType.CUSTOMER:
        records = records.filter(is_active=True, parent_external_id="")
    return list(records.order_by("full_name").values_list("full_name", flat=True).distinct()[:limit])
