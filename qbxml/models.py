"""The connector's state: QuickBooks company files (connections), Web Connector sessions, and the
persistent queue of requests. Everything a session needs lives here, so any web process can serve the
next call of a session."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models import Q


class QbConnection(models.Model):
    """One QuickBooks company file, reached through one Web Connector user."""

    name = models.CharField(max_length=100, unique=True)
    username = models.CharField("Web Connector user name", max_length=100, unique=True)
    password_hash = models.CharField(max_length=255)
    owner_id = models.UUIDField(default=uuid.uuid4, help_text="The .qwc OwnerID: one per installation.")
    file_id = models.UUIDField(default=uuid.uuid4, help_text="The .qwc FileID: one per company file.")
    company_file_path = models.CharField(
        max_length=500, blank=True, help_text="The company file to open; empty uses the file open in QuickBooks."
    )
    is_default = models.BooleanField(default=False, help_text="Accepted items go to the default connection.")
    is_active = models.BooleanField(default=True)
    run_every_minutes = models.PositiveIntegerField(default=60)
    batch_limit = models.PositiveIntegerField(
        default=250, help_text="Requests per message; halved after a message QuickBooks could not read."
    )
    time_zone = models.CharField(max_length=64, default="UTC", help_text="The QuickBooks machine's time zone.")
    import_page_size = models.PositiveIntegerField(
        default=100, help_text="Records asked for per page of an import (MaxReturned)."
    )
    # The quiet window (`qbxml.schedules`): hours of the QuickBooks machine's day when its Web Connector is
    # told to wait, because a session slows down the people working in QuickBooks. It starts on `quiet_days`
    # (Monday is 0) and may run past midnight; none when either time is empty.
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    quiet_days = models.JSONField(default=list, blank=True, help_text="The weekdays it starts on, Monday 0.")
    # What the Web Connector and QuickBooks last reported.
    reported_company_file = models.CharField(max_length=500, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    product_name = models.CharField(max_length=200, blank=True)
    edition = models.CharField(max_length=10, blank=True, help_text="US, CA, UK...")
    qbxml_version = models.CharField(max_length=10, blank=True, help_text="The version used with this file.")
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_connection")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def book(self) -> str:
        """The key its company file's records are kept under (`AccountingRecord.book`)."""
        return str(self.file_id)

    def set_password(self, raw_password: str) -> None:
        self.password_hash = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        return bool(self.password_hash) and check_password(raw_password, self.password_hash)


class QbSignInFailure(models.Model):
    """Wrong passwords the Web Connector endpoint was sent, per user name and address: past the limit, that
    pair waits out the cool-off (the same rule django-axes applies to the browser's sign-in). Unknown user
    names count too, so guessing names is throttled as well. Rows older than the cool-off are deleted."""

    username = models.CharField(max_length=100)
    address = models.CharField(max_length=45, blank=True, help_text="The client's IP address, as far as known.")
    failures = models.PositiveIntegerField(default=1)
    last_failed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["username", "address"], name="qb_sign_in_failure_pair")]

    def __str__(self) -> str:
        return f"{self.username} from {self.address or 'an unknown address'}: {self.failures}"


class QbSession(models.Model):
    """A Web Connector session: its ticket (stored hashed), what it was told, its progress."""

    class Status(models.TextChoices):
        OPEN = "open", "Running"
        CLOSED = "closed", "Closed"
        FAILED = "failed", "Ended with an error"
        EXPIRED = "expired", "Expired"
        RELEASED = "released", "Released by an admin"

    # The sessions and their exchanges are the audit of what reached QuickBooks: a used connection is
    # deactivated, never deleted.
    connection = models.ForeignKey(QbConnection, on_delete=models.PROTECT, related_name="sessions")
    ticket_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    host_info = models.JSONField(default=dict, blank=True)
    qbxml_version = models.CharField(max_length=10, blank=True)
    total_requests = models.PositiveIntegerField(default=0)
    done_requests = models.PositiveIntegerField(default=0)
    synced_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    messages_sent = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    summary = models.CharField(max_length=500, blank=True)
    pending_message = models.TextField(blank=True, help_text="The next message, prepared with the last answer.")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The ERP Integrations admin who released the connection from this session.",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # "busy": at most one running session per connection, whatever process serves it.
            models.UniqueConstraint(fields=["connection"], condition=Q(status="open"), name="one_open_session"),
        ]

    def __str__(self) -> str:
        return f"{self.connection} session {self.pk} ({self.status})"

    @property
    def silent_release_at(self) -> datetime:
        """When the connection is released from this running session if its Web Connector stays silent
        (it died): another session may start then."""
        return self.last_seen_at + timedelta(seconds=settings.QBWC_SESSION_IDLE_SECONDS)

    @property
    def progress_percent(self) -> int:
        if self.total_requests == 0:
            return 100 if self.status != self.Status.OPEN else 0
        return min(100, int(100 * self.done_requests / self.total_requests))


class QbRequest(models.Model):
    """One request that may reach QuickBooks: a row before it is sent, its outcome written with the item's.

    `status` moves only through `qbxml.queue.lifecycle`, whose table says which state may follow which.
    """

    class Status(models.TextChoices):
        # Waiting for a message: to make (or change) the record, or to ask QuickBooks something first.
        READY = "ready", "Ready"
        LOOK_UP = "look_up", "Answer lost: to look up before sending again"
        NAME_IN_USE = "name_in_use", "Name in use: to look up the record of that name"
        STALE = "stale", "Stale EditSequence: to look up the record's current one"
        HELD = "held", "Held back by a failed dependency"
        # In a message (the Web Connector may or may not have taken it: `sent_at`).
        SENT = "sent", "Sent, awaiting the answer"
        LOOKING_UP = "looking_up", "Looking it up"
        MATCHING_NAME = "matching_name", "Looking up the record of that name"
        REFRESHING = "refreshing", "Looking up the current EditSequence"
        # Done with.
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    connection = models.ForeignKey(QbConnection, on_delete=models.PROTECT, related_name="requests")
    item = models.ForeignKey(
        "erp_integrations.ErpItem", on_delete=models.PROTECT, null=True, blank=True, related_name="qb_requests"
    )
    kind = models.CharField(max_length=30, help_text="What the request makes: vendor, job, purchase_order...")
    target = models.CharField(
        max_length=255, blank=True, help_text="The QuickBooks name or reference number it makes, for look-ups."
    )
    support_key = models.CharField(
        max_length=300, blank=True, help_text="For list records the export needs (a class, a parent item): kind:name."
    )
    description = models.CharField(
        max_length=255, blank=True, help_text="What a list record the export needs is made with (its description)."
    )
    needs = models.JSONField(default=list, blank=True, help_text="Support keys that must exist in QuickBooks first.")
    depends_on_items = models.JSONField(
        default=list, blank=True, help_text="Workflow items that must be in QuickBooks first."
    )
    sequence = models.PositiveIntegerField(default=0, help_text="Dependency order within the queue.")
    operation = models.CharField(max_length=40, blank=True, help_text="The last request sent: VendorAdd, ...")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.READY)
    attempts = models.PositiveIntegerField(default=0)
    parse_failures = models.PositiveIntegerField(
        default=0, help_text="Messages QuickBooks could not parse while this request was sent alone."
    )
    repairs = models.PositiveIntegerField(default=0, help_text="Stale-EditSequence retries (at most one).")
    session = models.ForeignKey(QbSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests")
    message_number = models.PositiveIntegerField(null=True, blank=True)
    request_xml = models.TextField(blank=True)
    status_code = models.IntegerField(null=True, blank=True)
    status_message = models.TextField(blank=True)
    not_before_session = models.PositiveBigIntegerField(
        default=0, help_text="Transient errors wait for a session started after this one."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sequence", "id"]
        indexes = [
            models.Index(fields=["connection", "status", "sequence", "id"], name="qb_request_queue"),
            models.Index(fields=["connection", "support_key"], name="qb_request_support"),
            # A session's requests in flight, read with every answer.
            models.Index(fields=["session", "status"], name="qb_request_session"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} #{self.pk} ({self.status})"

    @property
    def request_id(self) -> str:
        """The requestID of the latest attempt, as QuickBooks echoes it back (see `queue.rows`)."""
        return f"{self.pk}.{self.attempts}"


class QbExchange(models.Model):
    """Every qbXML message sent and every answer received, kept for the audit."""

    class Direction(models.TextChoices):
        REQUEST = "request", "To QuickBooks"
        RESPONSE = "response", "From QuickBooks"

    session = models.ForeignKey(QbSession, on_delete=models.PROTECT, related_name="exchanges")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    message_number = models.PositiveIntegerField()
    body = models.TextField(blank=True)
    hresult = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "direction", "message_number"], name="one_exchange_per_message")
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.message_number} of session {self.session_id}"


class QbListImport(models.Model):
    """The import of one QuickBooks list into a connection's records: a page at a time through an iterator,
    from the newest change the last import saw (so a refresh brings only what changed since).

    `status` moves only through `qbxml.imports`.
    """

    class Status(models.TextChoices):
        IDLE = "idle", "Up to date"
        QUEUED = "queued", "Waiting for the Web Connector"
        RUNNING = "running", "Reading"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(QbConnection, on_delete=models.CASCADE, related_name="list_imports")
    list_name = models.CharField(max_length=20, help_text="vendors, customers, items, classes or accounts.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IDLE)
    # This run: the lower bound it reads from (None: the whole list), where its iterator stands, what it read.
    modified_from = models.DateTimeField(null=True, blank=True)
    iterator_id = models.CharField(max_length=64, blank=True)
    session = models.ForeignKey(QbSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    pages = models.PositiveIntegerField(default=0, help_text="Pages asked for in this run.")
    page_out = models.BooleanField(default=False, help_text="A page was handed to the Web Connector, unanswered.")
    rows_read = models.PositiveIntegerField(default=0)
    newest_modified = models.DateTimeField(null=True, blank=True, help_text="The newest change read in this run.")
    # The last run that finished: the next one reads from just after its newest change.
    next_from = models.DateTimeField(null=True, blank=True)
    last_rows = models.PositiveIntegerField(default=0)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    # A large answer to the page out, kept while a task writes it (the Web Connector is told NoOp meanwhile).
    answer = models.TextField(blank=True)
    answer_kept_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["connection", "list_name"]
        constraints = [models.UniqueConstraint(fields=["connection", "list_name"], name="one_import_per_list")]

    def __str__(self) -> str:
        return f"{self.list_name} of {self.connection} ({self.status})"


class QbSyncSchedule(models.Model):
    """How often one subject (vendors, job costs...) of a connection is read back from QuickBooks in its
    sessions. `every` and the Celery beat task that queues the reading are written only by
    `qbxml.schedules`."""

    class Every(models.IntegerChoices):
        NEVER = 0, "Never"
        HOURLY = 60, "Hourly"
        TWO_HOURS = 120, "Every 2 hours"
        FOUR_HOURS = 240, "Every 4 hours"
        DAILY = 1440, "Daily"

    connection = models.ForeignKey(QbConnection, on_delete=models.CASCADE, related_name="sync_schedules")
    subject = models.CharField(max_length=30, help_text="A subject of `qbxml.schedules.SUBJECTS`.")
    every = models.PositiveIntegerField("how often", choices=Every.choices, default=Every.NEVER)
    last_queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was last queued, by the schedule or Refresh now."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["connection", "subject"]
        constraints = [models.UniqueConstraint(fields=["connection", "subject"], name="one_schedule_per_subject")]

    def __str__(self) -> str:
        return f"{self.subject} of {self.connection}: {self.get_every_display()}"
