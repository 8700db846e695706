"""What the QuickBooks connector answers the workflow below it (registered at start-up, see
`erp_integrations.hooks`)."""

from __future__ import annotations

from erp_integrations.models import ErpItem


class Connector:
    def items_queued(self, item_ids: list[int]) -> None:
        pass

    def preview(self, item: ErpItem) -> str:
        from qbxml.export import preview_qbxml

        return preview_qbxml(item)

    def quickbooks_names(self, list_type: str) -> list[str]:
        from qbxml.selectors import quickbooks_names

        return quickbooks_names(list_type)
