"""Background work of the connector: ids in, the connector's services called."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def write_import_page(run_id: int) -> bool:
    """Write the large answer a list or transaction import kept for its page (`imports.apply_page`)."""
    from qbxml import imports

    return imports.write_kept_answer(run_id)


@shared_task
def run_scheduled_import(connection_id: int, subject: str) -> str:
    """A subject's beat task (`schedules.tasks_in_step`): queue its imports for the connection's next session,
    unless the quiet window is on. Returns what it did ("queued", "quiet", "off")."""
    from qbxml import schedules

    return schedules.run_scheduled(connection_id, subject)
