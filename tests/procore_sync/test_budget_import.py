"""A budget from a CSV file: the file read as Excel writes it, every row error and file error shown before anything
is saved, the import all or nothing through the one write path (the Budget tool, the edit lock)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import services as erp
from procore_sync import budget_import as bi
from procore_sync import models as ps
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    BudgetModificationFactory,
    CostCodeFactory,
    ProjectFactory,
    SubJobFactory,
    UserFactory,
    cost_type,
    grant,
)

# --- reading the file ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiter", "amount"),
    [
        ("1234.56", ",", "1234.56"),
        ("1,234.56", ",", "1234.56"),
        ("$1,234.56", ",", "1234.56"),
        ("(1,234.56)", ",", "-1234.56"),
        ("-$12", ",", "-12.00"),
        ("1,234,567", ",", "1234567.00"),
        ("1.234,56", ";", "1234.56"),
        ("1234,5", ";", "1234.50"),
        ("1.234", ";", "1234.00"),
        ("12.50", ";", "12.50"),
        ("(1.234,56)", ";", "-1234.56"),
        ("1\u00a0234,56", ";", "1234.56"),
        ("1,234.56", "\t", "1234.56"),
        ("7.500", ",", "7.50"),
    ],
)
def test_amounts_are_read_as_spreadsheets_write_them(text, delimiter, amount):
    assert bi.parse_amount(text, delimiter) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "missing"),
        ("abc", "not an amount"),
        ("12.345", "more than two decimals"),
        ("1,23.00", "thousands separators"),
        ("12,5", "thousands separators"),
        ("1.2.3", "not an amount"),
        ("99999999999999", "larger than"),
    ],
)
def test_a_bad_amount_says_what_is_wrong(text, why):
    with pytest.raises(ValueError, match=why):
        bi.parse_amount(text)


def test_a_file_with_a_byte_order_mark_and_semicolons_is_read():
    data = "\ufeffCost Code;Cost Type;Description;Budget\r\n03-100;Labor;Footings;1.234,56\r\n".encode()
    parsed = bi.read_csv(data)
    assert parsed.errors == []
    assert parsed.delimiter == ";"
    assert parsed.rows == [
        (2, {"cost_code": "03-100", "cost_type": "Labor", "description": "Footings", "amount": "1.234,56"})
    ]


def test_a_windows_1252_file_and_header_aliases_are_read():
    data = "code,type,DESCRIPTION,amount\n03-100,L,Béton coulé,10\n".encode("cp1252")
    parsed = bi.read_csv(data)
    assert parsed.errors == []
    assert parsed.rows[0][1]["description"] == "Béton coulé"
    assert parsed.rows[0][1]["cost_code"] == "03-100"


def test_a_tab_separated_utf16_file_and_excels_sep_line_are_read():
    utf16 = "Cost code\tCost type\tAmount\r\n03-100\tLabor\t1,000.00\r\n".encode("utf-16")
    parsed = bi.read_csv(utf16)
    assert parsed.delimiter == "\t"
    assert parsed.rows[0][1]["amount"] == "1,000.00"
    with_sep = bi.read_csv(b"sep=;\r\ncost_code;amount\r\n03-100;5\r\n")
    assert with_sep.delimiter == ";"
    assert with_sep.rows == [(3, {"cost_code": "03-100", "amount": "5"})]


def test_blank_lines_are_skipped_and_line_numbers_are_the_files():
    parsed = bi.read_csv(b"Cost code,Amount\n\n03-100,5\n,,\n03-200,6\n")
    assert [number for number, _ in parsed.rows] == [3, 5]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf  \r\n", "empty"),
        (b"Cost code,Amount\r\n", "a header and no rows"),
        (b"03-100,Labor,10\r\n", "should name the columns"),
        (b"Cost code,Description\r\n03-100,x\r\n", "no Amount column"),
        (b"Code,Cost code,Amount\r\n03-100,03-100,1\r\n", "named twice"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(data, why):
    parsed = bi.read_csv(data)
    assert any(why in error for error in parsed.errors), parsed.errors
    assert parsed.rows == []


def test_a_file_too_large_or_with_too_many_rows_is_refused(monkeypatch):
    assert "larger than 5 MB" in bi.read_csv(b"x" * (bi.MAX_BYTES + 1)).errors[0]
    monkeypatch.setattr(bi, "MAX_ROWS", 3)
    parsed = bi.read_csv(b"Cost code,Amount\n" + b"03-100,1\n" * 4)
    assert parsed.errors == ["The file has more than 3 rows; split it."]


# --- the preview ---------------------------------------------------------------------------------------------------


@pytest.fixture
def budget_admin(db):  # type: ignore[no-untyped-def]
    return grant(UserFactory(username="estimator"), Tool.BUDGET, Level.STANDARD)


@pytest.fixture
def codes(db):  # type: ignore[no-untyped-def]
    return {
        "03-100": CostCodeFactory(code="03-100", default_cost_type=cost_type("Labor")),
        "03-200": CostCodeFactory(code="03-200", default_cost_type=None),
    }


def csv_of(*rows: str, header: str = "Cost code,Cost type,Description,Amount") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def errors_by_line(result: bi.Preview) -> dict[int, list[str]]:
    return {row.line: row.errors for row in result.rows if row.errors}


def test_the_preview_names_each_row_error_and_saves_nothing(budget_admin, codes):
    project = ProjectFactory()
    data = csv_of(
        "03-100,Labor,Footings,100",
        "99-999,Labor,No such code,1",
        "03-100,Nope,No such type,1",
        "03-200,,No default,1",
        "03-100,Equipment,Bad amount,12.345",
        "03-100,M,Missing amount,",
        "03-100,L,Same as line 2,5",
    )
    result = bi.preview(budget_admin, project, data)
    errors = errors_by_line(result)
    assert result.ok is False
    assert result.errors == []
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert "There is no cost code “99-999”." in errors[3]
    assert "There is no cost type “Nope” (by code or name)." in errors[4]
    assert "no default cost type" in errors[5][0]
    assert "more than two decimals" in errors[6][0]
    assert errors[7] == ["The amount is missing."]
    assert errors[8] == ["Duplicates line 2 (03-100 Labor)."]
    assert result.rows_with_errors == 6
    assert not ps.Budget.objects.filter(project=project).exists()


def test_an_empty_cost_type_takes_the_codes_default_and_the_total_adds_up(budget_admin, codes):
    result = bi.preview(budget_admin, ProjectFactory(), csv_of('03-100,,Footings,"1,000.50"', "03-100,M,Pour,(0.50)"))
    assert result.ok
    assert [(row.cost_type_name, row.cost_type_is_default) for row in result.rows] == [
        ("Labor", True),
        ("Material", False),
    ]
    assert result.total == Decimal("1000.00")
    assert result.as_dict()["total"] == "1000.00"


def test_a_sub_job_is_named_by_its_path_and_makes_a_line_of_its_own(budget_admin, codes):
    project = ProjectFactory()
    building = SubJobFactory(project=project, name="Building A")
    SubJobFactory(project=project, name="Level 2", parent=building)
    data = csv_of(
        "03-100,Labor,,1,",
        "03-100,Labor,,1,building a:level 2",
        "03-100,Labor,,1,Building B",
        header="Cost code,Cost type,Description,Amount,Sub job",
    )
    errors = errors_by_line(bi.preview(budget_admin, project, data))
    assert list(errors) == [4]
    assert "The project has no sub job “Building B”" in errors[4][0]


def test_adding_to_a_budget_refuses_a_line_it_already_has(budget_admin, codes):
    budget = BudgetFactory(is_locked=False)
    BudgetLineItemFactory(budget=budget, cost_code=codes["03-100"], cost_type=cost_type("Labor"))
    data = csv_of("03-100,Labor,,5", "03-100,Material,,5")
    appended = bi.preview(budget_admin, budget.project, data, bi.Mode.APPEND)
    assert errors_by_line(appended) == {2: ["The budget already has a line 03-100 Labor; replace its lines instead."]}
    assert bi.preview(budget_admin, budget.project, data, bi.Mode.REPLACE).ok


@pytest.mark.parametrize("lock", ["project_side", "accounting"])
def test_a_locked_budget_is_refused_in_the_preview_and_the_import(budget_admin, codes, pm, lock):
    budget = BudgetFactory(is_locked=True)
    BudgetLineItemFactory(budget=budget, cost_code=codes["03-100"], original_amount=Decimal("7.00"))
    if lock == "accounting":
        erp.item_send(budget, pm)
        ps.Budget.objects.filter(pk=budget.pk).update(is_locked=False)
        why = "in accounting: its lines cannot change now"
    else:
        why = "The budget is locked"
    data = csv_of("03-100,Labor,,5")
    result = bi.preview(budget_admin, budget.project, data)
    assert any(why in error for error in result.errors), result.errors
    with pytest.raises(bi.ImportRefused):
        bi.import_budget(budget_admin, budget.project, data)
    assert list(budget.lines.values_list("original_amount", flat=True)) == [Decimal("7.00")]


def test_importing_needs_standard_on_the_budget_tool(codes):
    project = ProjectFactory()
    reader = grant(UserFactory(username="reader"), Tool.BUDGET, Level.READ_ONLY)
    accountant = grant(UserFactory(username="accountant"), Tool.ERP_INTEGRATIONS, Level.ADMIN)
    other_project = grant(UserFactory(username="other"), Tool.BUDGET, Level.STANDARD, ProjectFactory())
    for user in (reader, accountant, other_project):
        result = bi.preview(user, project, csv_of("03-100,Labor,,5"))
        assert result.errors and result.errors[0].startswith("Importing into this budget needs"), result.errors
        with pytest.raises(PermissionDenied):
            bi.import_budget(user, project, csv_of("03-100,Labor,,5"))
    assert not ps.Budget.objects.filter(project=project).exists()


# --- the import ---------------------------------------------------------------------------------------------------


def test_an_import_creates_the_budget_with_its_lines(budget_admin, codes):
    project = ProjectFactory()
    result = bi.import_budget(budget_admin, project, csv_of('03-100,,Footings,"$12,500.00"', "03-100,M,Pour,8400"))
    assert len(result.rows) == 2
    budget = ps.Budget.objects.get(project=project)
    assert budget.is_locked is False
    assert sorted(budget.lines.values_list("cost_type__name", "description", "original_amount")) == [
        ("Labor", "Footings", Decimal("12500.00")),
        ("Material", "Pour", Decimal("8400.00")),
    ]


def test_one_bad_row_imports_nothing(budget_admin, codes):
    budget = BudgetFactory(is_locked=False)
    BudgetLineItemFactory(budget=budget, cost_code=codes["03-100"], original_amount=Decimal("7.00"))
    with pytest.raises(bi.ImportRefused) as refused:
        bi.import_budget(budget_admin, budget.project, csv_of("03-100,Material,,5", "99-999,Labor,,1"))
    assert errors_by_line(refused.value.preview) == {3: ["There is no cost code “99-999”."]}
    assert list(budget.lines.values_list("cost_type__name", "original_amount")) == [("Labor", Decimal("7.00"))]


def test_replacing_updates_the_lines_named_again_and_deletes_the_rest(budget_admin, codes):
    budget = BudgetFactory(is_locked=False)
    kept = BudgetLineItemFactory(budget=budget, cost_code=codes["03-100"], cost_type=cost_type("Labor"))
    BudgetLineItemFactory(budget=budget, cost_code=codes["03-100"], cost_type=cost_type("Material"))
    result = bi.import_budget(budget_admin, budget.project, csv_of("03-100,Labor,Again,5", "03-200,Other,New,6"))
    assert result.removed_lines == 1
    lines = list(budget.lines.order_by("cost_code__code").values_list("pk", "cost_type__name", "original_amount"))
    assert lines[0] == (kept.pk, "Labor", Decimal("5.00"))
    assert lines[1][1:] == ("Other", Decimal("6.00"))
    assert len(lines) == 2


def test_adding_keeps_every_line_and_adds_the_files(budget_admin, codes):
    budget = BudgetFactory(is_locked=False)
    BudgetLineItemFactory(budget=budget, cost_code=codes["03-100"], original_amount=Decimal("7.00"))
    bi.import_budget(budget_admin, budget.project, csv_of("03-100,Material,,5"), bi.Mode.APPEND)
    assert sorted(budget.lines.values_list("cost_type__name", "original_amount")) == [
        ("Labor", Decimal("7.00")),
        ("Material", Decimal("5.00")),
    ]


def test_replacing_refuses_to_drop_a_line_a_modification_moves_money_on(budget_admin, codes):
    budget = BudgetFactory(is_locked=False)
    line = BudgetLineItemFactory(budget=budget, cost_code=codes["03-100"], cost_type=cost_type("Labor"))
    other = BudgetLineItemFactory(budget=budget, cost_code=codes["03-100"], cost_type=cost_type("Material"))
    modification = BudgetModificationFactory(budget=budget)
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=line, amount=Decimal("-1"))
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=other, amount=Decimal("1"))
    result = bi.preview(budget_admin, budget.project, csv_of("03-100,Material,,5"))
    assert result.errors == [
        "Budget modifications move money on lines the file leaves out (03-100.L); keep them in it."
    ]


def test_the_sample_file_reads_without_errors(budget_admin, db):
    CostCodeFactory(code="03-100")
    CostCodeFactory(code="03-200", default_cost_type=cost_type("Subcontract"))
    result = bi.preview(budget_admin, ProjectFactory(), bi.SAMPLE_CSV.encode())
    assert result.ok, result.as_dict()
    assert result.total == Decimal("35900.00")


# --- the pages ----------------------------------------------------------------------------------------------------


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, project: ps.Project, data: bytes, mode: str = "replace") -> Any:
    return client.post(
        reverse("projects:budget-import", args=[project.pk]),
        {"file": SimpleUploadedFile("budget.csv", data, content_type="text/csv"), "mode": mode},
    )


def test_the_project_page_links_the_import_only_for_who_may_edit_the_budget(budget_admin, codes):
    project = ProjectFactory()
    url = reverse("projects:budget-import", args=[project.pk])
    assert url in client_for(budget_admin).get(reverse("projects:detail", args=[project.pk])).content.decode()
    reader = grant(UserFactory(username="reader"), Tool.BUDGET, Level.READ_ONLY)
    assert url not in client_for(reader).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(reverse("projects:budget-import-confirm", args=[project.pk])).status_code == 403


def test_the_upload_page_offers_the_sample_which_downloads(budget_admin, codes):
    project = ProjectFactory()
    client = client_for(budget_admin)
    page = client.get(reverse("projects:budget-import", args=[project.pk])).content.decode()
    sample_url = reverse("projects:budget-import-sample", args=[project.pk])
    assert sample_url in page
    sample = client.get(sample_url)
    assert sample["Content-Type"].startswith("text/csv")
    assert sample.content.decode() == bi.SAMPLE_CSV


def test_a_preview_with_errors_shows_them_per_row_saves_nothing_and_offers_no_import(budget_admin, codes):
    project = ProjectFactory()
    client = client_for(budget_admin)
    response = upload(client, project, csv_of("03-100,Labor,,5", "99-999,Labor,,1"))
    body = response.content.decode()
    assert response.status_code == 422
    assert "There is no cost code “99-999”." in body
    assert "import-preview__error" in body
    assert reverse("projects:budget-import-confirm", args=[project.pk]) not in body
    assert not ps.Budget.objects.filter(project=project).exists()
    # A confirm without a previewed file imports nothing and asks for an upload.
    confirm = client.post(reverse("projects:budget-import-confirm", args=[project.pk]), {"token": "x"})
    assert confirm.status_code == 302
    assert confirm["Location"] == reverse("projects:budget-import", args=[project.pk])
    assert not ps.Budget.objects.filter(project=project).exists()


def test_a_clean_preview_is_confirmed_and_the_project_page_says_how_many_lines(budget_admin, codes):
    project = ProjectFactory()
    client = client_for(budget_admin)
    preview = upload(client, project, csv_of('03-100,Labor,,"1,000.00"', "03-100,M,,2"))
    assert preview.status_code == 200
    assert not ps.Budget.objects.filter(project=project).exists()
    token = preview.context["token"]
    done = client.post(reverse("projects:budget-import-confirm", args=[project.pk]), {"token": token}, follow=True)
    assert f"Imported 2 lines into the budget of {project}." in done.content.decode()
    assert ps.Budget.objects.get(project=project).lines.count() == 2
    # The file is gone once imported: confirming again imports nothing twice.
    again = client.post(reverse("projects:budget-import-confirm", args=[project.pk]), {"token": token})
    assert again.status_code == 302
    assert ps.Budget.objects.get(project=project).lines.count() == 2


def test_a_budget_locked_after_the_preview_is_refused_at_the_confirm_with_why(budget_admin, codes):
    budget = BudgetFactory(is_locked=False)
    client = client_for(budget_admin)
    token = upload(client, budget.project, csv_of("03-100,Labor,,5")).context["token"]
    ps.Budget.objects.filter(pk=budget.pk).update(is_locked=True)
    response = client.post(reverse("projects:budget-import-confirm", args=[budget.project.pk]), {"token": token})
    assert response.status_code == 422
    assert "The budget is locked" in response.content.decode()
    assert budget.lines.count() == 0


# --- the API ------------------------------------------------------------------------------------------------------


def api_post(user: Any, project: ps.Project, data: bytes, query: str = "", mode: str = "replace") -> Any:
    client = APIClient()
    client.force_authenticate(user)
    return client.post(
        f"/api/v1/projects/{project.pk}/budget/import/{query}",
        {"file": SimpleUploadedFile("budget.csv", data, content_type="text/csv"), "mode": mode},
        format="multipart",
    )


def test_a_dry_run_answers_the_preview_and_saves_nothing(budget_admin, codes):
    project = ProjectFactory()
    response = api_post(budget_admin, project, csv_of("03-100,Labor,,5", "99-999,L,,1"), "?dry_run=1")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False
    assert body["counts"]["rows"] == 2
    assert body["counts"]["rows_with_errors"] == 1
    assert body["rows"][1] == {
        "line": 3,
        "cost_code": "99-999",
        "cost_type": "Labor",
        "sub_job": "",
        "description": "",
        "amount": "1.00",
        "errors": ["There is no cost code “99-999”."],
    }
    assert not ps.Budget.objects.filter(project=project).exists()


def test_an_api_import_with_errors_is_a_400_and_saves_nothing_and_without_them_imports(budget_admin, codes):
    project = ProjectFactory()
    refused = api_post(budget_admin, project, csv_of("03-100,Labor,,5", "03-100,Labor,,6"))
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Nothing was imported: 1 row has errors."
    assert refused.json()["rows"][1]["errors"] == ["Duplicates line 2 (03-100 Labor)."]
    assert not ps.Budget.objects.filter(project=project).exists()
    done = api_post(budget_admin, project, csv_of("03-100,Labor,,5", "03-100,M,,6"))
    assert done.status_code == 200
    assert done.json()["imported"] == 2
    assert done.json()["total"] == "11.00"
    assert ps.Budget.objects.get(project=project).lines.count() == 2


def test_an_api_import_needs_the_budget_tool_and_a_file(budget_admin, codes):
    project = ProjectFactory()
    reader = grant(UserFactory(username="reader"), Tool.BUDGET, Level.READ_ONLY)
    assert api_post(reader, project, csv_of("03-100,Labor,,5"), "?dry_run=1").status_code == 403
    client = APIClient()
    client.force_authenticate(budget_admin)
    missing = client.post(f"/api/v1/projects/{project.pk}/budget/import/", {}, format="multipart")
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"file": ["No file was submitted."]}
    assert api_post(budget_admin, project, b"x", "?dry_run=maybe").status_code == 400


def test_an_unauthenticated_import_is_refused_and_saves_nothing(codes):
    project = ProjectFactory()
    response = APIClient().post(
        f"/api/v1/projects/{project.pk}/budget/import/",
        {"file": SimpleUploadedFile("budget.csv", csv_of("03-100,Labor,,5"), content_type="text/csv")},
        format="multipart",
    )
    assert response.status_code in (401, 403)
    assert not ps.Budget.objects.filter(project=project).exists()
