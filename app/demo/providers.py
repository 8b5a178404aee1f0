"""Demo providers for the sales rep, and a prospect CSV with duplicates and bad rows."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from stdnum import luhn

from app.domain.company_ids import vat_for_siren
from app.domain.geography import postcode_places
from app.domain.providers import ActivityKind, CallOutcome, ProviderSource, ProviderStage
from app.persistence.models import (
    Category,
    Provider,
    ProviderActivity,
    ProviderCategory,
    ProviderContact,
    ProviderZone,
    User,
)
from app.services.providers.providers import company_key

TRADES = ("Rénovation", "Bâtiment", "Plomberie", "Cuisines", "Toitures", "Menuiserie",
          "Peinture", "Isolation", "Paysages", "Chauffage", "Carrelage", "Maçonnerie")  # fmt: skip
NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
         "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
         "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André",
         "Mercier")  # fmt: skip
FORMS = ("SARL", "SAS", "EURL", "SASU", "EI")
FIRST = ("Jean", "Marie", "Pierre", "Nathalie", "Luc", "Sophie", "Karim", "Claire", "Paul")
# Where the demo rep prospects: Île-de-France.
REGION = ("75", "77", "78", "91", "92", "93", "94", "95")


def random_siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7, 10**8):08d}"
    return body + luhn.calc_check_digit(body)


def random_siret(rng: random.Random, siren: str) -> str:
    body = siren + f"{rng.randrange(1, 99):04d}"
    return body + luhn.calc_check_digit(body)


def _phone(rng: random.Random) -> str:
    return f"+331{rng.randrange(40000000, 79999999)}"


def _region_postcodes() -> list[tuple[str, str]]:
    return sorted(
        (p.postcode, p.main_commune)
        for p in postcode_places().values()
        if p.departement_code in REGION
    )


def add_demo_providers(
    sessions: sessionmaker[Session], now: datetime, count: int = 40, seed: int = 2026
) -> None:
    rng = random.Random(seed)
    places = _region_postcodes()
    with sessions.begin() as session:
        rep = session.scalar(select(User).where(User.username == "sales1"))
        if rep is None:
            return
        categories = list(session.scalars(select(Category.id).order_by(Category.code)))
        stages = [s for s in ProviderStage for _ in range(3 if s != ProviderStage.SIGNED else 2)]
        for index in range(count):
            postcode, city = rng.choice(places)
            name = f"{rng.choice(TRADES)} {rng.choice(NAMES)}"
            siren = random_siren(rng)
            stage = stages[index % len(stages)]
            since = now - timedelta(days=rng.randint(1, 120))
            provider = Provider(
                company_name=name,
                search_name=company_key(name),
                legal_form=rng.choice(FORMS),
                siren=siren,
                siret=random_siret(rng, siren),
                vat_number=vat_for_siren(siren),
                postcode=postcode,
                city=city,
                departement_code=postcode[:2],
                phone_e164=_phone(rng),
                email=f"contact@{company_key(name).replace(' ', '-')}.fr",
                owner_id=rep.id,
                source=rng.choice(list(ProviderSource)).value,
                stage=stage.value,
                stage_changed_at=since,
                lost_reason="price" if stage is ProviderStage.LOST else None,
                closing_rate_percent=rng.choice((20, 25, 30, 35)),
            )
            session.add(provider)
            session.flush()
            session.add(
                ProviderContact(
                    provider_id=provider.id,
                    full_name=f"{rng.choice(FIRST)} {name.split()[-1]}",
                    role="Gérant",
                    phone_e164=f"+336{rng.randrange(10000000, 99999999)}",
                    is_primary=True,
                )
            )
            for category_id in rng.sample(categories, 2):
                session.add(ProviderCategory(provider_id=provider.id, category_id=category_id))
            session.add(ProviderZone(provider_id=provider.id, departement_code=postcode[:2]))
            if stage is not ProviderStage.PROSPECT:
                session.add(
                    ProviderActivity(
                        provider_id=provider.id,
                        user_id=rep.id,
                        kind=ActivityKind.CALL.value,
                        subject="Premier appel",
                        outcome=CallOutcome.REACHED.value,
                        done=True,
                        done_at=since,
                    )
                )
                provider.last_contact_at = since
            if index % 5 == 0:
                session.add(
                    ProviderActivity(
                        provider_id=provider.id,
                        user_id=rep.id,
                        kind=ActivityKind.CALL.value,
                        subject="Rappeler pour la simulation",
                        due_at=now + timedelta(hours=rng.randint(-20, 6)),
                    )
                )


def write_prospect_csv(
    path: Path, rows: int, sessions: sessionmaker[Session] | None = None, seed: int = 7
) -> Path:
    """An Excel-style CSV (;, Windows-1252) of prospects: mostly new companies, some copies
    of existing providers (same SIREN or phone), a few near-duplicate names and bad rows."""
    rng = random.Random(seed)
    places = _region_postcodes()
    existing: list[Provider] = []
    if sessions is not None:
        with sessions() as session:
            existing = list(session.scalars(select(Provider).limit(50)))
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            ["Raison sociale", "Forme juridique", "SIREN", "Adresse", "Code postal", "Ville",
             "Téléphone", "E-mail", "Nom du contact", "Fonction"]
        )  # fmt: skip
        for index in range(rows):
            roll = index % 20
            if roll == 3 and existing:
                p = rng.choice(existing)  # same SIREN as an existing provider
                writer.writerow([p.company_name, p.legal_form, p.siren, "", p.postcode, p.city,
                                 "", "", "", ""])  # fmt: skip
                continue
            if roll == 7 and existing:
                p = rng.choice(existing)  # near-identical name, same postcode
                writer.writerow([f"{p.company_name} et Fils", "", "", "", p.postcode, p.city,
                                 "", "", "", ""])  # fmt: skip
                continue
            postcode, city = rng.choice(places)
            name = f"{rng.choice(TRADES)} {rng.choice(NAMES)} {index}"
            siren = random_siren(rng)
            phone = "01 " + " ".join(str(rng.randrange(10, 99)) for _ in range(4))
            if roll == 11:
                siren = siren[:-1] + str((int(siren[-1]) + 1) % 10)  # bad check digit
            if roll == 13:
                postcode = postcode[:4]  # truncated postcode
            if roll == 17:
                phone = "12 34"
            writer.writerow(
                [name, rng.choice(FORMS), siren, f"{rng.randint(1, 90)} rue de la Gare",
                 postcode, city, phone, "", f"{rng.choice(FIRST)} {rng.choice(NAMES)}", "Gérant"]
            )  # fmt: skip
    return path
