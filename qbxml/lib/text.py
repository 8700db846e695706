"""Text as QuickBooks Desktop stores it.

QuickBooks keeps text in Windows-1252. Typographic characters that people paste from word processors are
mapped to their plain forms on purpose; any other character outside Windows-1252 is refused with the
character named, never turned into "?" behind the user's back.
"""

from __future__ import annotations

import unicodedata

_PLAIN_FORMS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
}


def to_qb_text(value: str) -> str:
    """The text QuickBooks will store for `value`. Raises ValueError naming the first character it cannot hold."""
    if value.isascii() and value.isprintable():
        return value  # the common case, and every character of it fits: no need to look at each one
    mapped = "".join(_PLAIN_FORMS.get(char, char) for char in value)
    for char in mapped:
        if char in "\t\n\r":
            continue
        if unicodedata.category(char) == "Cc" or not _fits_cp1252(char):
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            raise ValueError(f'the character "{char}" ({name}) cannot be stored in QuickBooks')
    return mapped


def _fits_cp1252(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def text_problems(
    label: str, value: str, max_length: int, *, list_name: bool = False, single_line: bool = False
) -> list[str]:
    """Every reason `value` cannot go to QuickBooks as the field called `label`, in plain words.

    `single_line` (implied by `list_name`) refuses tabs and line breaks, as the qbXML builders do for
    every field that is not a memo or a description.
    """
    problems: list[str] = []
    try:
        qb_value = to_qb_text(value)
    except ValueError as exc:
        problems.append(f"{label}: {exc}.")
        qb_value = value
    if len(qb_value) > max_length:
        problems.append(f"{label} is {len(qb_value)} characters long; QuickBooks allows at most {max_length}.")
    if (list_name or single_line) and any(char in value for char in "\t\n\r"):
        problems.append(f"{label} cannot contain a line break or a tab.")
    if list_name and ":" in value:
        problems.append(f'{label} cannot contain a colon (":"): QuickBooks uses it to separate Customer:Job.')
    if list_name and not value.strip():
        problems.append(f"{label} is empty.")
    return problems
