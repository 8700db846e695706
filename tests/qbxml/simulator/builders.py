"""The import and deleted-record queries, as the tests call them: the product's own builders
(`qbxml.lib.build`), which test_builders.py validates against Intuit's schemas."""

from __future__ import annotations

from qbxml.lib.build import TXN_DELETED_KINDS, list_import_query, txn_deleted_query, txn_import_query

__all__ = ["TXN_DELETED_KINDS", "list_import_query", "txn_deleted_query", "txn_import_query"]
