"""A project, which QuickBooks keeps as a job: a sub-customer of the customer the approver picks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from erp_integrations.errors import AcceptOptionsInvalid
from erp_integrations.exportables.base import ADDRESS_FIELDS, Exportable, Problem, address, address_payload, text
from procore_sync import models as ps
from qbxml.lib import limits
from qbxml.lib.text import text_problems


class ProjectPayload(TypedDict):
    job_name: str
    number: str
    name: str
    owner: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    country: str


def job_name(project: ps.Project) -> str:
    """The QuickBooks job name of a project: its number and name, as accountants look jobs up (a project
    added from a job whose name has no number carries that name as both, and keeps it as it was)."""
    if project.number == project.name:
        return project.name
    return f"{project.number} {project.name}".strip()


def payload(project: ps.Project) -> ProjectPayload:
    return ProjectPayload(
        job_name=job_name(project),
        number=project.number,
        name=project.name,
        owner=project.owner.name if project.owner else "",
        **address_payload(project),
    )


def problems(project: ps.Project) -> list[Problem]:
    found: list[Problem] = []
    text(
        found,
        "name",
        "The QuickBooks job name (project number and name)",
        job_name(project),
        limits.CUSTOMER_NAME,
        list_name=True,
    )
    address(found, project)
    return found


def accept_initial(project: ps.Project) -> dict[str, Any]:
    return {"parent_customer": project.owner.name if project.owner else ""}


def accept_options(project: ps.Project, given: Mapping[str, Any]) -> dict[str, Any]:
    """The QuickBooks customer the job goes under: as the approver chose it, else the project's owner."""
    parent = str(given.get("parent_customer") or "").strip() or accept_initial(project)["parent_customer"]
    if not parent:
        raise AcceptOptionsInvalid(
            "Choose the QuickBooks customer this job belongs to (parent_customer): the project has no owner.",
            "parent_customer",
        )
    refused = text_problems("The parent customer", parent, limits.CUSTOMER_NAME, list_name=True)
    if refused:
        raise AcceptOptionsInvalid(" ".join(refused), "parent_customer")
    return {"parent_customer": parent}


EXPORTABLE = Exportable[ps.Project](
    slug="project",
    plural="Projects/Jobs",
    order=10,
    payload_type=ProjectPayload,
    payload=payload,
    problems=problems,
    describe=job_name,
    locked_fields=("name", "number", "owner", *ADDRESS_FIELDS),
    accept_fields=("parent_customer",),
    accept_options=accept_options,
    accept_initial=accept_initial,
)
