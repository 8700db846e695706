"""The one way the project side tells the apps above it of its edits: a watcher they register at start-up.

The project side knows nothing of what watches it. The acceptance workflow registers one (it refuses an
edit of the fields QuickBooks will receive while a record is in accounting's hands, and keeps its queue's
labels current); with none registered, records are edited freely.
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import Model


class RecordWatcher(Protocol):
    def before_change(self, record: Model, changed_fields: set[str], *, lines_changed: bool) -> None:
        """Inside the edit's transaction, before it is saved: raise a `DomainError` to refuse it."""

    def before_delete(self, record: Model) -> None:
        """Inside the deletion's transaction: raise a `DomainError` to refuse it."""

    def changed(self, record: Model) -> None:
        """Inside the edit's transaction, after the record and its lines are saved."""

    def deleted(self, model: type[Model], pk: int) -> None:
        """Inside the deletion's transaction, after the record is gone."""


_watchers: list[RecordWatcher] = []


def register(watcher: RecordWatcher) -> None:
    if watcher not in _watchers:
        _watchers.append(watcher)


def before_change(record: Model, changed_fields: set[str], *, lines_changed: bool) -> None:
    for watcher in _watchers:
        watcher.before_change(record, changed_fields, lines_changed=lines_changed)


def before_delete(record: Model) -> None:
    for watcher in _watchers:
        watcher.before_delete(record)


def changed(record: Model) -> None:
    for watcher in _watchers:
        watcher.changed(record)


def deleted(model: type[Model], pk: int) -> None:
    for watcher in _watchers:
        watcher.deleted(model, pk)
