"""Amounts, dates and text as qbXML carries them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from qbxml.lib.values import FieldError, format_amount, format_date, qb_id, qb_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0"), "0.00"),
        (Decimal("-0.00"), "0.00"),
        (Decimal("12.5"), "12.50"),
        (Decimal("1E+3"), "1000.00"),
        (Decimal("-1234567.89"), "-1234567.89"),
        (Decimal("9999999999999.99"), "9999999999999.99"),
        (Decimal("-9999999999999.99"), "-9999999999999.99"),
        (Decimal("1.230000"), "1.23"),
        (42, "42.00"),
    ],
)
def test_amounts_have_two_decimals_and_no_grouping(value, text):
    assert format_amount("Amount", value) == text


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (Decimal("10000000000000"), "13 integer digits"),
        (Decimal("-10000000000000.00"), "13 integer digits"),
        (Decimal("1E+40"), "13 integer digits"),
        (Decimal("1.005"), "more than two decimals"),
        (Decimal("1E-30"), "more than two decimals"),
        (Decimal("NaN"), "not an amount"),
        (Decimal("Infinity"), "not an amount"),
        (1.5, "must be Decimal"),
        (True, "must be Decimal"),
        ("1.00", "must be Decimal"),
    ],
)
def test_amounts_quickbooks_cannot_hold_are_refused_not_rounded(value, reason):
    with pytest.raises(FieldError, match=reason) as caught:
        format_amount("BillAdd/ItemLineAdd[1]/Amount", value)
    assert "BillAdd/ItemLineAdd[1]/Amount" in str(caught.value)


def test_dates_are_iso():
    assert format_date("TxnDate", date(2024, 3, 9)) == "2024-03-09"
    with pytest.raises(FieldError):
        format_date("TxnDate", datetime(2024, 3, 9, tzinfo=UTC))


def test_text_is_mapped_to_windows_1252_never_truncated():
    assert qb_text("Name", "Smith\u2019s \u201cBest\u201d \u2013 Co", 41) == 'Smith\'s "Best" - Co'
    with pytest.raises(FieldError, match="at most 5") as caught:
        qb_text("VendorAdd/Name", "abcdef", 5)
    assert caught.value.limit == 5


def test_text_refusal_names_the_character():
    with pytest.raises(FieldError) as caught:
        qb_text("VendorAdd/Name", "Caf\u00e9 \u6771\u4eac", 41)
    assert caught.value.char == "\u6771"
    assert "U+6771" in str(caught.value) and "VendorAdd/Name" in str(caught.value)


def test_mapping_can_make_text_too_long():
    # "\u2026" becomes "...": the length that counts is the stored one.
    with pytest.raises(FieldError, match="is 6 characters long"):
        qb_text("Name", "abc\u2026\u2026"[:4], 5)


def test_list_names_refuse_colons_line_breaks_and_blanks():
    with pytest.raises(FieldError, match="colon"):
        qb_text("CustomerAdd/Name", "Big Co:Job", 41, list_name=True)
    with pytest.raises(FieldError, match="U\\+000A"):
        qb_text("CustomerAdd/Name", "two\nlines", 41, list_name=True)
    with pytest.raises(FieldError, match="empty"):
        qb_text("CustomerAdd/Name", "   ", 41, required=True)
    assert qb_text("Memo", "two\nlines", 4095, multiline=True) == "two\nlines"


def test_identifiers_are_printable_ascii_within_their_length():
    assert qb_id("ListID", "80000001-1712345678") == "80000001-1712345678"
    for bad in ("", "a b", "x" * 37, "caf\u00e9"):
        with pytest.raises(FieldError):
            qb_id("ListID", bad)
