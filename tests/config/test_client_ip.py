"""Sign-in throttling keys on the browser's address, read from X-Forwarded-For only as far as our proxies wrote it."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from config.client_ip import client_ip
from tests.factories import UserFactory

PROXY = "127.0.0.1"
WRONG = "not the password"
RIGHT = "correct horse battery"  # tests.factories.UserFactory's


def request_with(forwarded: str | None = None, remote: str = PROXY):  # type: ignore[no-untyped-def]
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_with("198.51.100.7", remote="203.0.113.5")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),  # nginx wrote the browser's address
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client forged an entry to the left: ignored
        (1, " 198.51.100.7 ", "198.51.100.7"),
        (1, "2001:DB8::1", "2001:db8::1"),  # written as Python writes it, so one address is one key
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),  # a load balancer, then nginx
        (2, "198.51.100.7", PROXY),  # fewer entries than proxies: not through them all
        (1, "", PROXY),
        (1, None, PROXY),  # a request made on the host itself
        (1, "unknown", PROXY),  # not an address: the connection's own is the truth
        (1, "198.51.100.7:443", PROXY),
    ],
)
def test_the_entry_our_outermost_proxy_wrote_is_the_address(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    assert client_ip(request_with(forwarded)) == expected


def sign_in(client: Client, forwarded: str, password: str = WRONG) -> int:
    response = client.post(
        reverse("login"), {"username": "approver", "password": password}, HTTP_X_FORWARDED_FOR=forwarded
    )
    return response.status_code


def stranger_fails_repeatedly(settings, hops: int) -> tuple[Client, Client]:  # type: ignore[no-untyped-def]
    """A stranger at 6.6.6.6 fails the limit for "approver"; both clients connect through the proxy."""
    settings.TRUSTED_PROXY_COUNT = hops
    UserFactory(username="approver")
    stranger, user = Client(REMOTE_ADDR=PROXY), Client(REMOTE_ADDR=PROXY)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(stranger, "6.6.6.6")
    return stranger, user


@pytest.mark.django_db
def test_behind_the_proxy_a_stranger_cannot_lock_out_the_user_elsewhere(settings):
    stranger, user = stranger_fails_repeatedly(settings, hops=1)
    assert sign_in(stranger, "6.6.6.6") == 429
    # Forging an address to the left of the one nginx writes does not get the stranger out of the lockout.
    assert sign_in(stranger, "198.51.100.7, 6.6.6.6") == 429
    # The user, signing in from their own address through the same proxy, is not locked out.
    assert sign_in(user, "198.51.100.7", password=RIGHT) == 302


@pytest.mark.django_db
def test_without_the_setting_every_sign_in_behind_a_proxy_shares_its_address(settings):
    """What TRUSTED_PROXY_COUNT is for: left at 0 behind nginx, the lockout follows the user name everywhere."""
    _, user = stranger_fails_repeatedly(settings, hops=0)
    assert sign_in(user, "198.51.100.7", password=RIGHT) == 429
