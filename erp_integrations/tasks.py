"""Background work of the workflow: ids in, services and selectors called."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse

if TYPE_CHECKING:
    from erp_integrations.models import ErpItem


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_rejection(event_id: int) -> bool:
    """Tell the sender that an approver rejected the item, and why, with a link to the record. Returns whether
    an email went out (not when nobody sent it, or the sender turned rejections off)."""
    from erp_integrations import notifications
    from erp_integrations.models import ErpEvent
    from erp_integrations.templatetags.erp_ui import person_name

    event = ErpEvent.objects.select_related("item__sent_by", "actor").get(pk=event_id)
    sender = event.item.sent_by
    if sender is None or not notifications.wants(sender, "rejections"):
        return False
    context = {
        "subject": f"Rejected by accounting: {event.item.label}",
        "item": event.item,
        "who": person_name(event.actor) or "Accounting",
        "reason": event.reason or "No reason was given.",
        "url": record_url(event.item),
    }
    notifications.send("rejection", context, sender)
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_failed(item_id: int) -> bool:
    """Tell the sender that QuickBooks refused the item, in QuickBooks' words, with a link to the item's page.
    Returns whether an email went out (not when the item left the failed state before the task ran, nobody
    sent it, or the sender turned failures off)."""
    from erp_integrations import notifications
    from erp_integrations.models import ErpItem, ErpState

    item = ErpItem.objects.select_related("sent_by").filter(pk=item_id).first()
    if item is None or item.state != ErpState.FAILED:
        return False
    sender = item.sent_by
    if sender is None or not notifications.wants(sender, "failures"):
        return False
    context = {
        "subject": f"Failed to export to QuickBooks: {item.label}",
        "item": item,
        "error": item.erp_error or "QuickBooks gave no message.",
        "url": f"{settings.SITE_URL}{reverse('erp:item', args=[item.pk])}",
    }
    notifications.send("failed", context, sender)
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_daily_digest() -> int:
    """The accounting approvers' daily summary, which beat runs at DAILY_DIGEST_HOUR (the periodic task that
    `qbxml.schedules.digest_in_step` keeps). Returns how many e-mails went out."""
    from erp_integrations import notifications

    return notifications.send_digest()


def record_url(item: ErpItem) -> str:
    """The absolute address of the page where the item's record is edited and sent again; for a record with
    no page of its own, or one deleted since, the item's page in ERP Integrations.
    An e-mail has no request to take the site's address from: SITE_URL gives it."""
    from erp_integrations import selectors
    from procore_sync.views import page_of

    try:
        path = page_of(selectors.record_of(item))
    except ObjectDoesNotExist:
        path = ""
    if not path or path == reverse("projects:list"):
        path = reverse("erp:item", args=[item.pk])
    return f"{settings.SITE_URL}{path}"


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_paid(invoice_id: int) -> bool:
    """Tell the sender of an invoice that QuickBooks has paid its bill in full, with the payments that did.
    Returns whether an email went out (not when it is no longer paid in full, nobody sent it, or the sender
    turned these off)."""
    from erp_integrations import notifications
    from erp_integrations.models import ErpItem
    from procore_sync import selectors
    from procore_sync.models import BillPayment

    item = (
        ErpItem.objects.select_related("sent_by")
        .filter(object_type="subcontractor_invoice", object_id=invoice_id)
        .first()
    )
    sender = item.sent_by if item is not None else None
    if item is None or sender is None or not sender.email:
        return False
    status = selectors.paid_statuses([invoice_id])[invoice_id]
    if status.state != selectors.PaidState.PAID or status.paid_on is None:
        return False
    if not notifications.wants(sender, "paid"):
        return False
    # Amounts are written here, not in the templates: both parts must show them alike, whatever the locale.
    payments = [
        {
            "date": payment.txn_date,
            "how": f"{payment.get_method_display().lower()}{f' {payment.ref_number}' if payment.ref_number else ''}",
            "amount": f"{payment.amount:,.2f}",
        }
        for payment in BillPayment.objects.filter(invoice_id=invoice_id, is_void=False).order_by("txn_date", "id")
    ]
    context = {
        "subject": f"Paid in QuickBooks: {item.label}",
        "item": item,
        "paid_amount": f"{status.paid_amount:,.2f}",
        "amount_due": f"{status.amount_due:,.2f}",
        "paid_on": status.paid_on,
        "payments": payments,
        "url": record_url(item),
    }
    notifications.send("paid", context, sender)
    return True
