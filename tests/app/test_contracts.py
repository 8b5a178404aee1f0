"""Contracts on the workstation: validation, versions and amendments, the diff, requests,
disputes; and the matching rule as a pure function, with properties checked by hypothesis."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.dispatch.matching import DispatchPolicy, Offer, Sold, UnsoldReason, place_lead, rank
from app.domain.contracts import (
    CategoryFloor,
    ContractStatus,
    PriceLine,
    RequestKind,
    VersionSpan,
    check_terms,
    diff_terms,
    plan_activation,
)
from app.domain.disputes import DisputeReason, check_filing
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.zones import ZoneInput
from app.persistence.models import ContractEvent, ContractRequest, ContractVersion, Provider
from app.services.contracts.contract_queries import ContractQueries
from app.services.contracts.contracts import ContractService
from tests.contract_fixtures import add_provider, category_id, terms

CAT = uuid.UUID(int=1)
FLOORS = {CAT: CategoryFloor("Salle de bains", 1200)}


# -- validation ---------------------------------------------------------------------------------


def test_valid_terms_pass() -> None:
    check_terms(terms(CAT), FLOORS)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"prices": (PriceLine(CAT, 1199),)}, "prices", "plancher"),
        ({"ends_on": date(2026, 11, 1)}, "ends_on", "postérieure"),
        ({"ends_on": date(2026, 10, 1)}, "ends_on", "postérieure"),
        ({"sharing_level": 0}, "sharing_level", "exclusif"),
        ({"cap_leads": 0}, "cap_leads", "au moins 1"),
        ({"package_fee_cents": 10000}, "package", "nombre de leads"),
        ({"package_fee_cents": 10000, "package_leads": 20, "cap_leads": 10}, "package", "plafond"),
        ({"payment_days": 90}, "payment_days", "L441-10"),
        ({"sepa_mandate_ref": "é" * 40}, "sepa_mandate_ref", "RUM"),
        ({"prices": ()}, "prices", "au moins une catégorie"),
        ({"zones": ()}, "zones", "au moins une zone"),
        ({"zones": (ZoneInput(postcode="75011", radius_km=500),)}, "zones", "rayon"),
    ],
)
def test_bad_terms_get_a_french_message_on_their_field(changes, field, words) -> None:
    with pytest.raises(FieldErrors) as raised:
        check_terms(replace(terms(CAT), **changes), FLOORS)
    assert words in raised.value.errors[field]


def test_an_amendment_supersedes_the_active_version_from_its_start() -> None:
    active = VersionSpan(1, ContractStatus.ACTIVE, date(2026, 1, 1), None)
    amendment = VersionSpan(2, ContractStatus.SIGNED, date(2027, 1, 1), None)
    assert plan_activation(amendment, [active]) == ([(1, date(2026, 12, 31))], None)


def test_overlapping_active_versions_are_refused() -> None:
    active = VersionSpan(2, ContractStatus.ACTIVE, date(2026, 6, 1), date(2026, 12, 31))
    earlier = VersionSpan(3, ContractStatus.SIGNED, date(2026, 1, 1), None)
    to_end, refused = plan_activation(earlier, [active])
    assert to_end == [] and refused and "chevauche la version 2" in refused
    ended = VersionSpan(1, ContractStatus.ACTIVE, date(2025, 1, 1), date(2025, 12, 31))
    assert plan_activation(earlier, [ended]) == ([], None)


def test_diff_lists_each_changed_term_price_and_zone() -> None:
    other = uuid.UUID(int=2)
    before = terms(CAT, 2500)
    after = replace(
        before,
        cap_leads=40,
        sharing_level=1,
        prices=(PriceLine(CAT, 3000), PriceLine(other, 1500)),
        zones=(ZoneInput(departement_code="75"), ZoneInput(departement_code="92")),
    )
    changes = {(c.label, c.before, c.after) for c in diff_terms(before, after, {CAT: "Bain"})}
    assert ("Plafond mensuel (leads)", "—", "40") in changes
    assert ("Partage", "Partagé, 3 prestataires au plus", "Exclusif") in changes
    assert ("Prix « Bain »", "25,00\xa0€", "30,00\xa0€") in changes
    assert any(c[0].startswith("Prix") and c[1] == "non couverte" for c in changes)
    assert ("Zone", "—", "92 – Hauts-de-Seine") in changes
    assert len(changes) == 5


# -- the service --------------------------------------------------------------------------------


def _category(workspace) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with workspace.sessions() as session:
        return category_id(session)


def test_a_draft_is_written_sent_signed_and_activation_is_requested(
    workspace, clock, rep, provider
) -> None:  # type: ignore[no-untyped-def]
    service = ContractService(workspace.sessions, clock, rep)
    category = _category(workspace)
    version_id = service.create(provider, terms(category))
    service.save_draft(version_id, terms(category, 2800, cap_leads=30))
    service.move(version_id, ContractStatus.SENT)
    with pytest.raises(ActionRefused):
        service.save_draft(version_id, terms(category, 2900))
    service.move(version_id, ContractStatus.SIGNED)
    with pytest.raises(ActionRefused, match="serveur"):
        service.move(version_id, ContractStatus.ACTIVE)
    with pytest.raises(ActionRefused, match="Suspension impossible"):
        service.request(version_id, RequestKind.SUSPEND, "test")
    service.request(version_id, RequestKind.ACTIVATE)
    with pytest.raises(ActionRefused, match="déjà en attente"):
        service.request(version_id, RequestKind.ACTIVATE)
    detail = ContractQueries(workspace.sessions).detail(version_id)
    assert detail.terms.price_for(category) == 2800 and detail.terms.cap_leads == 30
    assert [e.to_status for e in detail.events] == ["draft", "sent", "signed"]
    assert detail.row.last_request and detail.row.last_request.state == "pending"
    with workspace.sessions() as session:
        assert session.get(Provider, provider).stage == "signed"


def test_bad_terms_write_nothing(workspace, clock, rep, provider) -> None:  # type: ignore[no-untyped-def]
    service = ContractService(workspace.sessions, clock, rep)
    with pytest.raises(FieldErrors):
        service.create(provider, terms(_category(workspace), 100))
    with workspace.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ContractVersion)) == 0
        assert session.scalar(select(func.count()).select_from(ContractEvent)) == 0


def test_a_signed_version_changes_only_by_amendment_with_its_diff(
    workspace, clock, rep, provider
) -> None:  # type: ignore[no-untyped-def]
    service = ContractService(workspace.sessions, clock, rep)
    category = _category(workspace)
    first = service.create(provider, terms(category))
    with pytest.raises(ActionRefused, match="modifiez-la directement"):
        service.amend(_contract_of(workspace, first), terms(category, starts_on=date(2027, 1, 1)))
    service.move(first, ContractStatus.SENT)
    service.move(first, ContractStatus.SIGNED)
    contract_id = _contract_of(workspace, first)
    with pytest.raises(ActionRefused, match="commence après"):
        service.amend(contract_id, terms(category, 3000))
    second = service.amend(contract_id, terms(category, 3000, starts_on=date(2027, 1, 1)))
    queries = ContractQueries(workspace.sessions)
    rows = queries.versions_of_provider(provider)
    assert [(r.number, r.status) for r in rows] == [(2, "draft"), (1, "signed")]
    labels = {c.label for c in queries.diff(first, second)}
    assert labels == {"Début", "Prix « Salle de bains »"}


def _contract_of(workspace, version_id) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with workspace.sessions() as session:
        return session.get(ContractVersion, version_id).contract_id


def test_suspension_needs_a_reason(workspace, clock, rep, provider) -> None:  # type: ignore[no-untyped-def]
    service = ContractService(workspace.sessions, clock, rep)
    version_id = service.create(provider, terms(_category(workspace)))
    with workspace.sessions.begin() as session:
        session.get(ContractVersion, version_id).status = ContractStatus.ACTIVE
    with pytest.raises(ActionRefused, match="motif"):
        service.request(version_id, RequestKind.SUSPEND, "  ")
    service.request(version_id, RequestKind.SUSPEND, "Impayés")
    with workspace.sessions() as session:
        assert session.scalar(select(ContractRequest.reason)) == "Impayés"


def test_disputes_are_filed_within_the_window_only() -> None:
    sold = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    check_filing(sold, sold + timedelta(days=30), 30)
    with pytest.raises(ActionRefused, match="01/12/2026"):
        check_filing(sold, sold + timedelta(days=30, minutes=1), 30)
    assert len(DisputeReason) == 5


# -- the matching rule --------------------------------------------------------------------------

POLICY = DispatchPolicy()


def _offer(n: int, **changes) -> Offer:  # type: ignore[no-untyped-def]
    base = Offer(
        contract_id=uuid.UUID(int=n),
        version_id=uuid.UUID(int=100 + n),
        provider_id=uuid.UUID(int=200 + n),
        price_cents=2500,
        sharing_level=3,
        cap_leads=None,
        cap_cents=None,
        package_leads=None,
        leads_this_month=0,
        spent_this_month_cents=0,
        distance_km=10.0,
        last_sale_at=None,
    )
    return replace(base, **changes)


def test_rank_pace_then_price_then_distance_then_last_sale() -> None:
    behind = _offer(1, cap_leads=100, leads_this_month=10)  # 10 %
    ahead = _offer(2, cap_leads=10, leads_this_month=5, price_cents=9000)  # 50 %
    dear = _offer(3, cap_leads=100, leads_this_month=10, price_cents=3000)
    near = _offer(4, cap_leads=100, leads_this_month=10, distance_km=2.0)
    served = datetime(2026, 11, 30, tzinfo=UTC)
    recent = _offer(5, cap_leads=100, leads_this_month=10, distance_km=2.0, last_sale_at=served)
    assert rank([ahead, recent, behind, near, dear], POLICY) == [dear, near, recent, behind, ahead]


def test_package_leads_cost_nothing_against_the_euro_cap() -> None:
    offer = _offer(
        1, package_leads=10, leads_this_month=9, cap_cents=100, spent_this_month_cents=100
    )
    assert offer.within_package and offer.under_caps()
    assert not replace(offer, leads_this_month=10).under_caps()


def test_no_offer_means_no_coverage_and_full_caps_mean_caps_reached() -> None:
    assert place_lead([], [], None, POLICY).unsold == UnsoldReason.NO_COVERAGE
    full = _offer(1, cap_leads=3, leads_this_month=3)
    assert place_lead([full], [], None, POLICY).unsold == UnsoldReason.CAPS_REACHED


offers = st.lists(
    st.builds(
        _offer,
        st.integers(1, 30),
        price_cents=st.integers(1200, 9000),
        sharing_level=st.integers(1, 4),
        cap_leads=st.none() | st.integers(1, 20),
        cap_cents=st.none() | st.integers(1000, 50000),
        package_leads=st.none() | st.integers(1, 10),
        leads_this_month=st.integers(0, 25),
        spent_this_month_cents=st.integers(0, 50000),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(
    offers,
    st.lists(st.tuples(st.integers(200, 240), st.integers(1, 4)), max_size=3),
    st.none() | st.integers(1, 4),
)
def test_placement_never_breaks_sharing_caps_or_sells_twice(offers, sold, lead_limit) -> None:
    already = [Sold(uuid.UUID(int=p), level) for p, level in {p: lv for p, lv in sold}.items()]
    placement = place_lead(offers, already, lead_limit, POLICY)
    chosen = placement.chosen
    providers = [o.provider_id for o in chosen] + [s.provider_id for s in already]
    assert len(set(providers)) == len(providers)
    levels = [o.sharing_level for o in chosen] + [s.sharing_level for s in already]
    if chosen:
        limit = min([lead_limit or POLICY.max_providers_per_lead, POLICY.max_providers_per_lead])
        assert len(providers) <= min([limit, *levels])
    assert all(o.under_caps() for o in chosen)
    if not chosen and not already and offers:
        assert placement.unsold in (UnsoldReason.CAPS_REACHED, UnsoldReason.NO_COVERAGE)


def test_the_simulation_counts_providers_under_an_active_contract_in_the_zone(
    workspace, clock, rep
) -> None:  # type: ignore[no-untyped-def]
    from app.services.demand_history import DemandSelection, read_demand_history

    service = ContractService(workspace.sessions, clock, rep)
    category = _category(workspace)
    with workspace.sessions.begin() as session:
        paris = add_provider(session, "Paris", "75011", clock())
        ajaccio = add_provider(session, "Ajaccio", "20000", clock())
        draft_only = add_provider(session, "Brouillon", "75012", clock())
    versions = [
        service.create(paris, terms(category)),
        service.create(
            ajaccio, terms(category, zones=(ZoneInput(postcode="20000", radius_km=10),))
        ),
        service.create(draft_only, terms(category)),
    ]
    with workspace.sessions.begin() as session:
        for version_id in versions[:2]:
            session.get(ContractVersion, version_id).status = ContractStatus.ACTIVE

    def competing(*departements: str, exclude=None) -> int:  # type: ignore[no-untyped-def]
        with workspace.sessions() as session:
            selection = DemandSelection((category,), departements, exclude_provider_id=exclude)
            return read_demand_history(session, selection, clock()).competing_providers

    assert competing("75") == 1  # the draft does not buy anything yet
    assert competing("75", exclude=paris) == 0
    assert competing("2A") == 1  # 20000 is Corse-du-Sud, not "20"
    assert competing("69") == 0
