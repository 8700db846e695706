"""Whether a user name is locked out after failed sign-ins (django-axes keeps the count), and for how long,
for the endpoints that must say so themselves (the API's token endpoint answers 429 with Retry-After)."""

from __future__ import annotations

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.http import HttpRequest
from django.utils import timezone


def locked_out_for(request: HttpRequest, username: str) -> timedelta | None:
    """How long `username`, signing in from the request's address, must still wait; None when it may try."""
    if not username or not AxesProxyHandler.is_locked(request, {"username": username}):
        return None
    cool_off = get_cool_off(request) or timedelta(0)
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=get_client_ip_address(request))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is None:
        return cool_off
    return max(timedelta(seconds=1), last + cool_off - timezone.now())
