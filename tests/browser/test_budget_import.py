"""An estimator imports a project's budget from a CSV file in a real browser, on a phone-sized screen and with
JavaScript off: the first file has errors, the preview shows them on their rows and offers no import, the fixed
file's preview is confirmed and the budget has its lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from access.tools import Level, Tool
from procore_sync import models as ps
from tests.browser.conftest import screenshot, sign_in
from tests.factories import CostCodeFactory, ProjectFactory, UserFactory, cost_type, grant

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADER = "Cost Code;Cost Type;Description;Budget"


def csv_file(*rows: str) -> dict[str, Any]:
    text = "\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n"
    return {"name": "budget.csv", "mimeType": "text/csv", "buffer": text.encode()}


@pytest.fixture
def phone_page(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def test_an_estimator_sees_the_files_errors_fixes_them_and_imports_the_budget(phone_page):
    page = phone_page
    project = ProjectFactory(name="Harbor Tower")
    CostCodeFactory(code="03-100", default_cost_type=cost_type("Labor"))
    grant(UserFactory(username="estimator"), Tool.BUDGET, Level.STANDARD)
    sign_in(page, "estimator")
    page.goto(f"/projects/{project.pk}/")
    page.locator("#budget").get_by_role("link", name="Import from CSV").click()
    assert page.get_by_role("link", name="Download a sample CSV").count() == 1

    long = "A footing description long enough to need the table to scroll sideways on a phone"
    page.get_by_label("CSV file").set_input_files(
        csv_file(f"03-100;Labor;{long};1.234,56", "99-999;Labor;Unknown code;10", "03-100;L;Again;5")
    )
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("heading", name="Rows with errors").wait_for()
    errors = page.locator("tr.import-preview__error")
    assert errors.count() == 2
    assert "There is no cost code “99-999”." in errors.nth(0).inner_text()
    assert "Duplicates line 2 (03-100 Labor)." in errors.nth(1).inner_text()
    # Listed above the rows too, in the phone's width: no sideways scrolling to read them.
    summary = page.locator(".import-preview__summary li")
    assert summary.all_inner_texts() == [
        "Line 3: There is no cost code “99-999”.",
        "Line 4: Duplicates line 2 (03-100 Labor).",
    ]
    box = summary.nth(1).bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert page.get_by_role("button", name="Import").count() == 0
    assert not ps.Budget.objects.filter(project=project).exists()
    # The rows scroll in their own frame; the page itself stays the phone's width.
    frame = page.locator(".import-preview").bounding_box()
    table = page.locator(".import-preview table").bounding_box()
    assert frame is not None and table is not None
    assert frame["width"] <= 390 < table["width"]
    screenshot(page, "estimator-budget-import-errors-390")

    page.get_by_label("CSV file").set_input_files(
        csv_file(f"03-100;Labor;{long};1.234,56", "03-100;Material;Concrete;(10,00)")
    )
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Import 2 lines").click()
    page.get_by_text(f"Imported 2 lines into the budget of {project}.").wait_for()
    lines = ps.Budget.objects.get(project=project).lines.order_by("cost_type__sort_order")
    assert list(lines.values_list("cost_type__name", "original_amount")) == [
        ("Labor", Decimal("1234.56")),
        ("Material", Decimal("-10.00")),
    ]
    assert "1,234.56" in page.locator("#budget").inner_text()
    screenshot(page, "estimator-budget-imported-390")
