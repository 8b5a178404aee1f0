"""Providers: validation with French field messages, audit, pipeline stages, activities."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.domain.errors import FieldErrors
from app.domain.providers import ActivityKind, CallOutcome, LostReason, ProviderStage
from app.persistence.models import Category, Provider, ProviderChange
from app.services.providers.provider_activities import ProviderActivities
from app.services.providers.provider_queries import ProviderFilter, ProviderQueries
from app.services.providers.providers import (
    ContactInput,
    NewProvider,
    ProviderForm,
    ProviderService,
    ZoneInput,
    company_key,
)

GOOD = ProviderForm(
    company_name="SARL Dupont & Fils",
    legal_form="SARL",
    siren="732 829 320",
    siret="732 829 320 00074",
    postcode="75011",
    city="Paris",
    phone="01 43 55 12 12",
    email="contact@dupont-fils.fr",
)


def _categories(workspace) -> list:  # type: ignore[no-untyped-def]
    with workspace.sessions() as session:
        return list(session.scalars(select(Category.id).order_by(Category.code).limit(2)))


def test_company_key_drops_legal_forms_and_accents() -> None:
    assert company_key("SARL Dupont & Fils") == "dupont"
    assert company_key("Établissements Lefèvre") == "lefevre"


def test_create_normalises_identifiers_phone_and_place(workspace, rep, clock) -> None:  # type: ignore[no-untyped-def]
    service = ProviderService(workspace.sessions, clock, rep)
    provider_id = service.create(
        NewProvider(
            GOOD,
            _categories(workspace),
            [ZoneInput(departement_code="75"), ZoneInput(postcode="92100", radius_km=15)],
            [ContactInput("Jean Dupont", "Gérant", "06 12 34 56 78", is_primary=True)],
        )
    )
    file = ProviderQueries(workspace.sessions).provider_file(provider_id)
    assert file is not None
    provider = file.provider
    assert provider.siren == "732829320"
    assert provider.siret == "73282932000074"
    assert provider.phone_e164 == "+33143551212"
    assert provider.departement_code == "75"
    assert provider.latitude == pytest.approx(48.86, abs=0.05)
    assert provider.stage == ProviderStage.PROSPECT
    assert len(file.category_ids) == 2
    assert {z.label for z in file.zones} == {"75 – Paris", "92100 + 15 km"}
    assert file.contacts[0].phone_e164 == "+33612345678"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siren", "732829321", "SIREN invalide"),
        ("siren", "1234", "9 chiffres"),
        ("siret", "73282932000075", "SIRET invalide"),
        ("phone", "12", "Numéro de téléphone"),
        ("postcode", "7501", "5 chiffres"),
        ("vat_number", "FR41732829320", "TVA invalide"),
        ("company_name", " ", "raison sociale"),
    ],
)
def test_bad_input_gets_a_french_message_and_nothing_is_saved(
    workspace,
    rep,
    clock,
    field,
    value,
    message,  # type: ignore[no-untyped-def]
) -> None:
    form = ProviderForm(**{**GOOD.__dict__, field: value})
    with pytest.raises(FieldErrors) as error:
        ProviderService(workspace.sessions, clock, rep).create(NewProvider(form))
    key = "phone" if field == "phone" else field
    assert message.lower() in error.value.errors[key].lower()
    with workspace.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 0


def test_siret_must_belong_to_the_siren(workspace, rep, clock) -> None:  # type: ignore[no-untyped-def]
    form = ProviderForm(**{**GOOD.__dict__, "siret": "35600000000048"})  # La Poste's
    with pytest.raises(FieldErrors) as error:
        ProviderService(workspace.sessions, clock, rep).create(NewProvider(form))
    assert "commencer par le SIREN" in error.value.errors["siret"]


def test_every_change_is_audited_and_update_keeps_the_record_on_bad_input(
    workspace,
    rep,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    service = ProviderService(workspace.sessions, clock, rep)
    provider_id = service.create(NewProvider(GOOD))
    changed = service.update(provider_id, ProviderForm(**{**GOOD.__dict__, "city": "Paris 11e"}))
    assert changed == ["city"]
    with pytest.raises(FieldErrors):
        service.update(provider_id, ProviderForm(**{**GOOD.__dict__, "siren": "111"}))
    service.move_to_stage(provider_id, ProviderStage.SIMULATION_SHOWN)
    with pytest.raises(FieldErrors):
        service.move_to_stage(provider_id, ProviderStage.LOST)
    service.move_to_stage(provider_id, ProviderStage.LOST, LostReason.PRICE)
    with workspace.sessions() as session:
        provider = session.get(Provider, provider_id)
        assert provider is not None and provider.siren == "732829320"
        assert provider.lost_reason == "price"
        fields = [c.field for c in session.scalars(select(ProviderChange))]
    assert fields.count("stage") == 2
    assert "city" in fields and "created" in fields and "lost_reason" in fields
    timeline = ProviderQueries(workspace.sessions).provider_file(provider_id).timeline  # type: ignore[union-attr]
    assert any("Perdu" in e.detail for e in timeline)


def test_reached_call_moves_a_prospect_to_contacted(workspace, rep, clock) -> None:  # type: ignore[no-untyped-def]
    provider_id = ProviderService(workspace.sessions, clock, rep).create(NewProvider(GOOD))
    activities = ProviderActivities(workspace.sessions, clock, rep)
    with pytest.raises(FieldErrors):
        activities.log(provider_id, ActivityKind.CALL)
    activities.log(provider_id, ActivityKind.CALL, notes="Intéressé", outcome=CallOutcome.REACHED)
    with workspace.sessions() as session:
        provider = session.get(Provider, provider_id)
        assert provider is not None
        assert provider.stage == ProviderStage.CONTACTED
        assert provider.last_contact_at == clock.now


def test_calls_are_planned_in_office_hours_of_the_provider_zone(workspace, rep, clock) -> None:  # type: ignore[no-untyped-def]
    service = ProviderService(workspace.sessions, clock, rep)
    paris = service.create(NewProvider(GOOD))
    reunion = service.create(
        NewProvider(ProviderForm(company_name="Réunion Bâti", postcode="97400", city="Saint-Denis"))
    )
    activities = ProviderActivities(workspace.sessions, clock, rep)
    # 10:00 UTC on a Tuesday: 11:00 in Paris (open), 14:00 in La Réunion (open).
    activities.plan(paris, ActivityKind.CALL, clock.now)
    # 15:30 UTC: 16:30 in Paris (open) but 19:30 in La Réunion (closed).
    evening = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    with pytest.raises(FieldErrors) as error:
        activities.plan(reunion, ActivityKind.CALL, evening)
    assert "02/12/2026 à 09:00" in error.value.errors["due_at"]
    activities.plan(reunion, ActivityKind.TASK, evening, "Envoyer la plaquette")
    day = activities.my_day()
    assert [item.kind for item in day] == [ActivityKind.CALL, ActivityKind.TASK]
    activities.complete(day[0].activity_id, CallOutcome.VOICEMAIL)
    assert len(activities.my_day()) == 1


def test_list_filters_and_saved_searches(workspace, rep, clock) -> None:  # type: ignore[no-untyped-def]
    service = ProviderService(workspace.sessions, clock, rep)
    service.create(NewProvider(GOOD, _categories(workspace)))
    service.create(
        NewProvider(ProviderForm(company_name="Lyon Rénov", postcode="69003", city="Lyon"))
    )
    queries = ProviderQueries(workspace.sessions)
    assert [r.company_name for r in queries.rows(ProviderFilter(text="dupont"))] == [
        "SARL Dupont & Fils"
    ]
    assert len(queries.rows(ProviderFilter(departement="69"))) == 1
    assert len(queries.rows(ProviderFilter(text="732829"))) == 1
    category = str(_categories(workspace)[0])
    criteria = ProviderFilter(category_id=category, stages=("prospect",))
    assert len(queries.rows(criteria)) == 1
    queries.save_search(rep.id, "Paris cuisine", criteria)
    saved = queries.saved_searches(rep.id)
    assert [(name, found) for _, name, found in saved] == [("Paris cuisine", criteria)]
    with pytest.raises(FieldErrors):
        queries.save_search(rep.id, "  ", criteria)


def test_the_list_reads_in_pages_in_the_order_asked(workspace, rep, clock) -> None:  # type: ignore[no-untyped-def]
    service = ProviderService(workspace.sessions, clock, rep)
    for n, (name, postcode) in enumerate(
        (("Alpha", "75011"), ("Bravo", "69003"), ("Charlie", "13001"), ("Delta", "75011"))
    ):
        service.create(NewProvider(ProviderForm(company_name=f"{name} {n}", postcode=postcode,
                                                city="Ville")))  # fmt: skip
    queries = ProviderQueries(workspace.sessions)
    everyone = ProviderFilter()
    assert queries.count(everyone) == 4
    assert queries.count(ProviderFilter(departement="75")) == 2
    pages = [queries.rows(everyone, 3, 0), queries.rows(everyone, 3, 3)]
    assert [len(p) for p in pages] == [3, 1]
    assert [r.company_name for p in pages for r in p] == ["Alpha 0", "Bravo 1", "Charlie 2",
                                                          "Delta 3"]  # fmt: skip
    by_place = queries.rows(everyone, 10, 0, "city", descending=True)
    assert [r.postcode for r in by_place] == ["75011", "75011", "69003", "13001"]
    # Rows of equal postcode keep one order from page to page (ties broken by id).
    assert [r.id for r in by_place[:2]] == [
        r.id for r in queries.rows(everyone, 2, 0, "city", descending=True)
    ]
