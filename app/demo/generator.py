"""Realistic French demo data: staff, leads with journeys, calls, callbacks and statuses.

Bulk rows go straight through the SQLite driver (executemany) into a workspace created by the
migrations: 600,000 leads must be written in about a minute. The data is made from a seed,
so the same command gives the same workspace.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import shutil
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import phonenumbers
from faker.providers.person.fr_FR import Provider as FrPerson
from sqlalchemy import select

from app.demo.contracts import add_demo_contracts
from app.demo.providers import add_demo_providers
from app.domain.enums import (
    CallbackStatus,
    CloseReason,
    DesiredStart,
    Disposition,
    JourneyEventKind,
    LeadStatus,
    Role,
)
from app.ids import uuid7_int
from app.persistence.models import Category, Sector, Site, User
from app.persistence.types import sqlite_timestamp as ts
from app.policy.interest import JourneyStep, interest_score
from app.policy.queue_rules import enters_qualification_queue, priority_key
from app.reference import departements
from app.services.auth import hash_password
from app.services.leads.queue import search_name_key
from app.workspace import Workspace, create_workspace, open_workspace

DEMO_PASSWORD = "demo"
DEMO_STAFF = (
    ("expert1", "Camille Martin", Role.EXPERT, "Qualification Nord"),
    ("expert2", "Julien Moreau", Role.EXPERT, "Qualification Nord"),
    ("expert3", "Sophie Lambert", Role.EXPERT, "Qualification Sud"),
    ("sales1", "Thomas Girard", Role.SALES, "Île-de-France"),
    ("manager1", "Nathalie Roux", Role.MANAGER, None),
    ("admin", "Administrateur", Role.ADMIN, None),
)

# Leads per month relative to the average: peaks in January and September.
MONTH_WEIGHTS = (1.40, 1.10, 1.05, 1.00, 0.95, 0.90, 0.70, 0.60, 1.35, 1.10, 0.95, 0.70)
WEEKDAY_WEIGHTS = (1.15, 1.10, 1.05, 1.0, 0.95, 0.80, 0.95)
HOUR_WEIGHTS = (
    1,
    0.5,
    0.3,
    0.2,
    0.2,
    0.4,
    1,
    2,
    3,
    4,
    4.5,
    4.5,
    4,
    4.5,
    5,
    5,
    5,
    5,
    5.5,
    6,
    6.5,
    6,
    4,
    2,
)
SECTOR_WEIGHTS = {
    "renovation": 34,
    "construction": 14,
    "energy": 16,
    "outdoor": 10,
    "finance": 9,
    "insurance": 7,
    "services": 6,
    "moving": 4,
}
# Median budget (EUR) and spread (sigma of the log) per sector.
SECTOR_BUDGETS = {
    "renovation": (6_000, 0.9),
    "construction": (22_000, 1.0),
    "energy": (9_000, 0.7),
    "outdoor": (5_000, 0.9),
    "finance": (60_000, 1.1),
    "insurance": (1_500, 0.9),
    "services": (2_500, 0.8),
    "moving": (1_800, 0.8),
}
BIG_DEPARTEMENTS = {
    "75": 22,
    "13": 20,
    "59": 26,
    "69": 18,
    "92": 16,
    "93": 16,
    "33": 16,
    "31": 14,
    "44": 14,
    "06": 11,
    "62": 15,
    "78": 14,
    "77": 14,
    "91": 13,
    "94": 14,
    "95": 12,
    "76": 12,
    "34": 12,
    "38": 12,
    "67": 11,
    "35": 10,
    "83": 11,
    "57": 10,
    "974": 8,
    "971": 4,
    "972": 4,
    "973": 2,
    "976": 2,
    "977": 0.2,
    "978": 0.3,
}
DESCRIPTIONS = {
    "renovation": (
        "Rénovation de {what} dans une maison des années 70, environ {size} m².",
        "Je souhaite refaire {what} complètement, travaux à prévoir {when}.",
        "Appartement de {size} m² : {what} à reprendre, devis détaillé souhaité.",
    ),
    "construction": (
        "Projet de {what} sur un terrain de {size} m², permis en cours.",
        "Besoin d'un devis pour {what}, surface d'environ {size} m².",
    ),
    "energy": (
        "Remplacement de ma vieille chaudière fioul, maison de {size} m², {what}.",
        "Je veux réduire ma facture : {what} pour une maison de {size} m².",
    ),
    "outdoor": ("Aménagement extérieur : {what}, terrain de {size} m².",),
    "finance": ("Financement pour {what}, montant à affiner avec un conseiller.",),
    "insurance": ("Je cherche une meilleure offre pour {what}.",),
    "services": ("Besoin d'aide régulière : {what}, {size} heures par semaine.",),
    "moving": ("Déménagement d'un {size} m² : {what}, date flexible.",),
}
CONTENT_PAGES = (
    "Guide des prix",
    "Aides et primes 2026",
    "Idées et réalisations",
    "Comment choisir son artisan",
    "Questions fréquentes",
)
# The form's steps; the third one (photos and details) is optional.
FORM_STEPS = ("Projet et budget", "Détails et délais", "Photos et précisions", "Coordonnées")
NOTES_UNREACHABLE = (
    "Messagerie, pas de message laissé",
    "Ne répond pas",
    "Occupé",
    "Messagerie, message laissé",
)
CONSENT_WORDING_VERSIONS = ("2024-09", "2025-06", "2026-03")


@dataclass(frozen=True)
class DemoSummary:
    leads: int
    journey_events: int
    call_attempts: int
    seconds: float


OVERSEAS_MOBILE_PREFIXES = {
    "971": "+590690",
    "977": "+590690",
    "978": "+590690",
    "972": "+596696",
    "973": "+5946942",
    "974": "+262692",
    "976": "+26263940",
}


def _mainland_mobile_prefixes() -> tuple[str, ...]:
    """+33 6xx / 7xx blocks that phonenumbers knows as valid mainland mobiles."""
    prefixes = []
    for block in range(600, 800):
        sample = phonenumbers.parse(f"+33{block}123456")
        region = phonenumbers.region_code_for_number(sample)
        if phonenumbers.is_valid_number(sample) and region == "FR":
            prefixes.append(f"+33{block}")
    return tuple(prefixes)


MAINLAND_MOBILE_PREFIXES = _mainland_mobile_prefixes()


def _mobile(rng: random.Random, dep: str) -> str:
    """A mobile number of the consumer's territory, valid for phonenumbers, in E.164."""
    prefix = OVERSEAS_MOBILE_PREFIXES.get(dep)
    if prefix is not None:
        digits = 13 - len(prefix)  # overseas numbers here have 13 characters with the '+'
        return f"{prefix}{rng.randrange(10**digits):0{digits}d}"
    return f"{rng.choice(MAINLAND_MOBILE_PREFIXES)}{rng.randrange(10**6):06d}"


EMAIL_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "sfr.fr", "laposte.net", "hotmail.fr")


STATED_STARTS = (
    DesiredStart.ASAP,
    DesiredStart.WITHIN_3_MONTHS,
    DesiredStart.WITHIN_6_MONTHS,
    DesiredStart.LATER,
)


def _draw(roll: float, thresholds: tuple[float, ...]) -> int:
    """How many thresholds `roll` passes: a cheap categorical draw of 0..len(thresholds)."""
    return sum(1 for limit in thresholds if roll >= limit)


class _Ids:
    """Reproducible UUIDv7 hex ids, time-ordered like the ones the app makes."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def __call__(self, at: datetime) -> str:
        return f"{uuid7_int(at, self._rng.getrandbits(74)):032x}"


def _day_weights(start: datetime, days: int) -> list[float]:
    weights = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        growth = 1.0 + 0.12 * offset / 365.0
        weights.append(MONTH_WEIGHTS[day.month - 1] * WEEKDAY_WEIGHTS[day.weekday()] * growth)
    return weights


BULK_TABLES = (
    "leads",
    "journey_events",
    "call_attempts",
    "callbacks",
    "lead_status_changes",
    "oppositions",
)


def _bulk_connection(path: Path) -> sqlite3.Connection:
    """A connection for filling a file nobody else uses: no journal, a large cache."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    return conn


def _drop_secondary_indexes(conn: sqlite3.Connection) -> list[str]:
    """Drop them and return the SQL that recreates them exactly as the migration made them:
    one sort at the end beats millions of scattered index inserts."""
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in indexes]


def _fill_part(plan: DemoPlan, n_leads: int, part: int, parts: int, path: Path) -> dict[str, int]:
    """Child process: make the batches numbered part, part + parts, ... into their own file."""
    generator = DemoGenerator(plan)
    conn = _bulk_connection(path)
    try:
        _drop_secondary_indexes(conn)
        for batch in generator.batches(n_leads, part, parts):
            for table, columns, values in batch:
                _insert(conn, table, columns, values)
            conn.commit()
    finally:
        conn.close()
    return generator.counts


def _merge_parts(path: Path, parts: list[Path]) -> None:
    conn = _bulk_connection(path)
    try:
        indexes = _drop_secondary_indexes(conn)
        for part in parts:
            conn.execute("ATTACH DATABASE ? AS part", (str(part),))
            for table in BULK_TABLES:
                conn.execute(f"INSERT INTO main.{table} SELECT * FROM part.{table}")
            conn.commit()
            conn.execute("DETACH DATABASE part")
        for sql in indexes:
            conn.execute(sql)
        conn.execute("PRAGMA analysis_limit=2000")
        conn.execute("ANALYZE")
        conn.commit()
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def _insert(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: list) -> None:
    placeholders = ", ".join("?" for _ in columns)
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


SYNC_COLS = ("id", "created_at", "updated_at", "deleted")
LEAD_COLS = SYNC_COLS + (
    "number",
    "submitted_at",
    "civility",
    "first_name",
    "last_name",
    "search_name",
    "phone_e164",
    "email",
    "address_line",
    "postcode",
    "city",
    "departement_code",
    "category_id",
    "description",
    "budget_cents",
    "desired_start",
    "site_id",
    "consent_form_code",
    "consent_at",
    "consent_wording_version",
    "status",
    "interest_score",
    "priority_key",
    "call_attempt_count",
    "qualified_budget_cents",
    "qualified_start",
    "qualified_scope",
    "qualification_note",
    "contact_verified",
    "qualified_at",
    "qualified_by_id",
    "close_reason",
    "close_comment",
    "closed_at",
)
JOURNEY_COLS = SYNC_COLS + (
    "lead_id",
    "occurred_at",
    "kind",
    "label",
    "duration_seconds",
    "optional_step",
)
CALL_COLS = SYNC_COLS + (
    "lead_id",
    "phone_e164",
    "caller_id",
    "started_at",
    "duration_seconds",
    "disposition",
    "notes",
    "by_consent",
)
CALLBACK_COLS = SYNC_COLS + (
    "lead_id",
    "due_at",
    "assigned_to_id",
    "created_by_id",
    "consumer_requested",
    "consent_note",
    "status",
    "completed_at",
)
STATUS_COLS = SYNC_COLS + ("lead_id", "changed_at", "user_id", "from_status", "to_status", "reason")
OPPOSITION_COLS = SYNC_COLS + ("phone_e164", "recorded_at", "recorded_by_id", "lead_id", "note")


@dataclass(frozen=True)
class DemoPlan:
    """What the row maker needs, as plain picklable data (it runs in a process of its own)."""

    seed: int
    now: datetime
    experts: tuple[str, ...]
    categories: tuple[tuple[str, str, str, str, int, bool], ...]
    sites: tuple[tuple[str, str], ...]


def _prepare(workspace: Workspace, seed: int, now: datetime) -> DemoPlan:
    """Add the demo staff and read the reference data the rows will point to."""
    password = hash_password(DEMO_PASSWORD)
    with workspace.sessions.begin() as session:
        experts = []
        for username, name, role, team in DEMO_STAFF:
            user = User(
                username=username, display_name=name, role=role, password_hash=password, team=team
            )
            session.add(user)
            session.flush()
            if role == Role.EXPERT:
                experts.append(user.id.hex)
        sectors = {s.id: s for s in session.scalars(select(Sector))}
        categories = tuple(
            (
                c.id.hex,
                c.code,
                c.name,
                sectors[c.sector_id].code,
                sectors[c.sector_id].qualification_threshold_cents,
                c.needs_review,
            )
            for c in session.scalars(select(Category).order_by(Category.code))
        )
        sites = tuple((s.id.hex, s.kind) for s in session.scalars(select(Site).order_by(Site.code)))
    return DemoPlan(seed, now, tuple(experts), categories, sites)


STREETS = tuple(
    f"{kind} {name}"
    for kind in ("rue", "avenue", "chemin", "allée", "impasse", "boulevard")
    for name in (
        "des Lilas", "Victor Hugo", "de la République", "Jean Jaurès", "du Moulin", "Pasteur",
        "des Écoles", "de la Gare", "du Château", "Gambetta", "Carnot", "des Peupliers",
        "de Verdun",
    )
)  # fmt: skip


class DemoGenerator:
    """Makes the rows of the demo data, batch by batch, from a seed."""

    def __init__(self, plan: DemoPlan) -> None:
        self.seed = plan.seed
        self.rng = random.Random(plan.seed)
        self.new_id = _Ids(self.rng)
        self.now = plan.now
        self.categories = list(plan.categories)
        self.sites = list(plan.sites)
        self.experts = list(plan.experts)
        self._name_keys: dict[tuple[str, str], str] = {}
        self.first_names_m = list(FrPerson.first_names_male)
        self.first_names_f = list(FrPerson.first_names_female)
        self.last_names = list(FrPerson.last_names)
        self.streets = STREETS
        self.dep_codes = list(departements())
        self.dep_weights = [BIG_DEPARTEMENTS.get(code, 4.0) for code in self.dep_codes]
        self.category_weights = [
            SECTOR_WEIGHTS[c[3]] / sum(1 for x in self.categories if x[3] == c[3])
            for c in self.categories
        ]
        self.counts = {"journey": 0, "calls": 0}

    def _name_key(self, last: str, first: str) -> str:
        key = (last, first)
        if key not in self._name_keys:
            self._name_keys[key] = search_name_key(f"{last} {first}")
        return self._name_keys[key]

    def _email_local(self, first: str, last: str) -> str:
        key = ("@", first + " " + last)
        if key not in self._name_keys:
            parts = (search_name_key(part).replace(" ", "-") for part in (first, last))
            self._name_keys[key] = ".".join(parts)
        return self._name_keys[key]

    def _place(self, dep: str) -> tuple[str, str]:
        d = departements()[dep]
        if dep == "75":
            return f"750{self.rng.randint(1, 20):02d}", "Paris"
        if dep == "69" and self.rng.random() < 0.5:
            return f"6900{self.rng.randint(1, 9)}", "Lyon"
        if dep == "13" and self.rng.random() < 0.5:
            return f"130{self.rng.randint(1, 16):02d}", "Marseille"
        return d.chief_town_postcode, d.chief_town

    def _journey(self, submitted: datetime, description: str) -> tuple[list[tuple], int]:
        """The consumer's visits before the request, laid out backwards from the submission."""
        rng = self.rng
        last_visit: list[tuple[JourneyEventKind, str, int, bool]] = []
        for _ in range(_draw(rng.random(), (0.55, 0.80, 0.94))):
            page = rng.choice(CONTENT_PAGES)
            last_visit.append((JourneyEventKind.CONTENT_VIEW, page, rng.randint(20, 240), False))
        careless = rng.random() < 0.12
        for index, step in enumerate(FORM_STEPS):
            optional = index == 2
            if optional and (careless or rng.random() < 0.6):
                continue
            seconds = rng.randint(3, 8) if careless else rng.randint(15, 200)
            last_visit.append((JourneyEventKind.FORM_STEP, step, seconds, optional))
            if optional and rng.random() < 0.4:
                last_visit.append((JourneyEventKind.PHOTO_UPLOAD, "Photo du chantier", 10, False))

        events: list[tuple] = []
        t = submitted
        for kind, label, seconds, optional in reversed(last_visit):
            t -= timedelta(seconds=seconds)
            shown = seconds if kind == JourneyEventKind.FORM_STEP else 0
            events.append((t, kind, label, shown, optional))
        events.reverse()
        arrival = t - timedelta(seconds=rng.randint(5, 120))
        returns = _draw(rng.random(), (0.70, 0.92))
        channel = rng.choice(
            ("Annonce Google", "Recherche naturelle", "Site partenaire", "Newsletter")
        )
        earlier: list[tuple] = []
        if returns:
            first = arrival - timedelta(days=rng.randint(1, 12), minutes=rng.randint(0, 600))
            earlier.append((first, JourneyEventKind.LANDING, channel, 0, False))
            span = (arrival - first).total_seconds()
            for offset in sorted(rng.uniform(0.2, 0.9) * span for _ in range(returns - 1)):
                at = first + timedelta(seconds=offset)
                earlier.append((at, JourneyEventKind.RETURN_VISIT, "Retour sur le site", 0, False))
            earlier.append((arrival, JourneyEventKind.RETURN_VISIT, "Retour sur le site", 0, False))
        else:
            earlier.append((arrival, JourneyEventKind.LANDING, channel, 0, False))
        events = earlier + events
        events.append(
            (submitted, JourneyEventKind.FORM_SUBMIT, "Demande de devis envoyée", 0, False)
        )
        steps = [JourneyStep(kind, seconds, optional) for _, kind, _, seconds, optional in events]
        return events, interest_score(steps, description)

    def batches(
        self, n_leads: int, part: int = 0, parts: int = 1, batch: int = 20_000
    ) -> Iterator[list]:
        """Batches part, part + parts, ... Each batch has its own random stream, so the data
        is the same whatever the number of parts."""
        rng = self.rng
        days = 761  # a little over 25 months: 24 complete months of history whatever today is
        start = (self.now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        day_cum = list(_cum(_day_weights(start, days + 1)))
        hour_cum = list(_cum(HOUR_WEIGHTS))
        stamps = []
        days_drawn = rng.choices(range(days + 1), cum_weights=day_cum, k=n_leads)
        hours_drawn = rng.choices(range(24), cum_weights=hour_cum, k=n_leads)
        for day, hour in zip(days_drawn, hours_drawn, strict=True):
            stamp = start + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
            if stamp >= self.now:
                stamp = self.now - timedelta(minutes=rng.randint(1, 600))
            stamps.append(stamp)
        stamps.sort()

        for index, begin in enumerate(range(0, n_leads, batch)):
            if index % parts == part:
                self.rng = random.Random(f"{self.seed}:{index}")
                self.new_id = _Ids(self.rng)
                yield self._batch(stamps[begin : begin + batch], begin + 1, self.counts)

    def _batch(
        self, stamps: list[datetime], first_number: int, counts: dict[str, int]
    ) -> list[tuple[str, tuple[str, ...], list]]:
        rng = self.rng
        new_id = self.new_id
        now = self.now
        now_s = ts(now)
        leads, journeys, calls, callbacks, changes, oppositions = [], [], [], [], [], []
        cats = rng.choices(self.categories, weights=self.category_weights, k=len(stamps))
        deps = rng.choices(self.dep_codes, weights=self.dep_weights, k=len(stamps))
        for offset, (submitted, category, dep) in enumerate(zip(stamps, cats, deps, strict=True)):
            cat_id, cat_code, cat_name, sector, threshold, review = category
            lead_id = new_id(submitted)
            female = rng.random() < 0.52
            first = rng.choice(self.first_names_f if female else self.first_names_m)
            last = rng.choice(self.last_names)
            phone = _mobile(rng, dep)
            postcode, city = self._place(dep)
            median, sigma = SECTOR_BUDGETS[sector]
            budget_eur = median * math.exp(rng.gauss(0, sigma))
            budget = int(round(budget_eur, -2 if budget_eur > 1000 else -1)) * 100
            budget = budget if rng.random() > 0.08 else None
            description = rng.choice(DESCRIPTIONS[sector]).format(
                what=cat_name.lower(),
                size=rng.randint(20, 180),
                when=rng.choice(("au printemps", "à la rentrée", "rapidement", "d'ici l'été")),
            )
            journey, score = self._journey(submitted, description)
            age_days = (now - submitted).total_seconds() / 86400
            calls_before = len(calls)
            in_queue = enters_qualification_queue(budget, threshold, bool(review))
            status, attempts = LeadStatus.RELEASED, 0
            qualified = closed = None
            close_reason = None
            submitted_s = ts(submitted)
            if in_queue:
                backlog = age_days < 14 and rng.random() < math.exp(-age_days / 4)
                if backlog:
                    status, attempts = self._backlog_lead(
                        lead_id, phone, submitted, callbacks, calls, changes
                    )
                else:
                    status, attempts, close_reason, when = self._worked_lead(
                        lead_id, phone, submitted, calls, changes, oppositions
                    )
                    qualified = when if status == LeadStatus.RELEASED else None
                    closed = when if status == LeadStatus.CLOSED else None
            unanswered = sum(1 for c in calls[calls_before:] if c[9] == Disposition.UNREACHABLE)
            has_consent = rng.random() > 0.003
            start_choice = rng.choice(STATED_STARTS)
            leads.append(
                (
                    lead_id,
                    submitted_s,
                    now_s,
                    0,
                    first_number + offset,
                    submitted_s,
                    "Mme" if female else "M.",
                    first,
                    last,
                    self._name_key(last, first),
                    phone,
                    f"{self._email_local(first, last)}@{rng.choice(EMAIL_DOMAINS)}",
                    f"{rng.randint(1, 180)} {rng.choice(self.streets)}",
                    postcode,
                    city,
                    dep,
                    cat_id,
                    description,
                    budget,
                    start_choice,
                    rng.choice(self.sites)[0],
                    f"form-{cat_code}" if has_consent else None,
                    submitted_s if has_consent else None,
                    rng.choice(CONSENT_WORDING_VERSIONS) if has_consent else None,
                    status,
                    score,
                    priority_key(submitted, budget, score, unanswered),
                    attempts,
                    budget if qualified else None,
                    start_choice if qualified else None,
                    description if qualified else None,
                    None,
                    1 if qualified else 0,
                    ts(qualified) if qualified else None,
                    rng.choice(self.experts) if qualified else None,
                    close_reason,
                    None,
                    ts(closed) if closed else None,
                )
            )
            for occurred, kind, label, seconds, optional in journey:
                journeys.append(
                    (
                        new_id(submitted),
                        submitted_s,
                        submitted_s,
                        0,
                        lead_id,
                        ts(occurred),
                        kind,
                        label,
                        seconds,
                        1 if optional else 0,
                    )
                )
        counts["journey"] += len(journeys)
        counts["calls"] += len(calls)
        return [
            ("leads", LEAD_COLS, leads),
            ("journey_events", JOURNEY_COLS, journeys),
            ("call_attempts", CALL_COLS, calls),
            ("callbacks", CALLBACK_COLS, callbacks),
            ("lead_status_changes", STATUS_COLS, changes),
            ("oppositions", OPPOSITION_COLS, oppositions),
        ]

    def _call(
        self,
        calls: list,
        lead_id: str,
        phone: str,
        when: datetime,
        disposition: Disposition,
        notes: str = "",
    ) -> None:
        rng = self.rng
        duration = (
            rng.randint(5, 40) if disposition == Disposition.UNREACHABLE else rng.randint(60, 900)
        )
        when_s = ts(when)
        calls.append(
            (
                self.new_id(when),
                when_s,
                when_s,
                0,
                lead_id,
                phone,
                rng.choice(self.experts),
                when_s,
                duration,
                disposition,
                notes,
                0,
            )
        )

    def _change(
        self, changes: list, lead_id: str, when: datetime, old: str, new: str, reason: str
    ) -> None:
        when_s = ts(when)
        changes.append(
            (
                self.new_id(when),
                when_s,
                when_s,
                0,
                lead_id,
                when_s,
                self.rng.choice(self.experts),
                old,
                new,
                reason,
            )
        )

    def _office_time(self, after: datetime) -> datetime:
        """A plausible calling moment after `after` (weekday, 10:00-12:30 or 14:00-19:30 UTC+1)."""
        rng = self.rng
        t = after + timedelta(hours=rng.randint(1, 30))
        while t.weekday() >= 5:
            t += timedelta(days=1)
        hour = rng.choice((9, 10, 11, 13, 14, 15, 16, 17))
        return t.replace(hour=hour, minute=rng.randrange(60))

    def _worked_lead(
        self,
        lead_id: str,
        phone: str,
        submitted: datetime,
        calls: list,
        changes: list,
        oppositions: list,
    ) -> tuple[LeadStatus, int, str | None, datetime]:
        rng = self.rng
        attempts = 0
        t = submitted
        for _ in range(rng.choices((0, 1, 2), (55, 30, 15))[0]):
            t = self._office_time(t)
            self._call(
                calls, lead_id, phone, t, Disposition.UNREACHABLE, rng.choice(NOTES_UNREACHABLE)
            )
            attempts += 1
        t = self._office_time(t)
        outcome = rng.choices(
            (
                Disposition.QUALIFIED,
                Disposition.NOT_INTERESTED,
                Disposition.WRONG_NUMBER,
                Disposition.DUPLICATE,
                Disposition.UNREACHABLE,
            ),
            (58, 20, 6, 6, 10),
        )[0]
        self._call(calls, lead_id, phone, t, outcome)
        attempts += 1
        if outcome == Disposition.QUALIFIED:
            self._change(
                changes, lead_id, t, LeadStatus.TO_QUALIFY, LeadStatus.QUALIFIED, "Appel : qualifié"
            )
            self._change(
                changes,
                lead_id,
                t + timedelta(minutes=2),
                LeadStatus.QUALIFIED,
                LeadStatus.RELEASED,
                "Libéré pour diffusion",
            )
            return LeadStatus.RELEASED, attempts, None, t
        reason = {
            Disposition.NOT_INTERESTED: CloseReason.NOT_INTERESTED,
            Disposition.WRONG_NUMBER: CloseReason.WRONG_NUMBER,
            Disposition.DUPLICATE: CloseReason.DUPLICATE,
            Disposition.UNREACHABLE: CloseReason.UNREACHABLE,
        }[outcome]
        if outcome == Disposition.NOT_INTERESTED and rng.random() < 0.1:
            t_s = ts(t)
            oppositions.append(
                (
                    self.new_id(t),
                    t_s,
                    t_s,
                    0,
                    phone,
                    t_s,
                    rng.choice(self.experts),
                    lead_id,
                    "Ne souhaite plus être appelé",
                )
            )
        self._change(changes, lead_id, t, LeadStatus.TO_QUALIFY, LeadStatus.CLOSED, reason)
        return LeadStatus.CLOSED, attempts, reason, t

    def _backlog_lead(
        self,
        lead_id: str,
        phone: str,
        submitted: datetime,
        callbacks: list,
        calls: list,
        changes: list,
    ) -> tuple[LeadStatus, int]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55 or (self.now - submitted) < timedelta(hours=3):
            return LeadStatus.TO_QUALIFY, 0
        t = submitted + timedelta(minutes=rng.randint(20, 240))
        if t >= self.now:
            return LeadStatus.TO_QUALIFY, 0
        self._call(calls, lead_id, phone, t, Disposition.UNREACHABLE, rng.choice(NOTES_UNREACHABLE))
        if roll < 0.80:
            return LeadStatus.TO_QUALIFY, 1
        # The consumer picked up and asked to be called back: some due now, most later.
        calls[-1] = calls[-1][:9] + (Disposition.CALLBACK_REQUESTED, "Demande à être rappelé", 0)
        due = self.now + timedelta(minutes=rng.choice((-90, -30, -5, 45, 180, 1440, 2880)))
        expert = rng.choice(self.experts)
        t_s = ts(t)
        callbacks.append(
            (
                self.new_id(t),
                t_s,
                t_s,
                0,
                lead_id,
                ts(due),
                expert,
                expert,
                1,
                "Le consommateur a demandé ce créneau au téléphone",
                CallbackStatus.PENDING,
                None,
            )
        )
        self._change(
            changes, lead_id, t, LeadStatus.TO_QUALIFY, LeadStatus.CALLBACK, "Rappel planifié"
        )
        return LeadStatus.CALLBACK, 1


def _cum(weights: list[float] | tuple[float, ...]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def build_demo_workspace(
    path: Path, n_leads: int, seed: int = 2026, now: datetime | None = None
) -> DemoSummary:
    """Create a new workspace at `path` filled with demo data.

    Every core makes and writes its share of the rows into a file of its own; the shares are
    then copied into the workspace by SQLite itself, and the indexes built once.
    """
    started = time.perf_counter()
    workspace = create_workspace(path)
    try:
        plan = _prepare(workspace, seed, now or datetime.now(UTC))
    finally:
        workspace.close()
    workers = max(1, min(2, os.cpu_count() or 1))
    parts = [path.with_name(f"{path.name}.part{index}") for index in range(workers)]
    try:
        for part in parts:
            shutil.copyfile(path, part)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [
                pool.submit(_fill_part, plan, n_leads, index, workers, part)
                for index, part in enumerate(parts)
            ]
            counts = [future.result() for future in futures]
        _merge_parts(path, parts)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    workspace = open_workspace(path)
    try:
        add_demo_providers(workspace.sessions, plan.now)
        add_demo_contracts(workspace.sessions, plan.now)
    finally:
        workspace.close()
    return DemoSummary(
        n_leads,
        sum(c["journey"] for c in counts),
        sum(c["calls"] for c in counts),
        time.perf_counter() - started,
    )
