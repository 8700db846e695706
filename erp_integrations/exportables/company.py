"""A directory company, which QuickBooks keeps as a vendor."""

from __future__ import annotations

from typing import TypedDict

from erp_integrations.exportables.base import ADDRESS_FIELDS, Exportable, Problem, address, address_payload, text
from procore_sync import models as ps
from qbxml.lib import limits


class CompanyPayload(TypedDict):
    name: str
    contact_name: str
    phone: str
    email: str
    tax_id: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    country: str


def payload(company: ps.Company) -> CompanyPayload:
    return CompanyPayload(
        name=company.name,
        contact_name=company.contact_name,
        phone=company.phone,
        email=company.email,
        tax_id=company.tax_id,
        **address_payload(company),
    )


def problems(company: ps.Company) -> list[Problem]:
    found: list[Problem] = []
    text(found, "name", "The company name", company.name, limits.VENDOR_NAME, list_name=True)
    address(found, company)
    text(found, "contact_name", "The contact name", company.contact_name, limits.CONTACT_NAME)
    text(found, "phone", "The phone number", company.phone, limits.PHONE)
    text(found, "tax_id", "The tax id", company.tax_id, limits.VENDOR_TAX_IDENT)
    if company.is_archived:
        found.append(Problem("is_archived", "The company is archived: restore it before sending it."))
    if company.vendor_type == ps.Company.VendorType.OWNER:
        found.append(
            Problem(
                "vendor_type",
                "An owner is a customer in QuickBooks, not a vendor: it reaches QuickBooks as the parent customer "
                "of its projects' jobs. Send the project instead.",
            )
        )
    return found


EXPORTABLE = Exportable[ps.Company](
    slug="company",
    plural="Companies/Vendors",
    order=20,
    payload_type=CompanyPayload,
    payload=payload,
    problems=problems,
    describe=lambda company: company.name,
    locked_fields=("name", "contact_name", "phone", "email", "tax_id", *ADDRESS_FIELDS),
)
