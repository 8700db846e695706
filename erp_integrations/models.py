"""The acceptance workflow's one table, its append-only history, and the company's ERP settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from access.tools import erp_permissions


class ErpState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending acceptance"
    QUEUED = "queued", "Queued for QuickBooks"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed to export"
    REJECTED = "rejected", "Rejected"


class ErpItem(models.Model):
    """The workflow state of one exportable record, whatever its type.

    `state` is written only by `erp_integrations.services` through the transition table of
    `erp_integrations.workflow`.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    object_type = models.CharField(max_length=40, db_index=True)
    project = models.ForeignKey(
        "procore_sync.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    label = models.CharField(max_length=255, help_text="What a person calls the record, kept for the queue.")
    state = models.CharField(max_length=20, choices=ErpState.choices, default=ErpState.DRAFT)
    erp_error = models.TextField(blank=True)
    qb_ref = models.CharField(max_length=40, blank=True, help_text="ListID or TxnID once synced.")
    qb_edit_sequence = models.CharField(max_length=20, blank=True)
    depends_on = models.JSONField(
        default=list, blank=True, help_text="The items this one needed in QuickBooks first, as accepted."
    )
    qb_details = models.JSONField(
        default=dict, blank=True, help_text="What later exports need of the QuickBooks record (e.g. its line ids)."
    )
    accept_options = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    sent_payload = models.JSONField(
        null=True, blank=True, encoder=DjangoJSONEncoder, help_text="What QuickBooks will receive, as sent."
    )
    synced_payload = models.JSONField(
        null=True, blank=True, encoder=DjangoJSONEncoder, help_text="What QuickBooks received last."
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    record_deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="erp_item_one_per_record"),
        ]
        indexes = [
            models.Index(fields=["state", "object_type", "-updated_at", "-id"], name="erp_item_queue"),
            models.Index(fields=["object_type", "state"], name="erp_item_type_state"),
            # Which item a record of the accounting system is linked to.
            models.Index(fields=["object_type", "qb_ref"], name="erp_item_link"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} #{self.object_id} ({self.state})"


class AccountingRecord(models.Model):
    """A record of the accounting system's own lists (vendors, customers and jobs, items, classes, accounts)
    as its last import, or our own export, reported it, per company file (`book`, an opaque key of the
    connector that reads the file). An item is linked to one by its id (`ErpItem.qb_ref`); the records no
    item is linked to are what Ready to Import offers."""

    class ListType(models.TextChoices):
        CUSTOMER = "customer", "Customer or job"
        VENDOR = "vendor", "Vendor"
        ITEM = "item", "Item"
        CLASS = "class", "Class"
        ACCOUNT = "account", "Account"
        # Not a list: the estimates of the jobs, read so that a prime contract can be imported from one.
        ESTIMATE = "estimate", "Estimate"
        EMPLOYEE = "employee", "Employee"
        # The wage payroll items time is paid on (Hourly Rate, Overtime...), offered where hours are entered.
        PAYROLL_ITEM = "payroll_item", "Payroll item"

    book = models.CharField(max_length=64, help_text="The company file it is in.")
    list_type = models.CharField(max_length=20, choices=ListType.choices)
    external_id = models.CharField(max_length=40, help_text="Its id in the accounting system (a ListID).")
    full_name = models.CharField(max_length=255)
    parent_external_id = models.CharField(max_length=40, blank=True)
    edit_sequence = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    details = models.JSONField(default=dict, blank=True, help_text="Its fields: address, phone, e-mail, type...")
    time_modified = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now=True)
    # Set aside from Ready to Import by a person (a utility vendor the directory does not need); restorable.
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["list_type", "full_name"]
        constraints = [
            models.UniqueConstraint(fields=["book", "list_type", "external_id"], name="one_accounting_record_per_id")
        ]
        indexes = [models.Index(fields=["book", "list_type", "full_name"], name="accounting_record_by_name")]

    def __str__(self) -> str:
        return f"{self.get_list_type_display()} {self.full_name}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The ERP history is append-only: rows are never updated.")

    def delete(self) -> tuple[int, dict[str, int]]:  # type: ignore[override]
        raise TypeError("The ERP history is append-only: rows are never deleted.")


class ErpEvent(models.Model):
    """One transition of one item: who, when, from, to, why, and what was sent. Never edited or deleted."""

    item = models.ForeignKey(ErpItem, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when QuickBooks or the system made the change.",
    )
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, choices=ErpState.choices)
    to_state = models.CharField(max_length=20, choices=ErpState.choices)
    reason = models.TextField(blank=True)
    payload = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The ERP history is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The ERP history is append-only: rows are never deleted.")


class ErpSettings(models.Model):
    """The company's integration settings: one row. Also carries the company-level ERP permissions."""

    direct_export_types = models.JSONField(
        default=list, blank=True, help_text="Object types whose sending accepts at once."
    )
    retainage_item_name = models.CharField(max_length=31, default="Retainage")
    # The owner side: retention the owner holds is a receivable, kept on its own item (not the retainage
    # payable to subcontractors), made in QuickBooks when it is missing.
    retention_item_name = models.CharField(
        max_length=31, default="Retention", help_text="The item owner invoices hold and release retention on."
    )
    prime_contract_estimates = models.BooleanField(
        default=True,
        help_text="Send prime contracts (and their change orders) as estimates on the job; off: billing only.",
    )
    expense_account_name = models.CharField(max_length=31, default="Job Expenses")
    income_account_name = models.CharField(max_length=31, default="Construction Income")
    sync_every_minutes = models.PositiveIntegerField(default=60)

    class TimeExport(models.TextChoices):
        IIF = "iif", "IIF file for QuickBooks payroll import"
        WEB_CONNECTOR = "web_connector", "Time tracking through the Web Connector"

    # How accepted time entries reach QuickBooks: a file the accountant imports, or TimeTrackingAdd requests.
    time_export = models.CharField(max_length=20, choices=TimeExport.choices, default=TimeExport.IIF)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ERP settings"
        verbose_name_plural = "ERP settings"
        permissions = erp_permissions()

    def __str__(self) -> str:
        return "ERP settings"

    @classmethod
    def load(cls) -> ErpSettings:
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class ProjectAccountingSettings(models.Model):
    """Where a project's items go in QuickBooks, and what it brings back (PRODUCT.md section 1): its job
    cost transactions and the payments of its subcontractor invoices, each enabled by an ERP Integrations
    admin; the first import of its job costs may start at a date."""

    project = models.OneToOneField("procore_sync.Project", on_delete=models.CASCADE, related_name="accounting_settings")
    # Which QuickBooks company file the project's items go to (a connection's `book`); blank: the default
    # connection's, so a single-file installation never has to choose.
    book = models.CharField(
        max_length=64, blank=True, help_text="The company file the project's items go to; blank for the default."
    )
    sync_job_costs = models.BooleanField(default=False)
    job_costs_since = models.DateField(
        null=True, blank=True, help_text="Job cost transactions dated before it are not imported."
    )
    sync_paid_invoices = models.BooleanField(default=False)
    notify_when_paid = models.BooleanField(
        default=True, help_text="Tell an invoice's sender by e-mail when QuickBooks has paid its bill in full."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "project accounting settings"

    def __str__(self) -> str:
        return f"Accounting settings of project {self.project_id}"


class NotificationPreference(models.Model):
    """Which e-mails a person wants; without a row, all of them (the defaults), so nobody misses a rejection
    before having visited the profile page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    daily_digest = models.BooleanField(
        default=True, help_text="Each morning, what waits for acceptance and what failed to export."
    )
    rejections = models.BooleanField(default=True, help_text="When accounting rejects an item you sent.")
    failures = models.BooleanField(default=True, help_text="When QuickBooks refuses an item you sent.")
    paid = models.BooleanField(default=True, help_text="When QuickBooks has paid an invoice you sent in full.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preferences of user {self.user_id}"
