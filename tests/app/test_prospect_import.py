"""Prospect CSV import: mapping, bad rows listed, duplicates found, decisions applied."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.demo.providers import add_demo_providers, write_prospect_csv
from app.domain.enums import Role
from app.persistence.models import Provider
from app.services.providers.prospect_import import (
    Decision,
    apply_plan,
    guess_mapping,
    prepare,
    read_csv,
)
from app.services.providers.providers import NewProvider, ProviderForm, ProviderService
from tests.conftest import add_user


def test_excel_csv_with_duplicates_and_bad_rows(workspace, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rep = add_user(workspace, "sales1", Role.SALES)
    add_demo_providers(workspace.sessions, datetime(2026, 11, 28, tzinfo=UTC), count=10)
    path = write_prospect_csv(tmp_path / "prospects.csv", 200, workspace.sessions)
    csv_file = read_csv(path)
    mapping = guess_mapping(csv_file.headers)
    assert {"company_name", "siren", "postcode", "city", "phone", "contact_name"} <= set(mapping)
    with workspace.sessions() as session:
        plan = prepare(session, csv_file, mapping)
    # Every 20 rows: one bad SIREN, one short postcode, one bad phone.
    assert len(plan.bad) == 30
    reasons = " ".join(b.reason for b in plan.bad)
    assert "SIREN" in reasons and "Code postal" in reasons and "Téléphone" in reasons
    kinds = {d.duplicate.reason.split(" (")[0] for d in plan.duplicates if d.duplicate}
    assert {"même SIREN", "nom proche"} <= kinds
    assert len(plan.duplicates) == 20
    assert all(r.decision is Decision.SKIP for r in plan.duplicates)
    merge = next(r for r in plan.duplicates if "SIREN" in r.duplicate.reason)  # type: ignore[union-attr]
    merge.decision = Decision.MERGE
    seen: list[tuple[int, int]] = []
    result = apply_plan(
        ProviderService(workspace.sessions, clock, rep),
        plan,
        lambda done, total: seen.append((done, total)) or True,
    )
    assert (result.created, result.merged, result.skipped) == (150, 1, 19)
    assert seen[-1] == (170, 170)
    with workspace.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 160


def test_cancel_stops_between_batches_and_keeps_what_was_written(
    workspace, clock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    rep = add_user(workspace, "sales1", Role.SALES)
    csv_file = read_csv(write_prospect_csv(tmp_path / "p.csv", 1500))
    with workspace.sessions() as session:
        cancelled = prepare(
            session, csv_file, guess_mapping(csv_file.headers), lambda d, t: d < 500
        )
        assert cancelled.cancelled
        plan = prepare(session, csv_file, guess_mapping(csv_file.headers))
    service = ProviderService(workspace.sessions, clock, rep)
    result = apply_plan(service, plan, lambda done, total: done < 500)
    assert result.cancelled and result.created == 500
    with workspace.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 500


def test_an_earlier_row_of_the_same_file_is_a_duplicate(workspace, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_user(workspace, "sales1", Role.SALES)
    path = tmp_path / "same.csv"
    path.write_text(
        "Entreprise,Code postal,Ville,Tel\n"
        "Plomberie Durand,75011,Paris,01 43 55 12 12\n"
        "SARL Plomberie Durand,75011,Paris,\n"
        "Autre,75011,Paris,01.43.55.12.12\n",
        encoding="utf-8",
    )
    csv_file = read_csv(path)
    with workspace.sessions() as session:
        plan = prepare(session, csv_file, guess_mapping(csv_file.headers))
    assert [r.duplicate.reason if r.duplicate else None for r in plan.rows] == [
        None,
        "nom proche (100 %) au même code postal",
        "même téléphone",
    ]


def test_existing_provider_match_by_phone(workspace, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rep = add_user(workspace, "sales1", Role.SALES)
    ProviderService(workspace.sessions, clock, rep).create(
        NewProvider(
            ProviderForm(company_name="X", postcode="69003", city="Lyon", phone="0472000000")
        )
    )
    path = tmp_path / "p.csv"
    path.write_text(
        "nom;cp;ville;telephone\nY;13001;Marseille;+33 4 72 00 00 00\n", encoding="utf-8"
    )
    csv_file = read_csv(path)
    with workspace.sessions() as session:
        plan = prepare(session, csv_file, guess_mapping(csv_file.headers))
    assert plan.rows[0].duplicate is not None
    assert plan.rows[0].duplicate.company_name == "X"
