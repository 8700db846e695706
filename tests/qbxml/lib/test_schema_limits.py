"""The numbers send-time validation and the builders rely on are the schema's, in both versions."""

from __future__ import annotations

import re

import pytest

from qbxml.lib import fieldtypes, limits
from tests.qbxml.lib.conftest import VERSIONS

# Where in the schema each constant of qbxml/lib/limits.py comes from. Every path must agree.
LIMIT_PATHS: dict[str, tuple[str, ...]] = {
    "CUSTOMER_NAME": ("CustomerAdd/Name", "CustomerMod/Name", "CustomerRet/Name"),
    # EmployeeAdd/Name refers to the global Name (no length); QuickBooks keeps what EmployeeRet holds.
    "EMPLOYEE_NAME": ("EmployeeRet/Name",),
    "PAYROLL_ITEM_NAME": ("PayrollItemWageAdd/Name",),
    "TIME_NOTES": ("TimeTrackingAdd/Notes",),
    "VENDOR_NAME": ("VendorAdd/Name", "VendorMod/Name"),
    "VENDOR_TAX_IDENT": ("VendorAdd/VendorTaxIdent", "VendorMod/VendorTaxIdent"),
    "CUSTOMER_FULL_NAME": (
        "CustomerRet/FullName",
        "PurchaseOrderLineAdd/CustomerRef/FullName",
        "EstimateAdd/CustomerRef/FullName",
    ),
    "ITEM_NAME": ("ItemServiceAdd/Name", "ItemServiceMod/Name"),
    "CLASS_NAME": ("ClassAdd/Name",),
    "ACCOUNT_NAME": ("AccountAdd/Name",),
    "COMPANY_NAME": ("VendorAdd/CompanyName", "CustomerAdd/CompanyName"),
    "ADDR_LINE": tuple(f"VendorAdd/VendorAddress/Addr{n}" for n in range(1, 6)) + ("CustomerAdd/BillAddress/Addr1",),
    "CITY": ("VendorAdd/VendorAddress/City",),
    "STATE": ("VendorAdd/VendorAddress/State",),
    "POSTAL_CODE": ("VendorAdd/VendorAddress/PostalCode",),
    "COUNTRY": ("VendorAdd/VendorAddress/Country",),
    "PHONE": ("VendorAdd/Phone", "CustomerAdd/Phone"),
    "EMAIL": ("VendorAdd/Email", "CustomerAdd/Email"),
    "CONTACT_NAME": ("VendorAdd/Contact", "CustomerAdd/Contact"),
    "REF_NUMBER": (
        "PurchaseOrderAdd/RefNumber",
        "PurchaseOrderMod/RefNumber",
        "EstimateAdd/RefNumber",
        "InvoiceAdd/RefNumber",
    ),
    "MEMO": ("PurchaseOrderAdd/Memo", "BillAdd/Memo", "EstimateAdd/Memo", "PurchaseOrderMod/Memo"),
    "ITEM_DESC": ("PurchaseOrderLineAdd/Desc", "ItemLineAdd/Desc", "EstimateLineAdd/Desc", "InvoiceLineAdd/Desc"),
    "SALES_OR_PURCHASE_DESC": (
        "ItemServiceAdd/SalesOrPurchase/Desc",
        "ItemServiceAdd/SalesAndPurchase/SalesDesc",
        "ItemServiceAdd/SalesAndPurchase/PurchaseDesc",
    ),
    "JOB_DESC": ("CustomerAdd/JobDesc",),
    "BILL_REF_NUMBER": ("BillAdd/RefNumber", "BillRet/RefNumber"),
    "INVOICE_PO_NUMBER": ("InvoiceAdd/PONumber", "InvoiceRet/PONumber"),
    "ITEM_FULL_NAME": ("ItemServiceRet/FullName",),
    "CLASS_FULL_NAME": ("ClassRet/FullName", "PurchaseOrderLineAdd/ClassRef/FullName"),
    "ACCOUNT_FULL_NAME": ("ItemServiceAdd/SalesAndPurchase/ExpenseAccountRef/FullName", "AccountRet/FullName"),
    "VENDOR_FULL_NAME": ("PurchaseOrderAdd/VendorRef/FullName", "BillAdd/VendorRef/FullName"),
    "ADDRESS_NOTE": ("VendorAdd/VendorAddress/Note",),
    "FAX": ("VendorAdd/Fax",),
    "ACCOUNT_NUMBER": ("VendorAdd/AccountNumber",),
    "NOTES": ("VendorAdd/Notes", "CustomerAdd/Notes"),
    "LIST_ID": ("ListID",),
    "EDIT_SEQUENCE": ("VendorMod/EditSequence", "PurchaseOrderMod/EditSequence"),
    "INCLUDE_RET_ELEMENT": ("VendorAddRqType/IncludeRetElement",),
}


def _public_limits() -> dict[str, int]:
    return {name: value for name, value in vars(limits).items() if name.isupper() and isinstance(value, int)}


def test_every_limit_constant_has_a_schema_source():
    unchecked = set(_public_limits()) - set(LIMIT_PATHS) - {"AMOUNT_MAX_INTEGER_DIGITS"}
    assert not unchecked, f"add the schema path of {sorted(unchecked)} to LIMIT_PATHS"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("constant", sorted(LIMIT_PATHS))
def test_limit_matches_the_schema_max_length(schema_indexes, version, constant):
    index = schema_indexes[version]
    expected = getattr(limits, constant)
    for path in LIMIT_PATHS[constant]:
        assert index.max_length(path) == expected, f"{constant}={expected} but {path} allows {index.max_length(path)}"


@pytest.mark.parametrize("version", VERSIONS)
def test_amount_digits_match_the_schema_pattern(schema_indexes, version):
    pattern = schema_indexes[version].amount_pattern()
    assert re.search(r"\[0-9\]\{1,(\d+)\}", pattern).group(1) == str(limits.AMOUNT_MAX_INTEGER_DIGITS)
    assert r"(\.[0-9]{2})?" in pattern


def test_field_type_sets_match_the_schemas(schema_indexes):
    names: dict[str, set[str]] = {}
    for version in VERSIONS:
        for name, kinds in schema_indexes[version].simple_type_of_names().items():
            names.setdefault(name, set()).update(kinds)
    expected = {
        "AMOUNT_FIELDS": {"AMTTYPE"},
        "DECIMAL_FIELDS": {"PRICETYPE", "QUANTYPE", "PERCENTTYPE", "FLOATTYPE"},
        "BOOL_FIELDS": {"BOOLTYPE"},
        "DATE_FIELDS": {"DATETYPE"},
        "INT_FIELDS": {"INTTYPE"},
    }
    for constant, kinds in expected.items():
        from_schema = {name for name, declared in names.items() if declared <= kinds}
        assert getattr(fieldtypes, constant) == from_schema, constant
    # The parser converts by name alone, which only works while no name has two types.
    typed = set().union(*expected.values())
    ambiguous = {name: declared for name, declared in names.items() if declared & typed and len(declared) > 1}
    assert not ambiguous
