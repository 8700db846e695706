"""Background work of the workflow: ids in, services and selectors called."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_rejection(event_id: int) -> bool:
    """Tell the sender that an approver rejected the item, and why. Returns whether an email went out."""
    from erp_integrations.models import ErpEvent

    event = ErpEvent.objects.select_related("item__sent_by", "actor").get(pk=event_id)
    sender = event.item.sent_by
    if sender is None or not sender.email:
        return False
    who = event.actor.get_full_name() or event.actor.get_username() if event.actor else "Accounting"
    reason = event.reason or "No reason was given."
    send_mail(
        subject=f"Rejected by accounting: {event.item.label}",
        message=(
            f"{who} rejected {event.item.label} for QuickBooks.\n\nReason: {reason}\n\n"
            "Edit it and send it again when it is ready."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[sender.email],
    )
    return True
