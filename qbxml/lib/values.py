"""Turning Python values into qbXML text, refusing what QuickBooks would store differently.

Every refusal is a `FieldError` (a ValueError) that names the qbXML field, so the person who has to fix
the data knows where to look. Nothing is ever truncated or rounded here: a value that does not fit is an
error, never a quiet change of what reaches the books.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation, localcontext

from qbxml.lib import limits
from qbxml.lib.text import to_qb_text

_CENTS = Decimal("0.01")
ID_MAX_LENGTH = limits.LIST_ID
EDIT_SEQUENCE_MAX_LENGTH = limits.EDIT_SEQUENCE


class FieldError(ValueError):
    """A value that cannot go to QuickBooks as the named field.

    `field` is a path such as "VendorAdd/VendorAddress/Addr1"; `limit` is the schema's maximum length when
    the value is too long; `char` is the offending character when one is refused.
    """

    def __init__(self, field: str, message: str, *, limit: int | None = None, char: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.limit = limit
        self.char = char


def _describe_char(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    if char.isprintable() and not char.isspace():
        return f'"{char}" ({code}{" " + name if name else ""})'
    return f"{code}{' ' + name if name else ''}"


def qb_text(
    field: str,
    value: str,
    max_length: int | None,
    *,
    required: bool = False,
    multiline: bool = False,
    list_name: bool = False,
) -> str:
    """`value` as QuickBooks will store it, or FieldError.

    `list_name` applies the rules of a list record's own Name (no colon, since QuickBooks joins
    Customer:Job with it). Single-line fields refuse tabs and line breaks, which QuickBooks would keep in
    a name and then fail to match on lookup.
    """
    if not isinstance(value, str):
        raise FieldError(field, f"expected text, got {type(value).__name__}")
    try:
        text = to_qb_text(value)
    except ValueError as exc:
        bad = next((ch for ch in value if not _storable(ch)), None)
        if bad is None:
            raise FieldError(field, str(exc)) from None
        raise FieldError(
            field,
            f"the character {_describe_char(bad)} cannot be stored in QuickBooks, which keeps Windows-1252 text",
            char=bad,
        ) from None
    if not multiline and ("\t" in text or "\n" in text or "\r" in text):
        char = next(char for char in text if char in "\t\n\r")
        raise FieldError(field, f"the character {_describe_char(char)} is not allowed on one line", char=char)
    if required and not text.strip():
        raise FieldError(field, "is empty; QuickBooks needs a value")
    if list_name and ":" in text:
        raise FieldError(
            field,
            'cannot contain a colon (":"): QuickBooks uses it to separate Customer:Job',
            char=":",
        )
    if max_length is not None and len(text) > max_length:
        raise FieldError(
            field,
            f"is {len(text)} characters long; QuickBooks allows at most {max_length}",
            limit=max_length,
        )
    return text


def _storable(char: str) -> bool:
    try:
        to_qb_text(char)
    except ValueError:
        return False
    return True


def qb_id(field: str, value: str, max_length: int = ID_MAX_LENGTH) -> str:
    """A ListID, TxnID, TxnLineID or EditSequence: opaque, printable ASCII that QuickBooks handed us."""
    if not isinstance(value, str) or not value:
        raise FieldError(field, "is empty; QuickBooks needs the identifier it returned")
    if len(value) > max_length:
        raise FieldError(
            field,
            f"is {len(value)} characters long; QuickBooks allows at most {max_length}",
            limit=max_length,
        )
    for char in value:
        if not (char.isascii() and char.isprintable()) or char.isspace():
            raise FieldError(field, f"the character {_describe_char(char)} cannot be in an identifier", char=char)
    return value


def format_amount(field: str, value: Decimal | int) -> str:
    """Two decimals, a dot, no grouping, at most 13 integer digits: the schema's AMTTYPE.

    Sub-cent values are refused rather than rounded: the rounding rule belongs to whoever computed the
    amount, and a silent half-cent difference makes the books disagree with the project.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise FieldError(field, f"amounts must be Decimal, got {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise FieldError(field, f"{amount} is not an amount")
    # adjusted() is the exponent of the leading digit: 12 means 13 integer digits.
    if amount and amount.adjusted() >= limits.AMOUNT_MAX_INTEGER_DIGITS:
        raise FieldError(
            field,
            f"{amount} has more than {limits.AMOUNT_MAX_INTEGER_DIGITS} integer digits",
            limit=limits.AMOUNT_MAX_INTEGER_DIGITS,
        )
    with localcontext() as ctx:
        # Enough precision that quantize never fails for a value with at most 13 integer digits.
        ctx.prec = 60
        try:
            cents = amount.quantize(_CENTS)
        except InvalidOperation:
            raise FieldError(field, f"{amount} is not an amount QuickBooks can hold") from None
        if cents != amount:
            raise FieldError(field, f"{amount} has more than two decimals")
    text = f"{abs(cents):f}"
    return "-" + text if cents < 0 else text


def format_date(field: str, value: date) -> str:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise FieldError(field, f"expected a date, got {type(value).__name__}")
    return value.isoformat()


def format_bool(value: bool) -> str:
    return "true" if value else "false"
