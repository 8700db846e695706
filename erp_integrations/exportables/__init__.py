"""The record types that go to QuickBooks, one module each in this package, found by the registry below.

A module declares `EXPORTABLE`, an `Exportable` (see `base`). Adding a type is adding its module here and
its QuickBooks mapping in `qbxml/mapping/`: nothing else names the types one by one.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from django.db.models import Model

from erp_integrations.exportables.base import Exportable, Problem

__all__ = [
    "EXPORTABLE_TYPES",
    "Exportable",
    "Problem",
    "exportable_type_of",
    "is_exportable",
    "is_exportable_model",
]

_SHARED = {"base"}


def _discover() -> dict[str, Exportable[Any]]:
    found = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in _SHARED:
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        exportable = module.EXPORTABLE
        if exportable.slug != module_info.name:
            raise ImportError(f"{module.__name__} declares the type {exportable.slug!r}: the module names its type")
        found.append(exportable)
    return {exportable.slug: exportable for exportable in sorted(found, key=lambda e: e.order)}


EXPORTABLE_TYPES: dict[str, Exportable[Any]] = _discover()
_BY_MODEL: dict[type[Model], Exportable[Any]] = {t.model: t for t in EXPORTABLE_TYPES.values()}


def exportable_type_of(record: Model) -> Exportable[Any]:
    try:
        return _BY_MODEL[type(record)]
    except KeyError:
        raise TypeError(f"{type(record).__name__} does not go to QuickBooks") from None


def is_exportable(record: object) -> bool:
    return type(record) in _BY_MODEL


def is_exportable_model(model: type[Model]) -> bool:
    return model in _BY_MODEL
