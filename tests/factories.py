"""factory_boy factories for every record, and a helper to grant tool levels."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model

from access.tools import Level, Tool
from procore_sync import models as ps


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery")


def grant(user: Any, tool: Tool, level: Level, project: ps.Project | None = None, *, push: bool = False) -> Any:
    from access import services

    services.grant(user, tool, level, project)
    if push:
        services.set_push_privilege(user, True)
    return get_user_model().objects.get(pk=user.pk)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.Company

    name = factory.Sequence(lambda n: f"Vendor {n} Inc")
    vendor_type = ps.Company.VendorType.SUBCONTRACTOR
    address_line1 = "100 Main St"
    city = "Springfield"
    state = "IL"
    postal_code = "62701"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.Project

    number = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    owner = factory.SubFactory(CompanyFactory, vendor_type=ps.Company.VendorType.OWNER)


class SubJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.SubJob

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Building {n}")


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.Division
        django_get_or_create = ("code",)

    code = "03"
    name = "Concrete"


class CostCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.CostCode

    code = factory.Sequence(lambda n: f"03-{n:03d}")
    description = factory.Sequence(lambda n: f"Concrete work {n}")
    division = factory.SubFactory(DivisionFactory)


def cost_type(name: str = "Subcontract") -> ps.CostType:
    return ps.CostType.objects.get(name=name)


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.Budget

    project = factory.SubFactory(ProjectFactory)
    is_locked = True


class BudgetLineItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.BudgetLineItem

    budget = factory.SubFactory(BudgetFactory)
    cost_code = factory.SubFactory(CostCodeFactory)
    cost_type = factory.LazyFunction(lambda: cost_type("Labor"))
    original_amount = Decimal("10000.00")


class BudgetModificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.BudgetModification

    budget = factory.SubFactory(BudgetFactory)
    number = factory.Sequence(lambda n: n + 1)
    reason = "Move contingency to concrete"
    date = datetime.date(2026, 3, 1)


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.Commitment

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: f"SC-{n:03d}")
    title = factory.Sequence(lambda n: f"Subcontract {n}")
    vendor = factory.SubFactory(CompanyFactory)
    status = ps.Commitment.Status.APPROVED
    contract_date = datetime.date(2026, 1, 15)


class CommitmentLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.CommitmentLine

    commitment = factory.SubFactory(CommitmentFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    cost_code = factory.SubFactory(CostCodeFactory)
    cost_type = factory.LazyFunction(cost_type)
    description = "Scope of work"
    amount = Decimal("50000.00")


def commitment_with_lines(lines: int = 2, **kwargs: Any) -> ps.Commitment:
    commitment: ps.Commitment = CommitmentFactory.create(**kwargs)
    for number in range(1, lines + 1):
        CommitmentLineFactory(commitment=commitment, line_number=number)
    return commitment


class ChangeOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.CommitmentChangeOrder

    commitment = factory.SubFactory(CommitmentFactory)
    number = factory.Sequence(lambda n: f"{n + 1:03d}")
    title = "Added scope"
    date = datetime.date(2026, 2, 1)
    status = ps.CommitmentChangeOrder.Status.APPROVED


class ChangeOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.CommitmentChangeOrderLine

    change_order = factory.SubFactory(ChangeOrderFactory)
    cost_code = factory.SubFactory(CostCodeFactory)
    cost_type = factory.LazyFunction(cost_type)
    description = "Extra work"
    amount = Decimal("2500.00")


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.SubcontractorInvoice

    commitment = factory.SubFactory(CommitmentFactory)
    number = factory.Sequence(lambda n: f"INV-{n + 1:03d}")
    billing_period_start = datetime.date(2026, 2, 1)
    billing_period_end = datetime.date(2026, 2, 28)
    invoice_date = datetime.date(2026, 3, 1)


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.SubcontractorInvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    work_completed_this_period = Decimal("10000.00")
    retainage_held = Decimal("1000.00")


def invoice_for(
    commitment: ps.Commitment,
    work: Decimal = Decimal("10000.00"),
    retainage: Decimal | None = None,
    **kwargs: Any,
) -> ps.SubcontractorInvoice:
    """An invoice billing `work` on the commitment's first line, with 10 % retainage unless told otherwise."""
    invoice: ps.SubcontractorInvoice = InvoiceFactory.create(commitment=commitment, **kwargs)
    line = commitment.lines.first()
    held = (work / 10).quantize(Decimal("0.01")) if retainage is None else retainage
    InvoiceLineFactory(invoice=invoice, commitment_line=line, work_completed_this_period=work, retainage_held=held)
    return invoice


# --- the owner side -------------------------------------------------------------------------------------------


class PrimeContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.PrimeContract

    project = factory.SubFactory(ProjectFactory)
    owner = factory.LazyAttribute(lambda contract: contract.project.owner)
    number = factory.Sequence(lambda n: f"PC-{n + 1:03d}")
    title = "Construction of the clinic"
    status = ps.PrimeContract.Status.APPROVED
    contract_date = datetime.date(2026, 1, 5)


class PrimeContractLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.PrimeContractLine

    prime_contract = factory.SubFactory(PrimeContractFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    cost_code = factory.SubFactory(CostCodeFactory)
    cost_type = factory.LazyFunction(cost_type)
    description = "Scheduled work"
    amount = Decimal("100000.00")


def prime_contract_with_lines(lines: int = 2, **kwargs: Any) -> ps.PrimeContract:
    contract: ps.PrimeContract = PrimeContractFactory.create(**kwargs)
    for number in range(1, lines + 1):
        PrimeContractLineFactory(prime_contract=contract, line_number=number)
    return contract


class PrimeChangeOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.PrimeContractChangeOrder

    prime_contract = factory.SubFactory(PrimeContractFactory)
    number = factory.Sequence(lambda n: f"{n + 1:03d}")
    title = "Owner-requested change"
    date = datetime.date(2026, 3, 1)
    status = ps.PrimeContractChangeOrder.Status.APPROVED


class OwnerInvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.OwnerInvoice

    prime_contract = factory.SubFactory(PrimeContractFactory)
    number = factory.Sequence(lambda n: f"OI-{n + 1:03d}")
    billing_period_start = datetime.date(2026, 2, 1)
    billing_period_end = datetime.date(2026, 2, 28)
    invoice_date = datetime.date(2026, 3, 1)


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.Employee

    name = factory.Sequence(lambda n: f"Employee {n}")
    default_payroll_item = "Hourly Rate"


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ps.TimeEntry

    employee = factory.SubFactory(EmployeeFactory)
    date = datetime.date(2026, 11, 30)
    project = factory.SubFactory(ProjectFactory)
    cost_code = factory.SubFactory(CostCodeFactory)
    cost_type = factory.LazyFunction(lambda: cost_type("Labor"))
    hours = Decimal("8.00")
    payroll_item = "Hourly Rate"
