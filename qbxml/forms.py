"""Forms of the connector's pages. They parse input only: `qbxml.schedules` decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms

from qbxml import schedules
from qbxml.lib.quiet import WEEKDAYS
from qbxml.models import QbConnection, QbSyncSchedule


class ScheduleForm(forms.Form):
    """A connection's sync schedule: a frequency per subject, and the quiet window."""

    quiet_start = forms.TimeField(
        label="Quiet from", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label="Quiet until",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Before the start time: the window runs past midnight. Leave both empty for no quiet window.",
    )
    quiet_days = forms.TypedMultipleChoiceField(
        label="On",
        required=False,
        coerce=int,
        choices=list(enumerate(WEEKDAYS)),
        widget=forms.CheckboxSelectMultiple,
        help_text="The days a window starts on.",
    )

    def __init__(self, *args: Any, connection: QbConnection, **kwargs: Any) -> None:
        self.connection = connection
        kwargs.setdefault("prefix", f"schedule-{connection.pk}")
        super().__init__(*args, **kwargs)
        for subject in schedules.SUBJECTS.values():
            # Not required: a subject left out of the post keeps its frequency.
            self.fields[f"every_{subject.name}"] = forms.TypedChoiceField(
                label=subject.label,
                coerce=int,
                choices=QbSyncSchedule.Every.choices,
                required=False,
                empty_value=None,
                # Shown in the subject's row of the table, whose Refresh now buttons are forms of their own.
                widget=forms.Select(attrs={"form": self.html_id}),
            )

    @classmethod
    def initial_from(cls, connection: QbConnection, rows: list[schedules.ScheduleRow]) -> dict[str, Any]:
        return {
            "quiet_start": connection.quiet_start,
            "quiet_end": connection.quiet_end,
            "quiet_days": connection.quiet_days if connection.quiet_start is not None else list(schedules.WEEKDAYS),
            **{f"every_{row.name}": row.every for row in rows},
        }

    @property
    def html_id(self) -> str:
        return f"sync-schedule-form-{self.connection.pk}"

    def every_field(self, subject: str) -> forms.BoundField:
        return self[f"every_{subject}"]

    def changes(self) -> dict[str, Any]:
        """The arguments of `schedules.schedule_set`."""
        data = self.cleaned_data
        return {
            "every": {name: data[f"every_{name}"] for name in schedules.SUBJECTS if data[f"every_{name}"] is not None},
            "quiet_start": data["quiet_start"],
            "quiet_end": data["quiet_end"],
            "quiet_days": data["quiet_days"],
        }
