"""The quiet window of a company file: hours of the QuickBooks machine's day, on some weekdays, when its Web
Connector is told to wait (a session slows down the people working in QuickBooks). Plain Python: the times
are read in the machine's own time zone, across daylight saving changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def zone_named(name: str) -> ZoneInfo:
    """The time zone of that name; UTC for an empty or unknown one."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class QuietWindow:
    start: time
    end: time  # before or at `start`: the window runs past midnight into the next day
    days: frozenset[int]  # the weekdays (Monday 0) a window starts on
    zone: ZoneInfo

    @classmethod
    def of(cls, start: time | None, end: time | None, days: Iterable[int], zone: str) -> QuietWindow | None:
        """The window, or None when it has no start or end, or no day."""
        if start is None or end is None or start == end or not days:
            return None
        return cls(start, end, frozenset(days), zone_named(zone))

    @property
    def wraps(self) -> bool:
        return self.end <= self.start

    def _at(self, day: date, moment: time) -> datetime:
        # A time skipped by a spring-forward change falls just after it (fold 0 reads it on the old offset).
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def ends_after(self, now: datetime) -> datetime | None:
        """When the window `now` falls in ends (in UTC), or None when `now` is outside it."""
        now = now.astimezone(UTC)
        today = now.astimezone(self.zone).date()
        # A window past midnight that started yesterday may still be on.
        for started in (today - timedelta(days=1), today) if self.wraps else (today,):
            if started.weekday() not in self.days:
                continue
            opens = self._at(started, self.start)
            closes = self._at(started + timedelta(days=1) if self.wraps else started, self.end)
            if opens <= now < closes:
                return closes
        return None

    def seconds_left(self, now: datetime) -> int:
        """Whole seconds until the window `now` falls in ends (rounded up); 0 outside it."""
        closes = self.ends_after(now)
        if closes is None:
            return 0
        left = (closes - now.astimezone(UTC)).total_seconds()
        return max(1, int(-(-left // 1)))

    def describe(self) -> str:
        """As people say it: "18:00 to 07:00 (past midnight), Monday to Friday, America/Chicago"."""
        days = sorted(self.days)
        if days == list(range(7)):
            named = "every day"
        elif days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            named = f"{WEEKDAYS[days[0]]} to {WEEKDAYS[days[-1]]}"
        else:
            named = ", ".join(WEEKDAYS[day] for day in days)
        past = " (past midnight)" if self.wraps else ""
        return f"{self.start:%H:%M} to {self.end:%H:%M}{past}, {named}, {self.zone.key}"
