"""The request's state machine: every state has its row, a request goes in and out of a message in the
state it waited in, and a move the table does not name is refused."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from qbxml.models import QbRequest
from qbxml.queue import lifecycle

S = QbRequest.Status


@dataclass
class Row:
    pk: int
    status: str


def test_every_state_has_a_row_and_every_move_leads_to_a_state():
    assert set(lifecycle.NEXT) == set(S.values)
    for targets in lifecycle.NEXT.values():
        assert targets <= set(S.values)


def test_final_states_lead_nowhere_and_every_other_state_can_end():
    for state in lifecycle.FINAL:
        assert lifecycle.NEXT[state] == frozenset()
    for state in set(S.values) - lifecycle.FINAL:
        assert lifecycle.NEXT[state] & lifecycle.FINAL, f"{state} can reach an end"


@pytest.mark.parametrize("waiting", sorted(lifecycle.WAITING - {S.HELD}))
def test_a_request_goes_back_to_the_state_it_waited_in(waiting):
    row = Row(1, waiting)
    lifecycle.send(row)
    assert row.status in lifecycle.SENT
    lifecycle.wait_again(row)
    assert row.status == waiting


def test_a_held_request_goes_as_its_add_or_mod():
    row = Row(1, S.HELD)
    lifecycle.send(row)
    assert row.status == S.SENT


def test_a_look_up_goes_as_a_look_up():
    assert lifecycle.IN_FLIGHT[S.LOOK_UP] == S.LOOKING_UP
    assert lifecycle.IN_FLIGHT[S.NAME_IN_USE] == S.MATCHING_NAME
    assert lifecycle.IN_FLIGHT[S.STALE] == S.REFRESHING


def test_a_lost_add_is_looked_up_and_a_lost_mod_sent_again():
    add, mod, look_up = Row(1, S.SENT), Row(2, S.SENT), Row(3, S.LOOKING_UP)
    lifecycle.answer_lost(add, may_have_made_something=True)
    lifecycle.answer_lost(mod, may_have_made_something=False)
    lifecycle.answer_lost(look_up, may_have_made_something=True)
    assert (add.status, mod.status, look_up.status) == (S.LOOK_UP, S.READY, S.LOOK_UP)


@pytest.mark.parametrize(
    ("start", "to"),
    [(S.DONE, S.READY), (S.FAILED, S.SENT), (S.READY, S.DONE), (S.LOOK_UP, S.SENT), (S.MATCHING_NAME, S.STALE)],
)
def test_a_move_the_table_does_not_name_is_refused(start, to):
    row = Row(7, start)
    with pytest.raises(lifecycle.RequestStateError, match=f"request 7 cannot go from {start} to {to}"):
        lifecycle.move(row, to)
    assert row.status == start


@pytest.mark.django_db
def test_waiting_again_in_the_database_follows_the_table(connection):
    rows = {
        status: QbRequest.objects.create(connection=connection, kind="vendor", status=status)
        for status in (S.SENT, S.LOOKING_UP, S.MATCHING_NAME, S.REFRESHING, S.DONE, S.READY)
    }
    assert lifecycle.waits_again_in_database(QbRequest.objects.all()) == 4
    after = {before: QbRequest.objects.get(pk=row.pk).status for before, row in rows.items()}
    assert after == {
        S.SENT: S.READY,
        S.LOOKING_UP: S.LOOK_UP,
        S.MATCHING_NAME: S.NAME_IN_USE,
        S.REFRESHING: S.STALE,
        S.DONE: S.DONE,
        S.READY: S.READY,
    }
