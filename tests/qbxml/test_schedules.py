"""The sync schedule: per connection and subject, how often QuickBooks' records are read back, a quiet window
when the Web Connector is told to wait, and the Celery beat tasks kept in step with both."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from access.tools import Level, Tool
from qbxml import schedules, services, tasks
from qbxml.lib.quiet import QuietWindow
from qbxml.models import QbConnection, QbListImport, QbSession, QbSyncSchedule
from tests.factories import UserFactory, grant
from tests.qbxml.conftest import PASSWORD

pytestmark = pytest.mark.django_db

Every = QbSyncSchedule.Every
WEEKDAYS = [0, 1, 2, 3, 4]
NEVER_ALL = {name: Every.NEVER for name in schedules.SUBJECTS}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def set_schedule(actor, connection, *, every=None, start=None, end=None, days=WEEKDAYS):  # type: ignore[no-untyped-def]
    return schedules.schedule_set(
        actor, connection, every=every or {}, quiet_start=start, quiet_end=end, quiet_days=days
    )


def queued_lists(connection: QbConnection) -> set[str]:
    return set(
        QbListImport.objects.filter(connection=connection, status=QbListImport.Status.QUEUED).values_list(
            "list_name", flat=True
        )
    )


# --- the quiet window, on the clock of the QuickBooks machine -----------------------------------------------


NEW_YORK = "America/New_York"


def test_a_window_past_midnight_holds_from_its_start_day_into_the_next_morning():
    window = QuietWindow.of(time(22), time(6), [0, 1, 2, 3, 4], "UTC")
    assert window is not None and window.wraps
    # Friday 2026-12-04 22:00 starts a window that ends Saturday 06:00.
    assert window.ends_after(utc(2026, 12, 4, 21, 59, 59)) is None
    assert window.ends_after(utc(2026, 12, 4, 22)) == utc(2026, 12, 5, 6)
    assert window.seconds_left(utc(2026, 12, 5, 5, 59, 30)) == 30
    assert window.ends_after(utc(2026, 12, 5, 6)) is None, "the end is outside the window"
    # No window starts on Saturday: Saturday night is free.
    assert window.ends_after(utc(2026, 12, 5, 23)) is None
    # Sunday starts none either, so Monday 03:00 is free; Monday 22:00 starts one.
    assert window.ends_after(utc(2026, 12, 7, 3)) is None
    assert window.ends_after(utc(2026, 12, 7, 23)) == utc(2026, 12, 8, 6)


def test_a_window_within_the_day_ends_the_same_day():
    window = QuietWindow.of(time(8), time(17, 30), range(7), "UTC")
    assert window is not None and not window.wraps
    assert window.ends_after(utc(2026, 12, 6, 7, 59)) is None
    assert window.seconds_left(utc(2026, 12, 6, 8)) == 9 * 3600 + 30 * 60
    assert window.ends_after(utc(2026, 12, 6, 17, 30)) is None
    assert window.describe() == "08:00 to 17:30, every day, UTC"


def test_the_window_is_read_in_the_connections_time_zone_across_the_spring_change():
    # New York moves from EST (UTC-5) to EDT (UTC-4) at 02:00 on Sunday 2026-03-08: the night from Saturday
    # 22:00 to Sunday 06:00 lasts 7 hours, not 8.
    window = QuietWindow.of(time(22), time(6), range(7), NEW_YORK)
    assert window is not None
    saturday_23_00 = utc(2026, 3, 8, 4)  # 23:00 EST
    assert window.ends_after(saturday_23_00) == utc(2026, 3, 8, 10), "06:00 EDT"
    assert window.seconds_left(saturday_23_00) == 6 * 3600, "7 hours on the clock, 6 of them elapse"
    assert window.ends_after(utc(2026, 3, 8, 2, 59)) is None, "21:59 EST is before it"


def test_the_window_is_read_in_the_connections_time_zone_across_the_autumn_change():
    # Back from EDT to EST at 02:00 on Sunday 2026-11-01: that night is an hour longer.
    window = QuietWindow.of(time(22), time(6), range(7), NEW_YORK)
    assert window is not None
    saturday_22_00 = utc(2026, 11, 1, 2)  # 22:00 EDT
    assert window.ends_after(saturday_22_00) == utc(2026, 11, 1, 11), "06:00 EST"
    assert window.seconds_left(saturday_22_00) == 9 * 3600


def test_no_window_without_both_times_or_without_a_day():
    assert QuietWindow.of(None, time(6), range(7), "UTC") is None
    assert QuietWindow.of(time(22), None, range(7), "UTC") is None
    assert QuietWindow.of(time(22), time(6), [], "UTC") is None


def test_every_import_can_be_scheduled():
    from qbxml import imports

    scheduled = {name for subject in schedules.SUBJECTS.values() for name in subject.imports}
    assert scheduled == set(imports.IMPORTS)
    assert set(imports.SUBJECTS) <= set(schedules.SUBJECTS), "what the workflow reads back is a subject too"


# --- setting the schedule: the model and the beat tasks in step ------------------------------------------


def test_setting_a_schedule_keeps_one_beat_task_per_scheduled_subject(erp_admin, connection):
    set_schedule(erp_admin, connection, every={"vendors": Every.HOURLY, "job_costs": Every.FOUR_HOURS})

    tasks_by_name = {task.name: task for task in PeriodicTask.objects.filter(name__startswith="qb-sync-")}
    assert set(tasks_by_name) == {f"qb-sync-{connection.pk}-vendors", f"qb-sync-{connection.pk}-job_costs"}
    vendors = tasks_by_name[f"qb-sync-{connection.pk}-vendors"]
    assert vendors.task == tasks.run_scheduled_import.name
    assert json.loads(vendors.args) == [connection.pk, "vendors"]
    assert (vendors.interval.every, vendors.interval.period) == (60, "minutes")
    assert vendors.enabled
    assert vendors.last_run_at is not None and vendors.last_run_at <= timezone.now() - timedelta(minutes=59), (
        "never queued: due at once"
    )

    set_schedule(erp_admin, connection, every={"vendors": Every.DAILY, "job_costs": Every.NEVER})

    (task,) = PeriodicTask.objects.filter(name__startswith="qb-sync-")
    assert task.name == f"qb-sync-{connection.pk}-vendors"
    assert (task.interval.every, task.interval.period) == (1440, "minutes")


def test_subjects_left_out_keep_their_frequency(erp_admin, connection):
    set_schedule(erp_admin, connection, every={"vendors": Every.HOURLY})
    set_schedule(erp_admin, connection, every={"jobs": Every.TWO_HOURS})

    rows = {row.name: row.every for row in schedules.schedule_of(connection)}
    assert rows["vendors"] == Every.HOURLY and rows["jobs"] == Every.TWO_HOURS
    assert rows["cost_codes"] == Every.NEVER


def test_the_schedule_is_for_erp_integrations_admins(approver, connection):
    with pytest.raises(PermissionDenied):
        set_schedule(approver, connection, every={"vendors": Every.HOURLY})
    assert not QbSyncSchedule.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"every": {"payroll": Every.HOURLY}}, "every"),
        ({"every": {"vendors": 30}}, "every"),
        ({"start": time(22)}, "quiet_end"),
        ({"start": time(22), "end": time(22)}, "quiet_end"),
        ({"start": time(22), "end": time(6), "days": []}, "quiet_days"),
        ({"start": time(22), "end": time(6), "days": [7]}, "quiet_days"),
    ],
)
def test_a_wrong_schedule_is_refused_with_the_reason(erp_admin, connection, changes, field):
    with pytest.raises(ValidationError) as refused:
        set_schedule(erp_admin, connection, **changes)
    assert field in refused.value.message_dict
    connection.refresh_from_db()
    assert connection.quiet_start is None


def test_deleting_a_connection_leaves_no_beat_task_behind(erp_admin, connection):
    set_schedule(erp_admin, connection, every={"vendors": Every.HOURLY})
    QbConnection.objects.filter(pk=connection.pk).delete()

    schedules.beat_in_step()

    assert not PeriodicTask.objects.filter(name__startswith="qb-sync-").exists()


def test_an_inactive_connections_tasks_are_kept_but_off(erp_admin, connection):
    set_schedule(erp_admin, connection, every={"vendors": Every.HOURLY})
    QbConnection.objects.filter(pk=connection.pk).update(is_active=False)

    schedules.beat_in_step()

    assert PeriodicTask.objects.get(name=f"qb-sync-{connection.pk}-vendors").enabled is False


# --- the daily digest is a beat task like the rest ---------------------------------------------------------


def test_the_digest_is_a_beat_task_at_the_hour_set(settings):
    settings.DAILY_DIGEST_HOUR = 18
    settings.TIME_ZONE = "America/Chicago"

    schedules.beat_in_step()
    schedules.beat_in_step()

    (digest,) = PeriodicTask.objects.filter(name=schedules.DIGEST_TASK_NAME)
    assert digest.task == "erp_integrations.tasks.send_daily_digest"
    assert (digest.crontab.minute, digest.crontab.hour) == ("0", "18")
    assert str(digest.crontab.timezone) == "America/Chicago"
    assert digest.interval is None

    settings.DAILY_DIGEST_HOUR = 6
    schedules.beat_in_step()
    digest.refresh_from_db()
    assert digest.crontab.hour == "6"


def test_beat_reads_its_tasks_from_the_database(settings):
    from config.celery import app

    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert "erp-daily-digest" not in (app.conf.beat_schedule or {}), "no second copy outside the database"


# --- the beat task and Refresh now: one service ----------------------------------------------------------


def test_the_beat_task_queues_the_subjects_imports_for_the_next_session(erp_admin, connection):
    set_schedule(erp_admin, connection, every={"job_costs": Every.HOURLY})

    assert tasks.run_scheduled_import.delay(connection.pk, "job_costs").get() == "queued"

    assert queued_lists(connection) == set(schedules.SUBJECTS["job_costs"].imports)
    row = next(row for row in schedules.schedule_of(connection) if row.name == "job_costs")
    assert row.waiting
    assert row.last_queued_at is not None
    assert row.next_due_at == row.last_queued_at + timedelta(hours=1)


def test_the_beat_task_does_nothing_for_a_subject_no_longer_scheduled(erp_admin, connection):
    set_schedule(erp_admin, connection, every={"vendors": Every.NEVER})

    assert schedules.run_scheduled(connection.pk, "vendors") == "off"
    assert queued_lists(connection) == set()


def test_inside_the_quiet_window_the_beat_task_leaves_it_due(erp_admin, connection):
    set_schedule(erp_admin, connection, every={"vendors": Every.HOURLY}, start=time(0), end=time(23, 59), days=range(7))

    assert schedules.run_scheduled(connection.pk, "vendors") == "quiet"

    assert queued_lists(connection) == set()
    row = QbSyncSchedule.objects.get(connection=connection, subject="vendors")
    assert row.last_queued_at is None, "still due"


def test_refresh_now_queues_what_the_schedule_would(erp_admin, connection):
    queued = schedules.queue_now(erp_admin, connection, ["vendors", "cost_codes"])

    assert queued == ["vendors", "cost_codes"]
    assert queued_lists(connection) == {"vendors", "items"}
    assert not PeriodicTask.objects.filter(name__startswith="qb-sync-").exists(), "a refresh schedules nothing"


def test_refresh_now_needs_the_imports_permissions(approver, connection):
    with pytest.raises(PermissionDenied):
        schedules.queue_now(approver, connection, ["vendors"])
    assert queued_lists(connection) == set()


# --- authenticate follows the schedule -----------------------------------------------------------------------


def test_without_a_schedule_authenticate_answers_as_before(connection):
    ticket, instruction, *rest = services.authenticate("qbuser", PASSWORD)
    assert ticket and instruction == "none" and rest == []


def test_inside_the_quiet_window_authenticate_postpones_until_it_ends(erp_admin, connection, monkeypatch):
    connection.time_zone = NEW_YORK
    connection.save(update_fields=["time_zone"])
    set_schedule(erp_admin, connection, every={"vendors": Every.HOURLY}, start=time(22), end=time(6), days=range(7))
    schedules.queue_now(erp_admin, connection, ["vendors"])
    monkeypatch.setattr(timezone, "now", lambda: utc(2026, 3, 8, 4))  # Saturday 23:00 EST, the spring night

    ticket, instruction, postpone, run_every = services.authenticate("qbuser", PASSWORD)

    assert ticket and instruction == "none", "nothing is sent, though vendors wait"
    assert postpone == str(6 * 3600)
    assert run_every == "3600"
    assert queued_lists(connection) == {"vendors"}, "still waiting for the end of the window"
    session = QbSession.objects.get(connection=connection)
    assert session.status == QbSession.Status.CLOSED
    assert session.summary == "Quiet window: nothing is sent before 2026-03-08 06:00 (America/New_York)."


def test_outside_the_quiet_window_the_first_session_queues_what_the_window_left_due(erp_admin, connection):
    set_schedule(erp_admin, connection, every={"vendors": Every.HOURLY, "jobs": Every.DAILY})
    QbSyncSchedule.objects.filter(subject="jobs").update(last_queued_at=timezone.now() - timedelta(hours=2))

    ticket, instruction, postpone, run_every = services.authenticate("qbuser", PASSWORD)

    assert ticket and instruction == "", "vendors are due: the session reads them"
    assert (postpone, run_every) == ("0", "3600")
    assert queued_lists(connection) == {"vendors"}, "jobs were read 2 hours ago, daily"


def test_the_minimum_run_every_is_the_shortest_interval_scheduled_within_the_connections_own(erp_admin, connection):
    connection.run_every_minutes = 240
    connection.save(update_fields=["run_every_minutes"])
    set_schedule(erp_admin, connection, every={"vendors": Every.DAILY, "job_costs": Every.TWO_HOURS})
    assert schedules.authenticate_tail(connection, timezone.now()) == (0, 7200)

    set_schedule(erp_admin, connection, every={"job_costs": Every.NEVER})
    assert schedules.authenticate_tail(connection, timezone.now()) == (0, 240 * 60), "no longer than its .qwc"


def test_a_connection_with_everything_never_is_answered_without_a_schedule(erp_admin, connection):
    set_schedule(erp_admin, connection, every=NEVER_ALL)

    ticket, instruction, *rest = services.authenticate("qbuser", PASSWORD)

    assert ticket and instruction == "none" and rest == []
    assert not PeriodicTask.objects.filter(name__startswith="qb-sync-").exists()
    assert all(row.next_due_at is None for row in schedules.schedule_of(connection))


# --- the settings page ---------------------------------------------------------------------------------------


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_settings_page_shows_each_connections_schedule(erp_admin, connection):
    set_schedule(erp_admin, connection, every={"vendors": Every.TWO_HOURS}, start=time(7), end=time(18))

    page = signed_in(erp_admin).get("/erp/settings/").content.decode()

    assert f'id="sync-schedule-{connection.pk}"' in page
    assert "Quiet: 07:00 to 18:00, Monday to Friday, UTC." in page
    assert '<tr data-subject="vendors" data-every="120">' in page
    assert page.count('<option value="120" selected>Every 2 hours</option>') == 1
    assert page.count("Refresh now<span") == len(schedules.SUBJECTS)
    assert "Refresh all" in page


def test_the_settings_page_saves_the_schedule(erp_admin, connection):
    prefix = f"schedule-{connection.pk}"
    form = {f"{prefix}-every_{name}": "0" for name in schedules.SUBJECTS}
    form.update(
        {
            f"{prefix}-every_job_costs": "240",
            f"{prefix}-quiet_start": "18:00",
            f"{prefix}-quiet_end": "07:00",
            f"{prefix}-quiet_days": ["0", "1", "2", "3", "4"],
        }
    )
    response = signed_in(erp_admin).post(f"/erp/connections/{connection.pk}/schedule/", form, follow=True)

    assert response.redirect_chain[-1][0] == f"/erp/settings/#sync-schedule-{connection.pk}"
    assert f"The sync schedule of {connection.name} is saved." in response.content.decode()
    connection.refresh_from_db()
    assert (connection.quiet_start, connection.quiet_end, connection.quiet_days) == (time(18), time(7), WEEKDAYS)
    assert PeriodicTask.objects.filter(name=f"qb-sync-{connection.pk}-job_costs").exists()


def test_the_settings_page_says_why_a_schedule_was_not_saved(erp_admin, connection):
    prefix = f"schedule-{connection.pk}"
    form = {f"{prefix}-every_{name}": "0" for name in schedules.SUBJECTS}
    form[f"{prefix}-quiet_start"] = "18:00"
    response = signed_in(erp_admin).post(f"/erp/connections/{connection.pk}/schedule/", form, follow=True)

    assert "was not saved: A quiet window needs both a start and an end" in response.content.decode()


def test_refresh_now_on_the_page_queues_and_says_so(erp_admin, connection):
    response = signed_in(erp_admin).post(
        f"/erp/connections/{connection.pk}/refresh-now/", {"subjects": ["payments"]}, follow=True
    )

    text = response.content.decode()
    assert "Queued for the next Web Connector session of Main company: bill payments and payments received." in text
    assert queued_lists(connection) == set(schedules.SUBJECTS["payments"].imports)


def test_the_schedule_pages_are_for_erp_integrations_admins(approver, connection):
    client = signed_in(approver)
    assert client.post(f"/erp/connections/{connection.pk}/schedule/", {}).status_code == 403
    assert client.post(f"/erp/connections/{connection.pk}/refresh-now/", {"subjects": ["vendors"]}).status_code == 403


# --- the API ----------------------------------------------------------------------------------------------


def api_as(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_reads_and_sets_the_schedule(erp_admin, connection):
    url = f"/api/v1/qbxml/connections/{connection.pk}/schedule/"
    api = api_as(erp_admin)

    body = {"every": {"vendors": 120}, "quiet_start": "22:00", "quiet_end": "05:30", "quiet_days": [5, 6]}
    changed = api.put(url, body, format="json")

    assert changed.status_code == 200, changed.content
    assert changed.json()["quiet_window"] == "22:00 to 05:30 (past midnight), Saturday, Sunday, UTC"
    read = api.get(url).json()
    vendors = next(row for row in read["subjects"] if row["subject"] == "vendors")
    assert (vendors["every"], vendors["every_label"]) == (120, "Every 2 hours")
    assert read["quiet_days"] == [5, 6]
    assert [row["subject"] for row in read["subjects"]] == list(schedules.SUBJECTS)


def test_the_api_refuses_a_wrong_schedule_and_a_reader(erp_admin, approver, connection):
    url = f"/api/v1/qbxml/connections/{connection.pk}/schedule/"
    wrong = api_as(erp_admin).put(url, {"every": {"vendors": 30}}, format="json")
    assert wrong.status_code == 400
    assert api_as(approver).get(url).status_code == 403


def test_the_api_refreshes_now(erp_admin, connection):
    url = f"/api/v1/qbxml/connections/{connection.pk}/refresh/"

    answer = api_as(erp_admin).post(url, {"subjects": ["jobs"]}, format="json")

    assert answer.status_code == 202
    assert queued_lists(connection) == {"customers"}
    jobs = next(row for row in answer.json()["subjects"] if row["subject"] == "jobs")
    assert jobs["waiting"] is True and jobs["last_queued_at"] is not None


def test_the_api_refreshes_everything_by_default(erp_admin, connection):
    api_as(erp_admin).post(f"/api/v1/qbxml/connections/{connection.pk}/refresh/", {}, format="json")
    expected = {name for subject in schedules.SUBJECTS.values() for name in subject.imports}
    assert queued_lists(connection) == expected


def test_a_stranger_cannot_refresh(connection):
    stranger = UserFactory(username="stranger")
    grant(stranger, Tool.ERP_INTEGRATIONS, Level.READ_ONLY)
    answer = api_as(stranger).post(f"/api/v1/qbxml/connections/{connection.pk}/refresh/", {}, format="json")
    assert answer.status_code == 403
    assert queued_lists(connection) == set()


def test_refresh_now_inside_the_quiet_window_says_when_the_work_starts(erp_admin, connection):
    set_schedule(erp_admin, connection, start=time(0), end=time(23, 59), days=range(7))

    response = signed_in(erp_admin).post(
        f"/erp/connections/{connection.pk}/refresh-now/", {"subjects": ["vendors"]}, follow=True
    )

    assert (
        "Queued for the next Web Connector session of Main company, after its quiet window ends at 23:59: vendors."
        in response.content.decode()
    )
