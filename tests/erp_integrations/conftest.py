"""Fixtures of the workflow's tests."""

from tests.erp_integrations.accounting import book

__all__ = ["book"]
