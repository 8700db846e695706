"""Wrong Web Connector passwords: past the limit, one user name from one address waits out the cool-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qbxml import services
from qbxml.models import QbConnection, QbSession, QbSignInFailure
from tests.qbxml.helpers import PASSWORD, USERNAME

pytestmark = pytest.mark.django_db

WRONG = "not the password"
HERE, THERE = "198.51.100.7", "203.0.113.5"


def fail(settings, username: str = USERNAME, address: str = HERE) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT):
        assert services.authenticate(username, WRONG, address) == ["", "nvu"]


def opened(answer: list[str]) -> bool:
    return bool(answer[0]) and answer[1] not in ("nvu", "busy")


def test_past_the_limit_even_the_right_password_waits(settings, connection):
    fail(settings)

    assert services.authenticate(USERNAME, PASSWORD, HERE) == ["", "nvu"]
    assert not QbSession.objects.exists()
    connection.refresh_from_db()
    assert connection.last_error.startswith(f"Sign-ins from {HERE} are paused until ")
    assert f"after {settings.SIGN_IN_FAILURE_LIMIT} wrong passwords" in connection.last_error


def test_one_failure_short_of_the_limit_still_signs_in_and_starts_the_count_again(settings, connection):
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT - 1):
        services.authenticate(USERNAME, WRONG, HERE)

    assert opened(services.authenticate(USERNAME, PASSWORD, HERE))
    assert not QbSignInFailure.objects.exists()


def test_the_web_connector_elsewhere_is_not_locked_out_by_a_stranger(settings, connection):
    fail(settings, address=THERE)

    assert opened(services.authenticate(USERNAME, PASSWORD, HERE))


def test_the_pause_ends_after_the_cool_off(settings, connection):
    fail(settings)
    QbSignInFailure.objects.update(last_failed_at=timezone.now() - settings.SIGN_IN_COOLOFF - timedelta(seconds=1))

    assert opened(services.authenticate(USERNAME, PASSWORD, HERE))


def test_a_failure_after_the_cool_off_counts_from_one(settings, connection):
    fail(settings)
    QbSignInFailure.objects.update(last_failed_at=timezone.now() - settings.SIGN_IN_COOLOFF - timedelta(seconds=1))

    services.authenticate(USERNAME, WRONG, HERE)

    assert QbSignInFailure.objects.get().failures == 1
    assert opened(services.authenticate(USERNAME, PASSWORD, HERE))


def test_guessing_user_names_is_throttled_too(settings, connection):
    fail(settings, username="guess")

    assert QbSignInFailure.objects.get(username="guess").failures == settings.SIGN_IN_FAILURE_LIMIT
    assert services.authenticate("guess", WRONG, HERE) == ["", "nvu"]
    assert QbSignInFailure.objects.get(username="guess").failures == settings.SIGN_IN_FAILURE_LIMIT, (
        "a paused pair is not checked, nor counted"
    )


def test_old_failures_are_forgotten(settings, connection):
    old = timezone.now() - settings.SIGN_IN_COOLOFF - timedelta(minutes=1)
    QbSignInFailure.objects.create(username="long ago", address=THERE, failures=3, last_failed_at=old)

    services.authenticate(USERNAME, WRONG, HERE)

    assert list(QbSignInFailure.objects.values_list("username", flat=True)) == [USERNAME]


def test_a_new_password_lifts_the_pause(settings, connection):
    fail(settings)

    services.connection_set_password(None, connection, "a new password 2026")

    assert opened(services.authenticate(USERNAME, "a new password 2026", HERE))


def test_an_overlong_user_name_is_counted_under_its_stored_length(settings, connection):
    fail(settings, username="x" * 500)

    assert QbSignInFailure.objects.get().username == "x" * 100


@pytest.mark.django_db(transaction=True)
def test_through_the_endpoint_the_pause_is_a_plain_nvu_answer(settings, connection, live_server, shared_wsdl):
    import zeep

    client = zeep.Client(str(shared_wsdl))
    service = client.create_service(
        "{http://developer.intuit.com/}TroubleshootWebServiceFSSoap", live_server.url + "/qbwc/"
    )
    try:
        for _ in range(settings.SIGN_IN_FAILURE_LIMIT):
            service.authenticate(strUserName=USERNAME, strPassword=WRONG)
        answer = [value or "" for value in service.authenticate(strUserName=USERNAME, strPassword=PASSWORD)]
    finally:
        client.transport.session.close()

    assert answer[:2] == ["", "nvu"]
    assert QbSignInFailure.objects.get().address == "127.0.0.1"
    assert "paused" in QbConnection.objects.get().last_error
