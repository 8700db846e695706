"""Turning accepted items into qbXML requests."""

from __future__ import annotations

from erp_integrations.models import ErpItem


def preview_qbxml(item: ErpItem) -> str:
    """The qbXML document that exporting `item` would send, pretty-printed, for the ERP admin's eyes."""
    return ""
