"""The QuickBooks installation and company preferences, and the queries that report them.

These answers make up the strHCPResponse of a session's first sendRequestXML; the preferences also
switch features off for the other handlers (class tracking, estimates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from qbxml.simulator.request import Element, Handler, Outcome, to_xml


@dataclass
class HostSettings:
    company_name: str
    country: str
    product_name: str
    major_version: str
    minor_version: str
    supported_versions: tuple[str, ...]
    file_mode: str = "MultiUser"
    is_automatic_login: bool = False
    legal_company_name: str = ""
    is_using_class_tracking: bool = True
    is_using_estimates: bool = True
    is_using_progress_invoicing: bool = True
    is_using_inventory: bool = False
    is_using_account_numbers: bool = False
    closing_date: str | None = None


def handlers(host: HostSettings) -> dict[str, Handler]:
    def answer(build: Callable[[HostSettings], Element]) -> Handler:
        return lambda rq, macros: Outcome([to_xml(build(host))])

    return {
        "HostQueryRq": answer(host_ret),
        "CompanyQueryRq": answer(company_ret),
        "PreferencesQueryRq": answer(preferences_ret),
    }


def host_ret(host: HostSettings) -> Element:
    ret = etree.Element("HostRet")
    for tag, value in (
        ("ProductName", host.product_name),
        ("MajorVersion", host.major_version),
        ("MinorVersion", host.minor_version),
        ("Country", host.country),
    ):
        etree.SubElement(ret, tag).text = value
    for version in host.supported_versions:
        etree.SubElement(ret, "SupportedQBXMLVersion").text = version
    etree.SubElement(ret, "IsAutomaticLogin").text = "true" if host.is_automatic_login else "false"
    etree.SubElement(ret, "QBFileMode").text = host.file_mode
    return ret


def company_ret(host: HostSettings) -> Element:
    ret = etree.Element("CompanyRet")
    etree.SubElement(ret, "IsSampleCompany").text = "false"
    etree.SubElement(ret, "CompanyName").text = host.company_name
    etree.SubElement(ret, "LegalCompanyName").text = host.legal_company_name or host.company_name
    address = etree.SubElement(ret, "Address")
    etree.SubElement(address, "Country").text = host.country
    etree.SubElement(ret, "FirstMonthFiscalYear").text = "January"
    etree.SubElement(ret, "FirstMonthIncomeTaxYear").text = "January"
    return ret


def preferences_ret(host: HostSettings) -> Element:
    def flag(value: bool) -> str:
        return "true" if value else "false"

    ret = etree.Element("PreferencesRet")
    sections: list[tuple[str, list[tuple[str, str | None]]]] = [
        (
            "AccountingPreferences",
            [
                ("IsUsingAccountNumbers", flag(host.is_using_account_numbers)),
                ("IsRequiringAccounts", "true"),
                ("IsUsingClassTracking", flag(host.is_using_class_tracking)),
                ("AssignClassesTo", "Items" if host.is_using_class_tracking else None),
                ("IsUsingAuditTrail", "true"),
                ("IsAssigningJournalEntryNumbers", "true"),
                ("ClosingDate", host.closing_date),
            ],
        ),
        (
            "JobsAndEstimatesPreferences",
            [
                ("IsUsingEstimates", flag(host.is_using_estimates)),
                ("IsUsingProgressInvoicing", flag(host.is_using_progress_invoicing)),
                ("IsPrintingItemsWithZeroAmounts", "false"),
            ],
        ),
        ("MultiCurrencyPreferences", [("IsMultiCurrencyOn", "false")]),
        (
            "PurchasesAndVendorsPreferences",
            [
                ("IsUsingInventory", flag(host.is_using_inventory)),
                ("DaysBillsAreDue", "30"),
                ("IsAutomaticallyUsingDiscounts", "false"),
            ],
        ),
        ("ReportsPreferences", [("AgingReportBasis", "AgeFromDueDate"), ("SummaryReportBasis", "Accrual")]),
        (
            "SalesAndCustomersPreferences",
            [("IsTrackingReimbursedExpensesAsIncome", "false"), ("IsAutoApplyingPayments", "true")],
        ),
        ("TimeTrackingPreferences", [("FirstDayOfWeek", "Monday")]),
        (
            "CurrentAppAccessRights",
            [("IsAutomaticLoginAllowed", flag(host.is_automatic_login)), ("IsPersonalDataAccessAllowed", "false")],
        ),
    ]
    for section, entries in sections:
        node = etree.SubElement(ret, section)
        for tag, value in entries:
            if value is not None:
                etree.SubElement(node, tag).text = value
    return ret
