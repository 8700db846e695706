"""A sub job (a building, a phase of a project), which QuickBooks keeps as a sub-customer of the project's job,
or of another sub job: "Owner:P-100 Tower:Building A:Level 2"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from django.db.models import Model

from erp_integrations import hooks
from erp_integrations.exportables.base import ADDRESS_FIELDS, Exportable, Problem, address, address_payload, text
from erp_integrations.exportables.project import job_name
from erp_integrations.models import AccountingRecord, ErpItem
from procore_sync import models as ps
from qbxml.lib import limits


class SubJobPayload(TypedDict):
    name: str
    path: str  # its name under its parents, below the job: "Building A:Level 2"
    job_name: str  # the project's job
    description: str
    is_active: bool
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    country: str


def payload(sub_job: ps.SubJob) -> SubJobPayload:
    return SubJobPayload(
        name=sub_job.name,
        path=sub_job.path,
        job_name=job_name(sub_job.project),
        description=sub_job.description,
        is_active=sub_job.is_active,
        **address_payload(sub_job),
    )


# What a line's payload reads along to name its sub job's path without a query per line.
SUB_JOB_PATH = ("sub_job__parent__parent",)


def path_of(sub_job: ps.SubJob | None) -> str:
    """A line's sub job as its payload names it: its path below the job ("Building A:Level 2"), "" for none."""
    return sub_job.path if sub_job is not None else ""


def sub_jobs_named(lines: Iterable[Any]) -> list[ps.SubJob]:
    """The sub jobs some lines name (each once), for what a record depends on."""
    found: dict[int, ps.SubJob] = {}
    for line in lines:
        sub_job = line.sub_job
        if sub_job is not None:
            found.setdefault(sub_job.pk, sub_job)
    return list(found.values())


def describe(sub_job: ps.SubJob) -> str:
    return f"{job_name(sub_job.project)}:{sub_job.path}"


def job_full_name(project: ps.Project) -> str:
    """The QuickBooks full name of the project's job ("Customer:Job"): as the project was accepted, as it is
    linked to QuickBooks' job, or, before either, as accepting it as it stands would name it."""
    item = (
        ErpItem.objects.filter(object_type="project", object_id=project.pk)
        .values("accept_options", "sent_payload", "qb_ref")
        .first()
    )
    options, sent, qb_ref = (
        (item["accept_options"] or {}, item["sent_payload"] or {}, item["qb_ref"]) if item else ({}, {}, "")
    )
    if sent.get("job_name") and options.get("parent_customer"):
        return f"{options['parent_customer']}:{sent['job_name']}"
    if qb_ref:
        linked = AccountingRecord.objects.filter(
            book=hooks.current_book(), list_type=AccountingRecord.ListType.CUSTOMER, external_id=qb_ref
        ).first()
        if linked is not None:
            return linked.full_name
    parent = options.get("parent_customer") or (project.owner.name if project.owner else "")
    return ":".join(part for part in (parent, job_name(project)) if part)


def accept_options(sub_job: ps.SubJob, given: Mapping[str, Any]) -> dict[str, Any]:
    """The job it goes under in QuickBooks, as accepted: its requests and the look-up of a lost answer name
    it from this, whatever becomes of the project afterwards (until the sub job is accepted again)."""
    return {"job_full_name": job_full_name(sub_job.project)}


def problems(sub_job: ps.SubJob) -> list[Problem]:
    found: list[Problem] = []
    text(found, "name", "The sub job name", sub_job.name, limits.CUSTOMER_NAME, list_name=True)
    if sub_job.depth > ps.SubJob.MAX_DEPTH:
        found.append(
            Problem(
                "parent",
                f"{sub_job.path} is {sub_job.depth} levels under the job: QuickBooks nests sub jobs "
                f"{ps.SubJob.MAX_DEPTH} levels deep, no more.",
            )
        )
    full_name = f"{job_full_name(sub_job.project)}:{sub_job.path}"
    if len(full_name) > limits.CUSTOMER_FULL_NAME:
        found.append(
            Problem(
                "name",
                f"The QuickBooks full name {full_name} is {len(full_name)} characters long; QuickBooks allows at most "
                f"{limits.CUSTOMER_FULL_NAME} for a customer, its jobs and sub jobs together. Shorten this name or "
                "those above it.",
            )
        )
    text(found, "description", "The description", sub_job.description, limits.JOB_DESC)
    address(found, sub_job)
    return found


def dependencies(sub_job: ps.SubJob) -> list[Model]:
    """Its project's job, and the sub job it is under: QuickBooks needs the parent first."""
    return [sub_job.project, *([sub_job.parent] if sub_job.parent is not None else [])]


EXPORTABLE = Exportable[ps.SubJob](
    slug="sub_job",
    plural="Sub Jobs",
    order=15,
    payload_type=SubJobPayload,
    payload=payload,
    problems=problems,
    describe=describe,
    locked_fields=("project", "parent", "name", "description", "is_active", *ADDRESS_FIELDS),
    dependencies=dependencies,
    accept_options=accept_options,
)
