"""A QuickBooks Desktop company file in pure Python that answers qbXML as QuickBooks does.

It ships with the product: the demo and the tests run the whole Web Connector flow on Linux with it.
No Django here, only the qbXML core (`qbxml.lib`) and lxml.
"""

from __future__ import annotations

from qbxml.simulator.company import QuickBooksCompany, RequestRecord
from qbxml.simulator.records import (
    PARSE_ERROR_HRESULT,
    PARSE_ERROR_MESSAGE,
    LineView,
    ListView,
    QbxmlParseFailure,
    SeedLine,
    TxnView,
)

__all__ = [
    "PARSE_ERROR_HRESULT",
    "PARSE_ERROR_MESSAGE",
    "LineView",
    "ListView",
    "QbxmlParseFailure",
    "QuickBooksCompany",
    "RequestRecord",
    "SeedLine",
    "TxnView",
]
