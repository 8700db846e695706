"""How each accepted record type reaches QuickBooks: one module per QuickBooks record kind in this package
(a module may hold the kinds of two types that share a QuickBooks record, as the estimate of a budget and
its modifications), found by the registry below, and the list records they need (`support`).

A module declares `MAPPING` (or `MAPPINGS`), each a `Mapping` (see `base`) naming the exportable type it
sends. Adding a type is adding its exportable in `erp_integrations/exportables/` and its mapping here.
"""

from __future__ import annotations

import importlib
import pkgutil

from qbxml.mapping.base import Context, ExportError, ExportSettings, ItemView, Mapping, Outcome
from qbxml.mapping.support import SUPPORT_KINDS

__all__ = [
    "KINDS",
    "Context",
    "ExportError",
    "ExportSettings",
    "ItemView",
    "Mapping",
    "Outcome",
    "SEQUENCE",
    "mapping_for",
]

_SHARED = {"base", "support", "names"}


def _discover() -> dict[str, Mapping]:
    found: list[Mapping] = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in _SHARED:
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        found.extend(getattr(module, "MAPPINGS", None) or (module.MAPPING,))
    return {mapping.kind: mapping for mapping in sorted(found, key=lambda mapping: mapping.sequence)}


KINDS: dict[str, Mapping] = _discover()
_BY_TYPE: dict[str, Mapping] = {mapping.object_type: mapping for mapping in KINDS.values()}


def mapping_for(object_type: str) -> Mapping:
    """The mapping that sends the accepted items of an exportable type."""
    try:
        return _BY_TYPE[object_type]
    except KeyError:
        raise LookupError(f"No QuickBooks mapping sends {object_type!r} items") from None


def _sequence() -> dict[str, int]:
    return {
        **{kind.kind: kind.sequence for kind in SUPPORT_KINDS.values()},
        **{k: m.sequence for k, m in KINDS.items()},
    }


# Dependency order of every request: a record before what refers to it.
SEQUENCE: dict[str, int] = _sequence()
