"""Which elements the simulator keeps, and the order in which each `*Ret` holds them.

QuickBooks answers in the schema's element order and so must we: every tuple below lists, in the order
of qbxml130.xsd / qbxml160.xsd, the elements of one `*Ret` (or aggregate) that the simulator stores or
computes. An element a request carries that is not listed here is not kept (QuickBooks keeps it, we do
not need it). Only elements present with the same order in 13.0 and 16.0 are listed, so one answer is
valid for both versions; the tests validate the answers against both schemas.

Tags ending in "Ref" hold the ListID of a record and come out as ListID + FullName.
"""

from __future__ import annotations

LIST_CORE = ("ListID", "TimeCreated", "TimeModified", "EditSequence")
TXN_CORE = ("TxnID", "TimeCreated", "TimeModified", "EditSequence", "TxnNumber")

ADDRESS = ("Addr1", "Addr2", "Addr3", "Addr4", "Addr5", "City", "State", "PostalCode", "Country", "Note")
PERSON_NAME = ("Salutation", "FirstName", "MiddleName", "LastName", "Suffix")
COMM_INFO = ("Phone", "Mobile", "Pager", "AltPhone", "Fax", "Email", "Cc", "Contact", "AltContact")

# Aggregates: their children, in order.
AGGREGATES: dict[str, tuple[str, ...]] = {
    "VendorAddress": ADDRESS,
    "ShipAddress": ADDRESS,
    "BillAddress": ADDRESS,
    "Address": ADDRESS,
    "OtherNameAddress": ADDRESS,
    "EmployeeAddress": ("Addr1", "Addr2", "Addr3", "Addr4", "City", "State", "PostalCode", "Country"),
    "SalesOrPurchase": ("Desc", "Price", "PricePercent", "AccountRef"),
    "SalesAndPurchase": (
        "SalesDesc",
        "SalesPrice",
        "IncomeAccountRef",
        "PurchaseDesc",
        "PurchaseCost",
        "ExpenseAccountRef",
        "PrefVendorRef",
    ),
    "LinkedTxn": ("TxnID", "TxnType", "TxnDate", "RefNumber", "LinkType", "Amount"),
    "AppliedToTxnRet": ("TxnID", "TxnType", "TxnDate", "RefNumber", "BalanceRemaining", "Amount"),
}
# A Mod request names some aggregates differently from the Ret that holds them.
MOD_AGGREGATES = {"SalesOrPurchaseMod": "SalesOrPurchase", "SalesAndPurchaseMod": "SalesAndPurchase"}

# --------------------------------------------------------------------------------------------------
# Lists

LIST_ORDERS: dict[str, tuple[str, ...]] = {
    "Vendor": (
        *LIST_CORE,
        "Name",
        "IsActive",
        "ClassRef",
        "IsTaxAgency",
        "CompanyName",
        *PERSON_NAME,
        "JobTitle",
        "VendorAddress",
        "ShipAddress",
        *COMM_INFO,
        "NameOnCheck",
        "AccountNumber",
        "Notes",
        "CreditLimit",
        "VendorTaxIdent",
        "IsVendorEligibleFor1099",
        "Balance",
        "ExternalGUID",
    ),
    "Customer": (
        *LIST_CORE,
        "Name",
        "FullName",
        "IsActive",
        "ClassRef",
        "ParentRef",
        "Sublevel",
        "CompanyName",
        *PERSON_NAME,
        "JobTitle",
        "BillAddress",
        "ShipAddress",
        "PrintAs",
        *COMM_INFO,
        "Balance",
        "TotalBalance",
        "ResaleNumber",
        "AccountNumber",
        "CreditLimit",
        "JobStatus",
        "JobStartDate",
        "JobProjectedEndDate",
        "JobEndDate",
        "JobDesc",
        "Notes",
        "IsStatementWithParent",
        "ExternalGUID",
    ),
    "Employee": (
        *LIST_CORE,
        "Name",
        "IsActive",
        *PERSON_NAME,
        "JobTitle",
        "Department",
        "Description",
        "EmployeeAddress",
        "PrintAs",
        "Phone",
        "Mobile",
        "Pager",
        "AltPhone",
        "Fax",
        "Email",
        "AccountNumber",
        "Notes",
        "ExternalGUID",
    ),
    "OtherName": (
        *LIST_CORE,
        "Name",
        "IsActive",
        "CompanyName",
        "Salutation",
        "FirstName",
        "MiddleName",
        "LastName",
        "OtherNameAddress",
        "Phone",
        "AltPhone",
        "Fax",
        "Email",
        "Contact",
        "AltContact",
        "AccountNumber",
        "Notes",
        "ExternalGUID",
    ),
    "ItemService": (
        *LIST_CORE,
        "Name",
        "FullName",
        "IsActive",
        "ClassRef",
        "ParentRef",
        "Sublevel",
        "IsTaxIncluded",
        "SalesOrPurchase",
        "SalesAndPurchase",
        "ExternalGUID",
    ),
    "ItemNonInventory": (
        *LIST_CORE,
        "Name",
        "FullName",
        "IsActive",
        "ClassRef",
        "ParentRef",
        "Sublevel",
        "ManufacturerPartNumber",
        "IsTaxIncluded",
        "SalesOrPurchase",
        "SalesAndPurchase",
        "ExternalGUID",
    ),
    "ItemOtherCharge": (
        *LIST_CORE,
        "Name",
        "FullName",
        "IsActive",
        "ClassRef",
        "ParentRef",
        "Sublevel",
        "IsTaxIncluded",
        "SalesOrPurchase",
        "SalesAndPurchase",
        "SpecialItemType",
        "ExternalGUID",
    ),
    "Class": (*LIST_CORE, "Name", "FullName", "IsActive", "ParentRef", "Sublevel"),
    "Account": (
        *LIST_CORE,
        "Name",
        "FullName",
        "IsActive",
        "ParentRef",
        "Sublevel",
        "AccountType",
        "SpecialAccountType",
        "AccountNumber",
        "BankNumber",
        "Desc",
        "Balance",
        "TotalBalance",
    ),
}

ENTITY_KINDS = frozenset({"Customer", "Vendor", "Employee", "OtherName"})
ITEM_KINDS = frozenset({"ItemService", "ItemNonInventory", "ItemOtherCharge"})
LIST_KINDS = frozenset(LIST_ORDERS)
# Names are unique within a namespace: one for every "name" (customers and jobs, vendors, employees,
# other names), one for all items, one for classes, one for accounts. Full names are what must differ,
# so a job may share its own name with a vendor.
NAMESPACES: dict[str, str] = {
    **dict.fromkeys(ENTITY_KINDS, "name"),
    **dict.fromkeys(ITEM_KINDS, "item"),
    "Class": "class",
    "Account": "account",
}
# Kinds whose records may have a parent, and the kinds the parent may be.
PARENT_KINDS: dict[str, frozenset[str]] = {
    "Customer": frozenset({"Customer"}),
    **dict.fromkeys(ITEM_KINDS, ITEM_KINDS),
    "Class": frozenset({"Class"}),
    "Account": frozenset({"Account"}),
}
# What a query returns: ItemQuery every item, EntityQuery every name.
QUERY_KINDS: dict[str, frozenset[str]] = {
    **{kind: frozenset({kind}) for kind in LIST_KINDS},
    "Item": ITEM_KINDS,
    "Entity": ENTITY_KINDS,
}
# The word QuickBooks uses for a list in its messages.
LIST_WORDS = {
    "Customer": "Customer",
    "Vendor": "Vendor",
    "Employee": "Employee",
    "OtherName": "OtherName",
    "ItemService": "Item",
    "ItemNonInventory": "Item",
    "ItemOtherCharge": "Item",
    "Class": "Class",
    "Account": "Account",
}

# --------------------------------------------------------------------------------------------------
# References: what each *Ref may point at. Refs to lists the simulator does not keep (terms, sales
# reps, tax codes, templates, currencies...) are not kept either.

ACCOUNT = frozenset({"Account"})
REF_KINDS: dict[str, frozenset[str]] = {
    "ClassRef": frozenset({"Class"}),
    "VendorRef": frozenset({"Vendor"}),
    "PrefVendorRef": frozenset({"Vendor"}),
    "CustomerRef": frozenset({"Customer"}),
    "ShipToEntityRef": ENTITY_KINDS,
    "PayeeEntityRef": ENTITY_KINDS,
    "EntityRef": ENTITY_KINDS,
    "ItemRef": ITEM_KINDS,
    "AccountRef": ACCOUNT,
    "APAccountRef": ACCOUNT,
    "LiabilityAccountRef": ACCOUNT,
    "IncomeAccountRef": ACCOUNT,
    "ExpenseAccountRef": ACCOUNT,
    "BankAccountRef": ACCOUNT,
    "CreditCardAccountRef": ACCOUNT,
}
REF_WORDS = {
    "ClassRef": "Class",
    "VendorRef": "Vendor",
    "PrefVendorRef": "Vendor",
    "CustomerRef": "Customer",
    "ShipToEntityRef": "Entity",
    "PayeeEntityRef": "Entity",
    "EntityRef": "Entity",
    "ItemRef": "Item",
}

# --------------------------------------------------------------------------------------------------
# Transactions

ITEM_LINE = (
    "TxnLineID",
    "ItemRef",
    "SerialNumber",
    "LotNumber",
    "Desc",
    "Quantity",
    "UnitOfMeasure",
    "Cost",
    "Amount",
    "CustomerRef",
    "ClassRef",
    "BillableStatus",
)
EXPENSE_LINE = ("TxnLineID", "AccountRef", "Amount", "Memo", "CustomerRef", "ClassRef", "BillableStatus")
JOURNAL_LINE = ("TxnLineID", "AccountRef", "Amount", "Memo", "EntityRef", "ClassRef", "BillableStatus")
LINE_ORDERS: dict[str, tuple[str, ...]] = {
    "ItemLineRet": ITEM_LINE,
    "ExpenseLineRet": EXPENSE_LINE,
    "EstimateLineRet": (
        "TxnLineID",
        "ItemRef",
        "Desc",
        "Quantity",
        "UnitOfMeasure",
        "Rate",
        "RatePercent",
        "ClassRef",
        "Amount",
        "MarkupRate",
        "MarkupRatePercent",
        "Other1",
        "Other2",
    ),
    "PurchaseOrderLineRet": (
        "TxnLineID",
        "ItemRef",
        "ManufacturerPartNumber",
        "Desc",
        "Quantity",
        "UnitOfMeasure",
        "Rate",
        "ClassRef",
        "Amount",
        "CustomerRef",
        "ServiceDate",
        "IsBilled",
        "IsManuallyClosed",
        "Other1",
        "Other2",
    ),
    "JournalDebitLine": JOURNAL_LINE,
    "JournalCreditLine": JOURNAL_LINE,
}
# The line type parse.py reports for each line tag.
LINE_TYPES = {
    "ItemLineRet": "Item",
    "ExpenseLineRet": "Expense",
    "EstimateLineRet": "Estimate",
    "PurchaseOrderLineRet": "PurchaseOrder",
    "JournalDebitLine": "JournalDebit",
    "JournalCreditLine": "JournalCredit",
}
# Line elements of Add and Mod requests, and the line they make.
LINE_ADD_TAGS = {
    "ItemLineAdd": "ItemLineRet",
    "ExpenseLineAdd": "ExpenseLineRet",
    "EstimateLineAdd": "EstimateLineRet",
    "PurchaseOrderLineAdd": "PurchaseOrderLineRet",
    "JournalDebitLine": "JournalDebitLine",
    "JournalCreditLine": "JournalCreditLine",
}
LINE_MOD_TAGS = {
    "ItemLineMod": "ItemLineRet",
    "ExpenseLineMod": "ExpenseLineRet",
    "EstimateLineMod": "EstimateLineRet",
    "PurchaseOrderLineMod": "PurchaseOrderLineRet",
    "JournalLineMod": "JournalLine",
}
GROUP_LINE_TAGS = frozenset(
    {
        "ItemGroupLineAdd",
        "ItemGroupLineMod",
        "EstimateLineGroupAdd",
        "EstimateLineGroupMod",
        "PurchaseOrderLineGroupAdd",
        "PurchaseOrderLineGroupMod",
    }
)

TXN_ORDERS: dict[str, tuple[str, ...]] = {
    "Estimate": (
        *TXN_CORE,
        "CustomerRef",
        "ClassRef",
        "TxnDate",
        "RefNumber",
        "BillAddress",
        "ShipAddress",
        "IsActive",
        "PONumber",
        "DueDate",
        "FOB",
        "Subtotal",
        "TotalAmount",
        "Memo",
        "IsToBeEmailed",
        "IsTaxIncluded",
        "Other",
        "ExternalGUID",
        "LinkedTxn",
        "EstimateLineRet",
    ),
    "PurchaseOrder": (
        *TXN_CORE,
        "VendorRef",
        "ClassRef",
        "ShipToEntityRef",
        "TxnDate",
        "RefNumber",
        "VendorAddress",
        "ShipAddress",
        "DueDate",
        "ExpectedDate",
        "FOB",
        "TotalAmount",
        "IsManuallyClosed",
        "IsFullyReceived",
        "Memo",
        "VendorMsg",
        "IsToBePrinted",
        "IsToBeEmailed",
        "IsTaxIncluded",
        "Other1",
        "Other2",
        "ExternalGUID",
        "LinkedTxn",
        "PurchaseOrderLineRet",
    ),
    "Bill": (
        *TXN_CORE,
        "VendorRef",
        "VendorAddress",
        "APAccountRef",
        "TxnDate",
        "DueDate",
        "AmountDue",
        "RefNumber",
        "Memo",
        "IsTaxIncluded",
        "IsPaid",
        "ExternalGUID",
        "LinkedTxn",
        "ExpenseLineRet",
        "ItemLineRet",
        "OpenAmount",
    ),
    "ItemReceipt": (
        *TXN_CORE,
        "VendorRef",
        "APAccountRef",
        "LiabilityAccountRef",
        "TxnDate",
        "TotalAmount",
        "RefNumber",
        "Memo",
        "IsTaxIncluded",
        "ExternalGUID",
        "LinkedTxn",
        "ExpenseLineRet",
        "ItemLineRet",
    ),
    "VendorCredit": (
        *TXN_CORE,
        "VendorRef",
        "APAccountRef",
        "TxnDate",
        "CreditAmount",
        "RefNumber",
        "Memo",
        "IsTaxIncluded",
        "ExternalGUID",
        "LinkedTxn",
        "ExpenseLineRet",
        "ItemLineRet",
        "OpenAmount",
    ),
    "Check": (
        *TXN_CORE,
        "AccountRef",
        "PayeeEntityRef",
        "RefNumber",
        "TxnDate",
        "Amount",
        "Memo",
        "Address",
        "IsToBePrinted",
        "IsTaxIncluded",
        "ExternalGUID",
        "LinkedTxn",
        "ExpenseLineRet",
        "ItemLineRet",
    ),
    "CreditCardCharge": (
        *TXN_CORE,
        "AccountRef",
        "PayeeEntityRef",
        "TxnDate",
        "Amount",
        "RefNumber",
        "Memo",
        "IsTaxIncluded",
        "ExternalGUID",
        "ExpenseLineRet",
        "ItemLineRet",
    ),
    "CreditCardCredit": (
        *TXN_CORE,
        "AccountRef",
        "PayeeEntityRef",
        "TxnDate",
        "Amount",
        "RefNumber",
        "Memo",
        "IsTaxIncluded",
        "ExternalGUID",
        "ExpenseLineRet",
        "ItemLineRet",
    ),
    "JournalEntry": (
        *TXN_CORE,
        "TxnDate",
        "RefNumber",
        "Memo",
        "IsAdjustment",
        "ExternalGUID",
        "JournalDebitLine",
        "JournalCreditLine",
    ),
    "BillPaymentCheck": (
        *TXN_CORE,
        "PayeeEntityRef",
        "APAccountRef",
        "TxnDate",
        "BankAccountRef",
        "Amount",
        "RefNumber",
        "Memo",
        "Address",
        "IsToBePrinted",
        "ExternalGUID",
        "AppliedToTxnRet",
    ),
    "BillPaymentCreditCard": (
        *TXN_CORE,
        "PayeeEntityRef",
        "APAccountRef",
        "TxnDate",
        "CreditCardAccountRef",
        "Amount",
        "RefNumber",
        "Memo",
        "ExternalGUID",
        "AppliedToTxnRet",
    ),
}
TXN_KINDS = frozenset(TXN_ORDERS)
# Elements computed from the lines, never taken from a request.
TXN_COMPUTED = frozenset(
    {
        "Subtotal",
        "TotalAmount",
        "AmountDue",
        "OpenAmount",
        "CreditAmount",
        "Amount",
        "IsPaid",
        "IsFullyReceived",
        "LinkedTxn",
        "AppliedToTxnRet",
        "TxnNumber",
    }
)
# Where each transaction keeps its total.
TOTAL_TAGS = {
    "Estimate": "TotalAmount",
    "PurchaseOrder": "TotalAmount",
    "Bill": "AmountDue",
    "ItemReceipt": "TotalAmount",
    "VendorCredit": "CreditAmount",
    "Check": "Amount",
    "CreditCardCharge": "Amount",
    "CreditCardCredit": "Amount",
    "JournalEntry": "",
    "BillPaymentCheck": "Amount",
    "BillPaymentCreditCard": "Amount",
}
# The party of each transaction, for EntityFilter and the vendor's balance.
ENTITY_TAGS = {
    "Estimate": "CustomerRef",
    "PurchaseOrder": "VendorRef",
    "Bill": "VendorRef",
    "ItemReceipt": "VendorRef",
    "VendorCredit": "VendorRef",
    "Check": "PayeeEntityRef",
    "CreditCardCharge": "PayeeEntityRef",
    "CreditCardCredit": "PayeeEntityRef",
    "JournalEntry": "",
    "BillPaymentCheck": "PayeeEntityRef",
    "BillPaymentCreditCard": "PayeeEntityRef",
}
# The account each transaction posts against, with the account a new company file has for it.
HEADER_ACCOUNTS = {
    "Bill": ("APAccountRef", "Accounts Payable"),
    "ItemReceipt": ("APAccountRef", "Accounts Payable"),
    "VendorCredit": ("APAccountRef", "Accounts Payable"),
    "Check": ("AccountRef", "Checking"),
    "CreditCardCharge": ("AccountRef", "Credit Card"),
    "CreditCardCredit": ("AccountRef", "Credit Card"),
    "BillPaymentCheck": ("BankAccountRef", "Checking"),
    "BillPaymentCreditCard": ("CreditCardAccountRef", "Credit Card"),
}
# Kinds QuickBooks numbers itself when the request gives no RefNumber.
AUTO_NUMBERED = frozenset({"Estimate", "PurchaseOrder", "Check", "BillPaymentCheck", "JournalEntry"})
# TxnVoidType values the simulator handles (every kind it keeps can be deleted).
VOIDABLE_TXN_KINDS = frozenset(
    {"Bill", "Check", "CreditCardCharge", "CreditCardCredit", "VendorCredit", "JournalEntry", "BillPaymentCheck"}
)

# --------------------------------------------------------------------------------------------------
# The Host, Company and Preferences answers the Web Connector sends as strHCPResponse.

DEFAULT_SUPPORTED_VERSIONS = (
    "1.0",
    "1.1",
    "2.0",
    "2.1",
    "3.0",
    "4.0",
    "4.1",
    "5.0",
    "6.0",
    "7.0",
    "8.0",
    "9.0",
    "10.0",
    "11.0",
    "12.0",
    "13.0",
    "16.0",
)
