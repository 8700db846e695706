"""The address a request came from, for sign-in throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

Behind the reverse proxy of docs/deploy.md, REMOTE_ADDR is the proxy's own address for every request; the
browser's is in X-Forwarded-For. Each proxy appends the address it received the request from, so only the
last TRUSTED_PROXY_COUNT entries were written by proxies we run: whatever stands to their left came from the
client and may be forged. Taking the entry our outermost proxy wrote is the rule of Werkzeug's ProxyFix.
django-ipware counts proxies differently (its strict mode refuses a chain of one), and a rule this short is
clearer spelled out than configured.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    hops: int = settings.TRUSTED_PROXY_COUNT
    if hops == 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < hops:
        # Not through every proxy we run (a request made on the host itself): its own address is the truth.
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        # Our proxy writes bare addresses; anything else means the header is not what we configured.
        return remote
