"""The profile page in a real browser: a person turns the daily summary off, and it stays off."""

from __future__ import annotations

import pytest

from access.tools import Level, Tool
from erp_integrations import selectors
from tests.browser.conftest import screenshot, sign_in
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_approver_turns_the_daily_summary_off_and_it_stays_off(page):
    user = UserFactory(username="dana", first_name="Dana", last_name="Approver", email="dana@example.com")
    grant(user, Tool.ERP_INTEGRATIONS, Level.STANDARD, push=True)

    sign_in(page, "dana")
    page.get_by_role("link", name="Dana Approver").click()
    page.get_by_role("heading", name="Dana Approver", level=1).wait_for()
    digest = page.get_by_label("Daily summary for accounting approvers")
    assert digest.is_checked(), "on until turned off"

    digest.uncheck()
    page.get_by_role("button", name="Save preferences").click()

    page.get_by_text("Your e-mail preferences are saved.").wait_for()
    assert not page.get_by_label("Daily summary for accounting approvers").is_checked()
    assert page.get_by_label("Rejections of items I sent").is_checked()
    screenshot(page, "profile-emails")
    page.reload()
    assert not page.get_by_label("Daily summary for accounting approvers").is_checked()
    assert selectors.notification_preference(user).daily_digest is False
    assert selectors.notification_preference(user).rejections is True
