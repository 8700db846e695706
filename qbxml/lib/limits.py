"""Field limits of the qbXML schema (qbxmltypes130.xsd / 160.xsd), in characters.

These are the numbers send-time validation uses, so a project manager hears about a long name before an
approver sees a failed export. A test checks each of them against the official XSD.
"""

from __future__ import annotations

CUSTOMER_NAME = 41  # CustomerAdd/Name (a job's own name, without its parent)
VENDOR_NAME = 41  # VendorAdd/Name
VENDOR_TAX_IDENT = 15  # VendorAdd/VendorTaxIdent
CUSTOMER_FULL_NAME = 209  # Customer:Job full name
ITEM_NAME = 31  # ItemServiceAdd/Name
CLASS_NAME = 31  # ClassAdd/Name
ACCOUNT_NAME = 31
COMPANY_NAME = 41  # VendorAdd/CompanyName
ADDR_LINE = 41  # Addr1..Addr5
CITY = 31
STATE = 21
POSTAL_CODE = 13
COUNTRY = 31
PHONE = 21
EMAIL = 1023
CONTACT_NAME = 41  # Contact
REF_NUMBER = 11  # PurchaseOrderAdd/RefNumber, EstimateAdd/RefNumber
MEMO = 4095
ITEM_DESC = 4095  # line Desc
SALES_OR_PURCHASE_DESC = 4095
JOB_DESC = 99

# Amounts: up to 13 integer digits and two decimals.
AMOUNT_MAX_INTEGER_DIGITS = 13

# Added with the builders: every length they check comes from here, so the schema test covers them too.
INVOICE_PO_NUMBER = 25  # InvoiceAdd/PONumber: the owner's contract number
BILL_REF_NUMBER = 20  # BillAdd/RefNumber: a vendor's invoice number, longer than our own PO numbers
ITEM_FULL_NAME = 159  # ItemServiceRet/FullName: parent items and sub-items joined by ":"
CLASS_FULL_NAME = 159  # ClassRef/FullName
ACCOUNT_FULL_NAME = 159  # IncomeAccountRef/FullName, ExpenseAccountRef/FullName
VENDOR_FULL_NAME = 41  # VendorRef/FullName: vendors have no parents, so the full name is the name
ADDRESS_NOTE = 41  # VendorAddress/Note
FAX = 21
ACCOUNT_NUMBER = 99  # VendorAdd/AccountNumber: our account number with the vendor
NOTES = 4095  # VendorAdd/Notes, CustomerAdd/Notes
LIST_ID = 36  # IDTYPE: ListID, TxnID, TxnLineID
EDIT_SEQUENCE = 16
INCLUDE_RET_ELEMENT = 50
EMPLOYEE_NAME = 41  # EmployeeRet/Name (EmployeeAdd names the global Name, which has no length)
PAYROLL_ITEM_NAME = 31  # PayrollItemWageAdd/Name
TIME_NOTES = 4095  # TimeTrackingAdd/Notes
