"""Send-time validation (text_problems) and the builders (qb_text) must agree on every name.

If they did not, an item could pass the sender's checks and then fail in the approver's export.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qbxml.lib.text import text_problems, to_qb_text
from qbxml.lib.values import FieldError, qb_text

names = st.one_of(
    st.text(max_size=45),
    st.lists(st.sampled_from(list("ab :\t\n\u2019\u2026\u00a0\u6771 ")), max_size=45).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(value=names)
def test_send_time_checks_and_builders_agree_on_list_names(value):
    problems = text_problems("The name", value, 41, list_name=True)
    try:
        qb_text("VendorAdd/Name", value, 41, required=True, list_name=True)
    except FieldError:
        assert problems, value
    else:
        assert not problems, problems


@settings(max_examples=200, deadline=None)
@given(value=names)
def test_single_line_fields_agree(value):
    problems = text_problems("Address line 1", value, 41, single_line=True)
    try:
        qb_text("VendorAdd/VendorAddress/Addr1", value, 41)
    except FieldError:
        assert problems, value
    else:
        assert not problems, problems


def test_text_problems_in_plain_words():
    assert text_problems("The name", "Acme", 41, list_name=True) == []
    assert text_problems("The name", "Big Co:Job", 41, list_name=True) == [
        'The name cannot contain a colon (":"): QuickBooks uses it to separate Customer:Job.'
    ]
    assert text_problems("The name", "two\nlines", 41, list_name=True) == [
        "The name cannot contain a line break or a tab."
    ]
    assert text_problems("The memo", "two\nlines", 4095) == []
    assert text_problems("The code", "x" * 32, 31) == ["The code is 32 characters long; QuickBooks allows at most 31."]
    assert to_qb_text("\u201cquoted\u201d") == '"quoted"'
