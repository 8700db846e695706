"""Background work of the connector: ids in, the connector's services called."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def write_import_page(run_id: int) -> bool:
    """Write the large answer a list or transaction import kept for its page (`imports.apply_page`)."""
    from qbxml import imports

    return imports.write_kept_answer(run_id)
