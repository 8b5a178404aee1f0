"""Two workstations editing offline, then syncing in every order."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from app.persistence.models import Lead, SyncConflict
from tests.e2e.harness import Workstation


def first_lead(station: Workstation) -> Lead:
    with station.sessions() as session:
        return session.scalars(select(Lead).order_by(Lead.number)).first()


def test_first_sync_brings_the_queue(workstation) -> None:
    a = workstation("expert1")
    a.sync()
    with a.sessions() as session:
        assert session.scalar(select(Lead.id).limit(1)) is not None
        assert len(session.scalars(select(Lead)).all()) == 20
    assert a.waiting() == 0


ORDERS = list(itertools.permutations(["a-push", "b-push"]))


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_different_fields_both_win(workstation, order) -> None:
    a, b = workstation("expert1"), workstation("expert2")
    a.sync()
    b.sync()
    lead = first_lead(a)
    a.edit(Lead, lead.id, city="Lyon")
    b.edit(Lead, lead.id, qualification_note="Rappeler après 18 h")
    for step in order:
        (a if step == "a-push" else b).sync()
    a.sync()
    b.sync()
    for station in (a, b):
        row = station.get(Lead, lead.id)
        assert (row.city, row.qualification_note) == ("Lyon", "Rappeler après 18 h")


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_same_field_resolves_the_same_everywhere_and_keeps_the_loser(workstation, order) -> None:
    a, b = workstation("expert1"), workstation("expert2")
    a.sync()
    b.sync()
    lead = first_lead(a)
    a.edit(Lead, lead.id, city="Lyon")
    b.edit(Lead, lead.id, city="Marseille")  # later stamp: b wins whatever the push order
    for step in order:
        (a if step == "a-push" else b).sync()
    a.sync()
    b.sync()
    assert a.get(Lead, lead.id).city == b.get(Lead, lead.id).city == "Marseille"
    with a.sessions() as session:
        conflicts = session.scalars(select(SyncConflict)).all()
    # expert1 lost: the conflict reaches them (its loser) with both values.
    assert [(c.field, c.winner_value, c.loser_value) for c in conflicts] == [
        ("city", '"Marseille"', '"Lyon"')
    ]
