"""The sync schedule: how often each subject (vendors, jobs, cost codes, payments, job costs...) of a company
file is read back from QuickBooks, and its quiet window.

The Web Connector polls us, so a schedule cannot run QuickBooks itself: a Celery beat task per scheduled
subject queues its imports for the connection's next session, the same service "Refresh now" calls. Inside
the quiet window the task leaves the subject due, `authenticate` answers a postpone until the window ends,
and the first session after it queues whatever is still due. `authenticate` also tells the Web Connector the
shortest interval the schedule needs (its minimum run-every).

This module is the one writer of `QbSyncSchedule.every`, of the quiet window and of django-celery-beat's
rows (the daily digest's too), so everything beat runs is kept in step from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from access import permissions
from access.permissions import Action
from qbxml import imports
from qbxml.lib.quiet import QuietWindow
from qbxml.models import QbConnection, QbListImport, QbSyncSchedule

Every = QbSyncSchedule.Every


@dataclass(frozen=True)
class Subject:
    name: str
    label: str
    imports: tuple[str, ...]  # the imports (`imports.IMPORTS`) it queues


SUBJECTS: dict[str, Subject] = {
    subject.name: subject
    for subject in [
        Subject("vendors", "Vendors", ("vendors",)),
        Subject("jobs", "Customers and jobs", ("customers",)),
        Subject("cost_codes", "Cost codes (service items)", ("items",)),
        Subject("accounts", "Accounts and classes", ("accounts", "classes")),
        Subject("payments", "Bill payments and payments received", imports.SUBJECTS["payments"]),
        Subject("job_costs", "Job costs", imports.SUBJECTS["job_costs"]),
        Subject("estimates", "Estimates (prime contracts)", imports.SUBJECTS["estimates"]),
        Subject("employees", "Employees and wage payroll items", ("employees", "payroll_items")),
    ]
}
# Whatever else the workflow asks to have read back can be scheduled too.
for _name, _imports in imports.SUBJECTS.items():
    SUBJECTS.setdefault(_name, Subject(_name, _name.replace("_", " ").capitalize(), _imports))
TASK = "qbxml.tasks.run_scheduled_import"
TASK_PREFIX = "qb-sync"
DIGEST_TASK_NAME = "erp-daily-digest"
DIGEST_TASK = "erp_integrations.tasks.send_daily_digest"
WEEKDAYS = (0, 1, 2, 3, 4)


def task_name(connection_id: int, subject: str) -> str:
    return f"{TASK_PREFIX}-{connection_id}-{subject}"


def quiet_window(connection: QbConnection) -> QuietWindow | None:
    return QuietWindow.of(connection.quiet_start, connection.quiet_end, connection.quiet_days, connection.time_zone)


# --- reads ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    """One subject of a connection's schedule, as the settings page and the API show it."""

    subject: Subject
    every: int
    last_queued_at: datetime | None
    last_ran_at: datetime | None  # when its imports last all finished; None if one never did
    waiting: bool  # queued, or being read

    @property
    def name(self) -> str:
        return self.subject.name

    @property
    def every_label(self) -> str:
        return str(Every(self.every).label)

    @property
    def due(self) -> bool:
        """Due by schedule: the next session outside the quiet window reads it."""
        return self.next_due_at is not None and self.next_due_at <= timezone.now()

    @property
    def next_due_at(self) -> datetime | None:
        """When the schedule queues it next (None: never); at once when it was never queued."""
        if self.every == Every.NEVER:
            return None
        if self.last_queued_at is None:
            return timezone.now()
        return self.last_queued_at + timedelta(minutes=self.every)


def schedule_of(connection: QbConnection) -> list[ScheduleRow]:
    """Every subject of the connection's schedule, in two queries."""
    rows = {row.subject: row for row in QbSyncSchedule.objects.filter(connection=connection)}
    runs = {
        run.list_name: run
        for run in QbListImport.objects.filter(connection=connection).only("list_name", "status", "last_finished_at")
    }
    out = []
    for subject in SUBJECTS.values():
        row = rows.get(subject.name)
        finished = [runs[name].last_finished_at if name in runs else None for name in subject.imports]
        out.append(
            ScheduleRow(
                subject=subject,
                every=row.every if row is not None else Every.NEVER,
                last_queued_at=row.last_queued_at if row is not None else None,
                last_ran_at=None if None in finished else min(moment for moment in finished if moment is not None),
                waiting=any(
                    name in runs and runs[name].status in (QbListImport.Status.QUEUED, QbListImport.Status.RUNNING)
                    for name in subject.imports
                ),
            )
        )
    return out


def shortest_every(connection: QbConnection) -> int:
    """The shortest interval, in minutes, of the subjects scheduled (0 when none is)."""
    intervals = QbSyncSchedule.objects.filter(connection=connection, every__gt=0).values_list("every", flat=True)
    return min(intervals, default=0)


def authenticate_tail(connection: QbConnection, now: datetime) -> tuple[int, int]:
    """What authenticate adds to its answer: the seconds to postpone (until the quiet window ends; 0 outside
    it), and the minimum seconds between runs (0: no schedule, the Web Connector keeps its own interval).

    The minimum is the shortest interval scheduled, but never longer than the connection's own run-every
    (its .qwc): accepted items must not wait for the slowest import to go out."""
    window = quiet_window(connection)
    postpone = window.seconds_left(now) if window is not None else 0
    shortest = shortest_every(connection)
    minimum = min(shortest, connection.run_every_minutes or shortest) * 60 if shortest else 0
    return postpone, minimum


def _due(row: QbSyncSchedule, now: datetime) -> bool:
    return row.every > 0 and (row.last_queued_at is None or row.last_queued_at + timedelta(minutes=row.every) <= now)


# --- writes -----------------------------------------------------------------------------------------------------


def schedule_set(
    actor: User,
    connection: QbConnection,
    *,
    every: Mapping[str, int],
    quiet_start: time | None,
    quiet_end: time | None,
    quiet_days: Iterable[int],
) -> list[ScheduleRow]:
    """Set how often each subject named in `every` is read back (the others keep theirs) and the quiet window
    (none when a time is empty), and the beat tasks with them. ERP Integrations admins."""
    permissions.require(actor, Action.CONFIGURE_SETTINGS)
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(every) - set(SUBJECTS))
    if unknown:
        errors["every"] = [f"No subject {', '.join(unknown)} to schedule: use {', '.join(SUBJECTS)}."]
    wrong = sorted(name for name, minutes in every.items() if minutes not in Every.values)
    if wrong:
        choices = ", ".join(f"{value} ({label})" for value, label in Every.choices)
        errors.setdefault("every", []).append(f"Not a frequency for {', '.join(wrong)}: use {choices}.")
    days = sorted(set(quiet_days))
    if any(day not in range(7) for day in days):
        errors["quiet_days"] = ["Days are 0 (Monday) to 6 (Sunday)."]
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end" if quiet_end is None else "quiet_start"] = [
            "A quiet window needs both a start and an end (or neither, for none)."
        ]
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = ["The quiet window must end at another time than it starts."]
    elif quiet_start is not None and not days:
        errors["quiet_days"] = ["Choose the days the quiet window applies on."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        connection = QbConnection.objects.select_for_update().get(pk=connection.pk)
        connection.quiet_start, connection.quiet_end = quiet_start, quiet_end
        connection.quiet_days = days if quiet_start is not None else []
        connection.save(update_fields=["quiet_start", "quiet_end", "quiet_days"])
        for subject, minutes in every.items():
            QbSyncSchedule.objects.update_or_create(connection=connection, subject=subject, defaults={"every": minutes})
        tasks_in_step(connection)
    return schedule_of(connection)


def queue_now(actor: User | None, connection: QbConnection, subjects: Iterable[str]) -> list[str]:
    """Queue the subjects' imports for the connection's next session ("Refresh now", and the schedule when
    `actor` is None). Returns the subjects queued. The imports' own permissions apply to the actor."""
    names = list(dict.fromkeys(subjects))
    unknown = [name for name in names if name not in SUBJECTS]
    if unknown:
        raise ValidationError({"subjects": [f"No subject {', '.join(unknown)}: use {', '.join(SUBJECTS)}."]})
    now = timezone.now()
    with transaction.atomic():
        imports.refresh(actor, connection, [name for subject in names for name in SUBJECTS[subject].imports])
        for subject in names:
            QbSyncSchedule.objects.update_or_create(
                connection=connection, subject=subject, defaults={"last_queued_at": now}
            )
    return names


def run_scheduled(connection_id: int, subject: str, now: datetime | None = None) -> str:
    """What the beat task of a subject does: "queued", "quiet" (inside the quiet window: left due, the first
    session after it queues it) or "off" (no longer scheduled, or the connection is gone or inactive)."""
    now = now or timezone.now()
    row = QbSyncSchedule.objects.select_related("connection").filter(connection_id=connection_id, subject=subject)
    schedule = row.first()
    if schedule is None or schedule.every == Every.NEVER or not schedule.connection.is_active:
        return "off"
    window = quiet_window(schedule.connection)
    if window is not None and window.ends_after(now) is not None:
        return "quiet"
    queue_now(None, schedule.connection, [subject])
    return "queued"


def queue_due(connection: QbConnection, now: datetime) -> list[str]:
    """Queue every subject of the connection whose interval has passed since it was last queued (the quiet
    window, or a beat that was down, left it due). Returns the subjects queued."""
    due = [row.subject for row in QbSyncSchedule.objects.filter(connection=connection) if _due(row, now)]
    return queue_now(None, connection, [subject for subject in due if subject in SUBJECTS]) if due else []


def tasks_in_step(connection: QbConnection) -> None:
    """Make the connection's beat tasks say what its schedule says: one per scheduled subject, every so many
    minutes from when it was last queued; none for a subject never read by schedule."""
    rows = {row.subject: row for row in QbSyncSchedule.objects.filter(connection=connection, every__gt=0)}
    keep = []
    for subject, row in rows.items():
        if subject not in SUBJECTS:
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=row.every, period=IntervalSchedule.MINUTES)
        name = task_name(connection.pk, subject)
        _put_task(
            name,
            task=TASK,
            args=[connection.pk, subject],
            enabled=connection.is_active,
            description=f"Reads {SUBJECTS[subject].label.lower()} of {connection.name} back in its next session.",
            # Beat's clock starts where ours does: a subject never queued is due at once.
            start_from=row.last_queued_at or timezone.now() - timedelta(minutes=row.every),
            interval=interval,
        )
        keep.append(name)
    PeriodicTask.objects.filter(name__startswith=f"{task_name(connection.pk, '')}").exclude(name__in=keep).delete()


def digest_in_step() -> PeriodicTask:
    """The accounting approvers' daily digest at DAILY_DIGEST_HOUR of TIME_ZONE."""
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour=str(settings.DAILY_DIGEST_HOUR),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    return _put_task(
        DIGEST_TASK_NAME,
        task=DIGEST_TASK,
        args=[],
        crontab=crontab,
        enabled=True,
        description="The accounting approvers' daily summary (DAILY_DIGEST_HOUR).",
    )


def beat_in_step() -> None:
    """Every beat row as the settings and schedules say (run at each migrate and beat start): the digest,
    each connection's subjects, and no task of a connection deleted since."""
    with transaction.atomic():
        digest_in_step()
        connections = list(QbConnection.objects.all())
        for connection in connections:
            tasks_in_step(connection)
        ours = [task_name(connection.pk, "") for connection in connections]
        for task in PeriodicTask.objects.filter(name__startswith=f"{TASK_PREFIX}-"):
            if not any(task.name.startswith(prefix) for prefix in ours):
                task.delete()


def _put_task(
    name: str,
    *,
    task: str,
    args: list[Any],
    enabled: bool,
    description: str,
    start_from: datetime | None = None,
    **schedule: Any,
) -> PeriodicTask:
    """Create or change one beat task (`schedule`: its interval or its crontab), counting from `start_from`
    when it is new or its schedule changed. Saved, not updated in bulk, so that a running beat sees it."""
    fields: dict[str, Any] = {"task": task, "args": json.dumps(args), "enabled": enabled, "description": description}
    # A task has exactly one kind of schedule.
    fields.update({"interval": None, "crontab": None, **schedule})
    existing = PeriodicTask.objects.filter(name=name).first()
    if existing is None:
        return PeriodicTask.objects.create(name=name, last_run_at=start_from, **fields)
    changed = {key: value for key, value in fields.items() if getattr(existing, key) != value}
    if start_from is not None and ({"interval", "crontab"} & set(changed) or existing.last_run_at is None):
        changed["last_run_at"] = start_from
    if changed:
        for key, value in changed.items():
            setattr(existing, key, value)
        existing.save()
    return existing
