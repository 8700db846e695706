"""What a message needs to know of the workflow items its requests send: read from what was accepted (the
items' snapshots), in bulk, and only as far as the mappings say they read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from erp_integrations.bulk import select_in
from erp_integrations.models import ErpItem, ErpSettings, ErpState
from qbxml.mapping import Context, ExportSettings, ItemView, mapping_for
from qbxml.mapping.names import load_names


def export_settings() -> ExportSettings:
    row = ErpSettings.load()
    return ExportSettings(
        expense_account=row.expense_account_name,
        income_account=row.income_account_name,
        retainage_item=row.retainage_item_name,
        retention_item=row.retention_item_name,
        time_by_iif=row.time_export == ErpSettings.TimeExport.IIF,
    )


_SCALAR_FIELDS = ("id", "object_type", "state", "label", "qb_ref", "qb_edit_sequence")
_JSON_FIELDS = ("depends_on", "sent_payload", "accept_options", "qb_details")


def item_views(item_ids: Iterable[int], *, full: bool = True) -> dict[int, ItemView]:
    """What the export needs of these items: everything (`full`), or only their state and QuickBooks ids.

    The JSON columns are the most expensive part of reading hundreds of items (a decode each), so they
    are read only where they are used.
    """
    views = {}
    for row in select_in(ErpItem, (*_SCALAR_FIELDS, *(_JSON_FIELDS if full else ())), {"pk": item_ids}):
        pk, object_type, state, label, qb_ref, edit_sequence, *json_values = row
        depends_on, payload, options, details = json_values or (None, None, None, None)
        views[pk] = ItemView(
            id=pk,
            object_type=object_type,
            state=state,
            label=label,
            payload=payload or {},
            accept_options=options or {},
            qb_ref=qb_ref,
            edit_sequence=edit_sequence,
            details=details or {},
            depends_on=depends_on or [],
        )
    return views


class MessageItems:
    """The items a message needs and the names they refer to, read as the queue is gone through.

    Items are read in full (payload included) only when their request is about to be built or its answer
    read, or when such an item reads their data (`Mapping.reads`, and the record a change modifies); other
    dependencies only by their state, and only those not synced are kept (a synced one holds nothing
    back). Each is read once per message.
    """

    def __init__(self) -> None:
        self.ctx = Context(settings=export_settings(), items={})
        self._full: set[int] = set()
        self._dependency_types: dict[int, str] = {}  # of every dependency read, synced ones included
        self._prepared: set[Callable[[Context], list[dict[str, Any]]]] = set()
        self._extra_payloads: list[dict[str, Any]] = []

    def load(self, item_ids: Iterable[int], *, sending: bool = True) -> Context:
        """Read these items in full, and what they depend on. To send them (`sending`), also the names
        they refer to and what may hold them back; to read their answers, only the data they read."""
        wanted = set(item_ids) - self._full
        if not wanted:
            return self.ctx
        items = self.ctx.items
        full = item_views(wanted)
        reads: dict[int, frozenset[str]] = {}  # dependency → the types of it that its dependents read
        dependencies: set[int] = set()
        for view in full.values():
            mapping = mapping_for(view.object_type)
            types = mapping.reads if sending else frozenset({mapping.changes_record_of} - {""})
            if sending or types:
                dependencies.update(view.depends_on)
                for dep in view.depends_on:
                    reads[dep] = reads.get(dep, frozenset()) | types
        dependencies -= full.keys()
        unknown = dependencies - self._dependency_types.keys() - items.keys()
        for pk, view in item_views(unknown, full=False).items():
            self._dependency_types[pk] = view.object_type
            if view.state != ErpState.SYNCED:
                items[pk] = view
        read = {
            pk
            for pk in dependencies
            if (items[pk].object_type if pk in items else self._dependency_types.get(pk)) in reads.get(pk, ())
        }
        full.update(item_views(read - self._full))
        self._full |= full.keys()
        items.update(full)
        if sending:
            for view in full.values():
                prepare = mapping_for(view.object_type).prepare
                if prepare is not None and prepare not in self._prepared:
                    self._prepared.add(prepare)
                    self._extra_payloads.extend(prepare(self.ctx))
            load_names(self.ctx, [*(view.payload for view in full.values()), *self._extra_payloads])
        return self.ctx
