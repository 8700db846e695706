"""Background work of the workflow: ids in, services and selectors called."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import send_mail
from django.urls import reverse

if TYPE_CHECKING:
    from erp_integrations.models import ErpItem


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_rejection(event_id: int) -> bool:
    """Tell the sender that an approver rejected the item, and why, with a link to the record. Returns whether
    an email went out."""
    from erp_integrations.models import ErpEvent
    from erp_integrations.templatetags.erp_ui import person_name

    event = ErpEvent.objects.select_related("item__sent_by", "actor").get(pk=event_id)
    sender = event.item.sent_by
    if sender is None or not sender.email:
        return False
    who = person_name(event.actor) or "Accounting"
    reason = event.reason or "No reason was given."
    send_mail(
        subject=f"Rejected by accounting: {event.item.label}",
        message=(
            f"{who} rejected {event.item.label} for QuickBooks.\n\nReason: {reason}\n\n"
            f"Edit it and send it again when it is ready:\n{record_url(event.item)}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[sender.email],
    )
    return True


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
    Returns whether an email went out (not when it is no longer paid in full, or nobody sent it)."""
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
    payments = BillPayment.objects.filter(invoice_id=invoice_id, is_void=False).order_by("txn_date", "id")
    listed = "\n".join(
        f"- {payment.txn_date:%b} {payment.txn_date.day}, {payment.txn_date.year}: "
        f"{payment.get_method_display().lower()}{f' {payment.ref_number}' if payment.ref_number else ''}, "
        f"{payment.amount:,.2f}"
        for payment in payments
    )
    send_mail(
        subject=f"Paid in QuickBooks: {item.label}",
        message=(
            f"QuickBooks has paid {item.label} in full: {status.paid_amount:,.2f} of {status.amount_due:,.2f} due, "
            f"completed on {status.paid_on:%b} {status.paid_on.day}, {status.paid_on.year}.\n\n{listed}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[sender.email],
    )
    return True
