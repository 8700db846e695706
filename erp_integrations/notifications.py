"""The e-mails the workflow sends: who gets them, what they say (templates/email/, in HTML and plain text),
and the one write of a person's preferences."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string

from access import permissions
from access.permissions import Action
from access.tools import CAN_PUSH_TO_ACCOUNTING
from erp_integrations import selectors
from erp_integrations.models import NotificationPreference

Kind = Literal["daily_digest", "rejections", "failures", "paid"]
PREFERENCE_FIELDS: tuple[Kind, ...] = ("daily_digest", "rejections", "failures", "paid")


def wants(user: User | None, kind: Kind) -> bool:
    """Whether the person is to get this kind of e-mail: an address, and not turned off."""
    if user is None or not user.is_active or not user.email:
        return False
    return bool(getattr(selectors.notification_preference(user), kind))


def send(template: str, context: dict[str, Any], to: User) -> None:
    """Send templates/email/<template>.txt, with its .html as the alternative; the subject is the context's."""
    context = {**context, "recipient": to, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=context["subject"],
        body=render_to_string(f"email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to.email],
    )
    message.attach_alternative(render_to_string(f"email/{template}.html", context), "text/html")
    message.send()


def update_preferences(user: User, changes: dict[str, bool]) -> NotificationPreference:
    """Save the person's choices (only the known fields); the row is made on the first change."""
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    for name in PREFERENCE_FIELDS:
        if name in changes:
            setattr(preference, name, bool(changes[name]))
    preference.save()
    return preference


def digest_recipients() -> list[User]:
    """The accounting approvers who want the digest. The gate decides who approves (Standard on ERP
    Integrations with Can Push to Accounting); the query only narrows the people it is asked about to those
    who could hold the privilege, so a company of many users is not read permission by permission."""
    opted_out = NotificationPreference.objects.filter(daily_digest=False).values("user_id")
    candidates = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .exclude(pk__in=opted_out)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__codename=CAN_PUSH_TO_ACCOUNTING)
            | Q(groups__permissions__codename=CAN_PUSH_TO_ACCOUNTING)
        )
        .distinct()
        .order_by("pk")
    )
    return [user for user in candidates if permissions.check(user, Action.ACCEPT)]


def send_digest() -> int:
    """E-mail each accounting approver what waits for acceptance and what failed; nothing when there is
    nothing to say. Returns how many e-mails went out."""
    content = selectors.digest()
    if not content:
        return 0
    recipients = digest_recipients()
    for user in recipients:
        send("daily_digest", {"subject": _digest_subject(content), "digest": content}, user)
    return len(recipients)


def _digest_subject(content: selectors.Digest) -> str:
    parts = []
    if content.pending_total:
        parts.append(f"{content.pending_total} waiting for acceptance")
    if content.failed_total:
        parts.append(f"{content.failed_total} failed to export")
    return f"ERP Integrations Daily Summary: {', '.join(parts)}"
