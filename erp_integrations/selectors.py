"""Reads of the workflow: the approver's queue, an item's history, a record's item."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet, Subquery

from erp_integrations import hooks
from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.exportables.project import job_name
from erp_integrations.models import AccountingRecord, ErpEvent, ErpItem, ErpState, ProjectAccountingSettings
from erp_integrations.workflow import allowed_steps
from procore_sync import models as ps
from procore_sync.models import Company, Project

# The approver's tabs (PRODUCT.md section 2), and Queued: what is accepted and waiting for the Web Connector.
# Ready to Import fills from QuickBooks' own lists. The pages and the API list and count the same tabs.
TABS: dict[str, Q] = {
    "ready_to_import": Q(pk__in=[]),
    "ready_to_export": Q(state=ErpState.PENDING, qb_ref=""),
    "ready_to_update": Q(state=ErpState.PENDING) & ~Q(qb_ref=""),
    "queued": Q(state=ErpState.QUEUED),
    "failed_to_export": Q(state=ErpState.FAILED),
    "synced": Q(state=ErpState.SYNCED),
    "archived": Q(record_deleted_at__isnull=False),
}


def erp_queue(
    *,
    erp_status: str | None = None,
    object_type: str | None = None,
    tab: str | None = None,
    project: int | None = None,
    search: str | None = None,
) -> QuerySet[ErpItem]:
    """Items across every type, newest change first: one indexed query, whatever the number of types."""
    queryset = ErpItem.objects.select_related("sent_by", "project")
    if tab:
        queryset = queryset.filter(TABS[tab])
        if tab != "archived":
            queryset = queryset.filter(record_deleted_at__isnull=True)
    if erp_status:
        queryset = queryset.filter(state=erp_status)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if project:
        queryset = queryset.filter(project_id=project)
    if search:
        queryset = queryset.filter(label__icontains=search)
    return queryset.order_by("-updated_at", "-id")


def tab_counts(object_type: str | None = None) -> dict[str, int]:
    """How many items each tab holds, in one query."""
    queryset = ErpItem.objects.all()
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    live = Q(record_deleted_at__isnull=True)
    aggregates = {
        name: Count("pk", filter=condition & live if name != "archived" else condition)
        for name, condition in TABS.items()
        if name != "ready_to_import"
    }
    counts = queryset.aggregate(**aggregates)
    waiting = ready_to_import_counts()
    return {
        "ready_to_import": waiting.get(object_type, 0) if object_type else sum(waiting.values()),
        **counts,
    }


def items_for_records(records: list[Model], *, with_history: bool = False) -> dict[tuple[type[Model], int], ErpItem]:
    """The workflow items of many records (one query per type); a record never sent has none."""
    by_model: dict[type[Model], list[int]] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record.pk)
    found: dict[tuple[type[Model], int], ErpItem] = {}
    for model, ids in by_model.items():
        items = ErpItem.objects.filter(content_type=content_type_of(model), object_id__in=ids)
        if with_history:
            items = items.prefetch_related(Prefetch("events", queryset=ErpEvent.objects.select_related("actor")))
        for item in items:
            found[(model, item.object_id)] = item
    return found


def erp_summaries(records: list[Model]) -> dict[tuple[type[Model], int], dict[str, Any]]:
    """The workflow fields of many records of one or more types: two queries per type, whatever the count."""
    items = items_for_records(records, with_history=True)
    return {(type(record), record.pk): _summary(items.get((type(record), record.pk))) for record in records}


def _summary(item: ErpItem | None) -> dict[str, Any]:
    state = item.state if item else ErpState.DRAFT
    return {
        "erp_status": state,
        "erp_error": item.erp_error if item else "",
        "qb_ref": item.qb_ref if item else "",
        "erp_allowed_actions": allowed_steps(state),
        "erp_history": [event_as_dict(event) for event in item.events.all()] if item else [],
    }


def event_as_dict(event: ErpEvent) -> dict[str, Any]:
    return {
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "by": event.actor.get_username() if event.actor else "QuickBooks",
        "at": event.created_at,
        "reason": event.reason,
    }


def with_erp_status(queryset: QuerySet[Any], erp_status: str) -> QuerySet[Any]:
    """Records of the queryset whose item is in `erp_status` (a record never sent counts as a draft)."""
    items = ErpItem.objects.filter(content_type=content_type_of(queryset.model), object_id=OuterRef("pk"))
    if erp_status == ErpState.DRAFT:
        return queryset.exclude(Exists(items.exclude(state=ErpState.DRAFT)))
    return queryset.filter(Exists(items.filter(state=erp_status)))


def record_of(item: ErpItem) -> Model:
    """The record behind an item (raises the model's DoesNotExist when it was deleted)."""
    model = EXPORTABLE_TYPES[item.object_type].model
    return model._default_manager.get(pk=item.object_id)


def latest_rejection(item: ErpItem) -> ErpEvent | None:
    return item.events.filter(to_state=ErpState.REJECTED).order_by("-created_at", "-id").first()


def content_type_of(model: type[Model]) -> ContentType:
    return ContentType.objects.get_for_model(model)


# --- reads of the browser pages -----------------------------------------------------------------------


def queue_counts() -> dict[str, dict[str, int]]:
    """Every tab's count for every type, in one aggregate query: {object_type: {tab: count}}."""
    live = Q(record_deleted_at__isnull=True)
    aggregates = {
        name: Count("pk", filter=condition & live if name != "archived" else condition)
        for name, condition in TABS.items()
        if name != "ready_to_import"
    }
    rows = ErpItem.objects.order_by().values("object_type").annotate(**aggregates)
    counts: dict[str, dict[str, int]] = {slug: dict.fromkeys(TABS, 0) for slug in EXPORTABLE_TYPES}
    for row in rows:
        values: dict[str, Any] = dict(row)
        counts.setdefault(values["object_type"], dict.fromkeys(TABS, 0)).update(
            {name: values[name] for name in aggregates}
        )
    for object_type, waiting in ready_to_import_counts().items():
        counts[object_type]["ready_to_import"] = waiting
    return counts


def latest_rejections(item_ids: list[int]) -> dict[int, ErpEvent]:
    """The last rejection of each of these items, in one query."""
    latest: dict[int, ErpEvent] = {}
    if not item_ids:
        return latest
    events = (
        ErpEvent.objects.filter(item_id__in=item_ids, to_state=ErpState.REJECTED)
        .select_related("actor")
        .order_by("item_id", "-created_at", "-id")
    )
    for event in events:
        latest.setdefault(event.item_id, event)
    return latest


def item_history(item: ErpItem) -> QuerySet[ErpEvent]:
    return item.events.select_related("actor").order_by("created_at", "id")


def last_synced(item: ErpItem) -> ErpEvent | None:
    """The step that last tied the item to QuickBooks' record (QuickBooks' answer, or a link): when it was."""
    return item.events.filter(to_state=ErpState.SYNCED).order_by("-created_at", "-id").first()


# --- Ready to Import: QuickBooks' records that no record here is linked to -----------------------------------

# Each list's records are linked to items of these types (`ErpItem.qb_ref` holds their ListID).
LINKED_TYPES: dict[str, tuple[str, ...]] = {
    AccountingRecord.ListType.VENDOR: ("company",),
    AccountingRecord.ListType.CUSTOMER: ("project", "sub_job"),
    AccountingRecord.ListType.ITEM: ("cost_code",),
    # A job's estimates: our budgets' and prime contracts' own, and one a prime contract was imported from.
    AccountingRecord.ListType.ESTIMATE: ("budget", "prime_contract"),
    AccountingRecord.ListType.EMPLOYEE: ("employee",),
}
# What the approver's Ready to Import offers of each type: the list, and which of its records.
IMPORTABLE: dict[str, tuple[str, Q]] = {
    "company": (AccountingRecord.ListType.VENDOR, Q(is_active=True)),
    # Jobs: customers directly under a customer. Customers without a parent are the parents jobs go under.
    "project": (AccountingRecord.ListType.CUSTOMER, Q(is_active=True, details__sublevel=1)),
    # Cost codes: service items under a division's item, inactive ones too (a refresh of the cost code list
    # adds them all, `services.refresh_cost_codes`).
    "cost_code": (AccountingRecord.ListType.ITEM, Q(details__sublevel=1)),
    # QuickBooks' employees, for the time entries of the people they are.
    "employee": (AccountingRecord.ListType.EMPLOYEE, Q(is_active=True)),
}


def linked_items(list_type: str) -> QuerySet[ErpItem]:
    return ErpItem.objects.filter(object_type__in=LINKED_TYPES.get(list_type, ()), record_deleted_at__isnull=True)


def ready_to_import(
    object_type: str, *, search: str = "", archived: bool = False, book: str | None = None
) -> QuerySet[AccountingRecord]:
    """The current company file's (or `book`'s) records of the type's list that nothing here is linked to, by
    name: what Ready to Import offers (or, `archived`, what a person set aside from it)."""
    book = book or hooks.current_book()
    if book is None or object_type not in IMPORTABLE:
        return AccountingRecord.objects.none()
    list_type, which = IMPORTABLE[object_type]
    records = AccountingRecord.objects.filter(which, book=book, list_type=list_type, archived_at__isnull=not archived)
    records = records.exclude(Exists(linked_items(list_type).filter(qb_ref=OuterRef("external_id"))))
    if search:
        records = records.filter(full_name__icontains=search)
    return records.select_related("archived_by").order_by("full_name", "id")


def ready_to_import_counts() -> dict[str, int]:
    """How many records wait in Ready to Import, per type (one query each)."""
    book = hooks.current_book()
    if book is None:
        return dict.fromkeys(IMPORTABLE, 0)
    return {object_type: ready_to_import(object_type, book=book).count() for object_type in IMPORTABLE}


def linked_record(item: ErpItem) -> AccountingRecord | None:
    """The QuickBooks record an item is linked to, as the current company file's lists last reported it."""
    book = hooks.current_book()
    list_type = next((lt for lt, types in LINKED_TYPES.items() if item.object_type in types), None)
    if not item.qb_ref or book is None or list_type is None:
        return None
    return AccountingRecord.objects.filter(book=book, list_type=list_type, external_id=item.qb_ref).first()


def unlinked_same_name(list_type: str, name: str) -> AccountingRecord | None:
    """A record of the current company file's list with this name (as QuickBooks compares names: ignoring
    case) that nothing here is linked to."""
    book = hooks.current_book()
    if book is None or not name:
        return None
    return (
        AccountingRecord.objects.filter(book=book, list_type=list_type, full_name__iexact=name)
        .exclude(Exists(linked_items(list_type).filter(qb_ref=OuterRef("external_id"))))
        .first()
    )


# Words that say what kind of company it is, not which: "ABC Electric, Inc." is "ABC Electric LLC".
_COMPANY_SUFFIXES = frozenset(
    "inc incorporated llc l l c ltd limited co company corp corporation plc lp llp pllc pc the".split()
)


def normalized_name(name: str) -> str:
    """A company name as people mean it: case, punctuation, "&"/"and" and suffixes like Inc or LLC aside."""
    words = re.sub(r"[^\w\s]", " ", name.lower().replace("&", " and ")).split()
    kept = [word for word in words if word not in _COMPANY_SUFFIXES]
    return " ".join(kept or words)


def _digits(value: str, last: int = 10) -> str:
    digits = "".join(character for character in value if character.isdigit())
    return digits[-last:] if len(digits) >= 7 else ""


@dataclass(frozen=True)
class Suggestion:
    """A directory company that may be the QuickBooks vendor, and why."""

    company: Company
    reasons: tuple[str, ...]

    @property
    def exact(self) -> bool:
        """The same name, ignoring case: what "link all exact matches" links."""
        return "the same name" in self.reasons


def _match_keys(name: str, phone: str, email: str, tax_id: str) -> list[tuple[str, str]]:
    # The exact name first: a company that has it is not also said to match "without Inc, LLC".
    keys = [("exact", name.strip().lower()), ("name", normalized_name(name))]
    if digits := _digits(phone):
        keys.append(("phone", digits))
    if email.strip():
        keys.append(("email", email.strip().lower()))
    if tax := _digits(tax_id, last=9):
        keys.append(("tax id", tax))
    return [(kind, value) for kind, value in keys if value]


_REASONS = {
    "exact": "the same name",
    "name": "the same name without Inc, LLC and punctuation",
    "phone": "the same phone",
    "email": "the same e-mail",
    "tax id": "the same tax id",
}


def company_suggestions(records: list[AccountingRecord]) -> dict[int, list[Suggestion]]:
    """For each QuickBooks vendor, the directory companies not linked to QuickBooks that may be it, best first,
    each with its reasons: two queries, whatever the number of vendors."""
    unlinked = unlinked_records("company")
    index: dict[tuple[str, str], list[Company]] = {}
    for company in unlinked.only("id", "name", "phone", "email", "tax_id", "is_archived", "vendor_type"):
        for key in _match_keys(company.name, company.phone, company.email, company.tax_id):
            index.setdefault(key, []).append(company)
    found: dict[int, list[Suggestion]] = {}
    for record in records:
        details = record.details
        reasons: dict[int, list[str]] = {}
        companies: dict[int, Company] = {}
        keys = _match_keys(
            details.get("name") or record.full_name,
            details.get("phone", ""),
            details.get("email", ""),
            details.get("tax_id", ""),
        )
        for kind, value in keys:
            for company in index.get((kind, value), []):
                companies[company.pk] = company
                reason = _REASONS[kind]
                if kind == "name" and "the same name" in reasons.get(company.pk, []):
                    continue
                reasons.setdefault(company.pk, []).append(reason)
        ranked = sorted(companies.values(), key=lambda c: (-len(reasons[c.pk]), c.name.lower()))
        found[record.pk] = [Suggestion(company, tuple(reasons[company.pk])) for company in ranked[:5]]
    return found


@dataclass(frozen=True)
class Difference:
    """One field as the directory has it and as QuickBooks has it."""

    name: str
    label: str
    directory: str
    quickbooks: str

    @property
    def differs(self) -> bool:
        return self.directory.strip() != self.quickbooks.strip()


# The directory's fields a QuickBooks vendor or job fills, with what the QuickBooks record calls them.
COMPARED_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Name", "name"),
    ("contact_name", "Contact", "contact"),
    ("phone", "Phone", "phone"),
    ("email", "E-mail", "email"),
    ("tax_id", "Tax id", "tax_id"),
    ("address_line1", "Address line 1", "address.addr1"),
    ("address_line2", "Address line 2", "address.addr2"),
    ("city", "City", "address.city"),
    ("state", "State / province", "address.state"),
    ("postal_code", "Postal code", "address.postal_code"),
    ("country", "Country", "address.country"),
)


def quickbooks_values(record: AccountingRecord, fields: tuple[str, ...] | None = None) -> dict[str, str]:
    """The directory's fields as the QuickBooks record fills them."""
    values = {}
    for name, _label, path in COMPARED_FIELDS:
        if fields is not None and name not in fields:
            continue
        value: Any = record.details
        for part in path.split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        values[name] = str(value or (record.full_name.rsplit(":", 1)[-1] if name == "name" else ""))
    return values


def differences(record: Model, accounting_record: AccountingRecord, fields: tuple[str, ...]) -> list[Difference]:
    """The `fields` of a directory record beside the QuickBooks record's, in the page's order."""
    theirs = quickbooks_values(accounting_record, fields)
    labels = {name: label for name, label, _ in COMPARED_FIELDS}
    return [
        Difference(name, labels[name], str(getattr(record, name, "") or ""), theirs[name])
        for name in labels
        if name in fields
    ]


def unlinked_records(object_type: str) -> QuerySet[Any]:
    """The records of a type that are not linked to a QuickBooks record."""
    model = EXPORTABLE_TYPES[object_type].model
    linked = ErpItem.objects.filter(object_type=object_type, object_id=OuterRef("pk")).exclude(qb_ref="")
    return model._default_manager.exclude(Exists(linked))


def project_suggestions(records: list[AccountingRecord]) -> dict[int, list[Project]]:
    """Projects not linked to QuickBooks whose number or job name is the job's: one query."""
    unlinked = unlinked_records("project")
    by_key: dict[str, list[Project]] = {}
    for project in unlinked.only("id", "number", "name"):
        for key in {project.number.lower(), normalized_name(job_name(project))}:
            by_key.setdefault(key, []).append(project)
    found = {}
    for record in records:
        name = record.details.get("name") or record.full_name.rsplit(":", 1)[-1]
        keys = [normalized_name(name), name.split(" ", 1)[0].lower()]
        matches: dict[int, Project] = {}
        for key in keys:
            for project in by_key.get(key, []):
                matches[project.pk] = project
        found[record.pk] = list(matches.values())[:5]
    return found


def archived_companies() -> QuerySet[Company]:
    """The directory companies archived for ERP (their QuickBooks vendor made inactive, or by a person)."""
    return Company.objects.filter(is_archived=True).order_by("name", "id")


# --- QuickBooks' lists to pick from: the current company file's accounts, items and classes ------------------

# The account types each setting may name (QuickBooks' AccountType values).
EXPENSE_ACCOUNT_TYPES = ("Expense", "CostOfGoodsSold", "OtherExpense")
INCOME_ACCOUNT_TYPES = ("Income", "OtherIncome")


@dataclass(frozen=True)
class QuickBooksLists:
    """What the settings page offers from the current company file. A list is None where it was never read
    (the page then keeps a free text input); `classes` maps each class's name to whether it is active."""

    expense_accounts: list[str] | None
    income_accounts: list[str] | None
    retainage_items: list[str] | None
    classes: dict[str, bool] | None


def current_records(list_type: str, book: str | None) -> QuerySet[AccountingRecord]:
    """The records of one list of a company file (none without one)."""
    if book is None:
        return AccountingRecord.objects.none()
    return AccountingRecord.objects.filter(book=book, list_type=list_type)


def lists_read(book: str | None) -> set[str]:
    """The lists of the company file that were read at least once (one query)."""
    if book is None:
        return set()
    return set(AccountingRecord.objects.filter(book=book).order_by().values_list("list_type", flat=True).distinct())


def _names(records: QuerySet[AccountingRecord], longest: int) -> list[str]:
    """The full names of the active records that fit a setting of `longest` characters, by name."""
    names = records.filter(is_active=True).order_by("full_name").values_list("full_name", flat=True)
    return [name for name in names if len(name) <= longest]


def quickbooks_lists(*, longest: int = 31) -> QuickBooksLists:
    """The current company file's expense and income accounts, the items a retainage line can name (service
    items that are no division's parent) and its classes: five queries, whatever the size of the lists."""
    book = hooks.current_book()
    read = lists_read(book)
    accounts = current_records(AccountingRecord.ListType.ACCOUNT, book)
    items = current_records(AccountingRecord.ListType.ITEM, book)
    parents = items.filter(parent_external_id=OuterRef("external_id"))
    accounts_read = AccountingRecord.ListType.ACCOUNT in read
    return QuickBooksLists(
        expense_accounts=_names(accounts.filter(details__account_type__in=EXPENSE_ACCOUNT_TYPES), longest)
        if accounts_read
        else None,
        income_accounts=_names(accounts.filter(details__account_type__in=INCOME_ACCOUNT_TYPES), longest)
        if accounts_read
        else None,
        retainage_items=_names(items.filter(parent_external_id="").exclude(Exists(parents)), longest)
        if AccountingRecord.ListType.ITEM in read
        else None,
        classes=dict(
            current_records(AccountingRecord.ListType.CLASS, book)
            .order_by("full_name")
            .values_list("full_name", "is_active")
        )
        if AccountingRecord.ListType.CLASS in read
        else None,
    )


def customer_names() -> list[str]:
    """The active customers of the current company file that a job's parent can be picked from (not jobs);
    while no company file is the one items go to, those of every file read."""
    book = hooks.current_book()
    customers = AccountingRecord.objects.filter(list_type=AccountingRecord.ListType.CUSTOMER)
    if book is not None:
        customers = customers.filter(book=book)
    return list(
        customers.filter(is_active=True, parent_external_id="")
        .order_by("full_name")
        .values_list("full_name", flat=True)
        .distinct()
    )


# --- the standard cost code list -----------------------------------------------------------------------------


def cost_code_list(
    *, search: str = "", division: int | None = None, cost_type: int | str | None = None
) -> QuerySet[ps.CostCode]:
    """Every standard cost code, with its division, default cost type and workflow state (`erp_state`,
    `qb_ref`; None for a code never sent nor linked), by code: one query, whatever the number of codes.
    `cost_type` "none" keeps the codes without a default cost type."""
    items = ErpItem.objects.filter(content_type=content_type_of(ps.CostCode), object_id=OuterRef("pk"))
    codes = ps.CostCode.objects.select_related("division", "default_cost_type").annotate(
        erp_state=Subquery(items.values("state")[:1]), qb_ref=Subquery(items.values("qb_ref")[:1])
    )
    if search:
        codes = codes.filter(Q(code__icontains=search) | Q(description__icontains=search))
    if division:
        codes = codes.filter(division_id=division)
    if cost_type == "none":
        codes = codes.filter(default_cost_type__isnull=True)
    elif cost_type:
        codes = codes.filter(default_cost_type_id=int(cost_type))
    return codes.order_by("code", "pk")


def project_accounting(project: Project) -> ProjectAccountingSettings:
    """What the project brings back from QuickBooks (nothing, unsaved, when it was never chosen)."""
    return ProjectAccountingSettings.objects.filter(project=project).first() or ProjectAccountingSettings(
        project=project
    )


# --- company files: where each item goes ---------------------------------------------------------------------


def company_file_of(project: Model | None, books: list[hooks.Book] | None = None) -> hooks.Book | None:
    """The company file `project`'s items go to (company-wide records, and projects that chose none, go
    to the default one); None when none is set up, or the chosen one no longer is."""
    books = hooks.books() if books is None else books
    chosen = "" if project is None else _chosen_books([project.pk]).get(project.pk, "")
    return book_named(books, chosen)


def company_file_names(items: list[ErpItem]) -> dict[int, str]:
    """What the approver reads of where each item goes, by item id: the company file's name ("turned off"
    when its connection is). Empty while there is only one file: there is nothing to tell apart."""
    books = hooks.books()
    if len(books) < 2:
        return {}
    chosen = _chosen_books({item.project_id for item in items if item.project_id})
    names = {}
    for item in items:
        book = book_named(books, chosen.get(item.project_id or 0, ""))
        if book is None:
            names[item.pk] = "a company file that is no longer set up"
        else:
            names[item.pk] = book.name if book.is_active else f"{book.name} (turned off)"
    return names


def _chosen_books(project_ids: Any) -> dict[int, str]:
    rows = ProjectAccountingSettings.objects.filter(project_id__in=list(project_ids)).exclude(book="")
    return dict(rows.values_list("project_id", "book"))


def book_named(books: list[hooks.Book], key: str) -> hooks.Book | None:
    if not key:
        return next((book for book in books if book.is_default), None)
    return next((book for book in books if book.key == key), None)


def estimates_to_import(project: Project, *, with_sub_jobs: bool = False) -> list[AccountingRecord] | None:
    """The estimates QuickBooks holds for the project's job that nothing here is linked to (not its budget's,
    not a prime contract's): what its prime contract may be imported from. With `with_sub_jobs`, those of the
    sub-customers its linked sub jobs are too (a budget's lines may be on a sub job). None while the project is
    not linked to its job (it has no estimates to offer yet)."""
    job = ErpItem.objects.filter(object_type="project", object_id=project.pk).exclude(qb_ref="").first()
    book = hooks.current_book()
    if job is None or book is None:
        return None
    customers = {job.qb_ref}
    if with_sub_jobs:
        customers.update(linked_sub_jobs(project))
    linked = linked_items(AccountingRecord.ListType.ESTIMATE).exclude(qb_ref="").values("qb_ref")
    return list(
        AccountingRecord.objects.filter(
            book=book, list_type=AccountingRecord.ListType.ESTIMATE, parent_external_id__in=customers
        )
        .exclude(external_id__in=linked)
        .order_by("-time_modified", "full_name")
    )


def linked_sub_jobs(project: Project) -> dict[str, int]:
    """The QuickBooks ListIDs of the project's sub jobs that are linked to their sub-customer → the sub job."""
    sub_jobs = ps.SubJob.objects.filter(project=project).values("pk")
    return dict(
        ErpItem.objects.filter(object_type="sub_job", object_id__in=sub_jobs, record_deleted_at__isnull=True)
        .exclude(qb_ref="")
        .values_list("qb_ref", "object_id")
    )


# --- notifications ----------------------------------------------------------------------------------------

from django.db.models import F  # noqa: E402 - these imports stay with the selectors that need them

from erp_integrations.models import NotificationPreference  # noqa: E402


def notification_preference(user: Any) -> NotificationPreference:
    """The person's e-mail preferences: the saved row, or the defaults (everything on) while there is none."""
    found = NotificationPreference.objects.filter(user_id=user.pk).first()
    return found if found is not None else NotificationPreference(user_id=user.pk)


@dataclass(frozen=True)
class DigestType:
    """One type of record waiting for acceptance."""

    label: str
    count: int


@dataclass(frozen=True)
class Digest:
    """What the accounting approvers' daily e-mail says: what waits for them, what failed to export."""

    pending_total: int
    pending_by_type: list[DigestType]
    oldest_pending: list[ErpItem]
    failed_total: int
    failed: list[ErpItem]

    def __bool__(self) -> bool:
        return bool(self.pending_total or self.failed_total)


def digest(*, oldest: int = 5, failed: int = 20) -> Digest:
    """The digest's content in three queries, however many items wait: the counts by type and state, the
    oldest pending items and the most recent failures (each capped, so the e-mail stays readable)."""
    counts = list(
        ErpItem.objects.filter(state__in=[ErpState.PENDING, ErpState.FAILED], record_deleted_at__isnull=True)
        .order_by()
        .values_list("state", "object_type")
        .annotate(n=Count("id"))
    )
    by_type = sorted(
        (
            DigestType(EXPORTABLE_TYPES[slug].plural if slug in EXPORTABLE_TYPES else slug, n)
            for state, slug, n in counts
            if state == ErpState.PENDING
        ),
        key=lambda row: (-row.count, row.label),
    )
    pending_total = sum(row.count for row in by_type)
    failed_total = sum(n for state, _, n in counts if state == ErpState.FAILED)
    live = ErpItem.objects.filter(record_deleted_at__isnull=True).only(
        "id", "label", "object_type", "erp_error", "sent_at", "updated_at"
    )
    oldest_first = live.filter(state=ErpState.PENDING).order_by(F("sent_at").asc(nulls_last=True), "id")
    return Digest(
        pending_total=pending_total,
        pending_by_type=by_type,
        oldest_pending=list(oldest_first[:oldest]) if pending_total else [],
        failed_total=failed_total,
        failed=list(live.filter(state=ErpState.FAILED).order_by("-updated_at", "-id")[:failed]) if failed_total else [],
    )
