"""Importing a prospect list from CSV (or a CSV exported from Excel).

Three steps, each usable on its own: read the file and guess which column is which; check
every row and find duplicates (same SIREN, same phone, or a company name that fuzzy-matches
one at the same postcode, against existing providers and earlier rows of the file); write
the rows the rep chose to create or merge. Bad rows are listed with their reason and the
others still import. Long steps report progress and stop when the callback says so.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import FieldErrors
from app.domain.providers import ProviderSource
from app.persistence.models import Provider
from app.services.leads.queue import search_name_key
from app.services.providers.providers import (
    ContactInput,
    ProviderForm,
    ProviderService,
    company_key,
    contact_values,
    provider_values,
)

# Returns False to cancel; called with (done, total).
Progress = Callable[[int, int], bool]
NAME_MATCH_THRESHOLD = 90
BATCH = 500

FIELD_LABELS = {
    "company_name": "Raison sociale",
    "legal_form": "Forme juridique",
    "siren": "SIREN",
    "siret": "SIRET",
    "vat_number": "N° TVA",
    "address_line": "Adresse",
    "postcode": "Code postal",
    "city": "Ville",
    "phone": "Téléphone",
    "email": "E-mail",
    "website": "Site web",
    "contact_name": "Nom du contact",
    "contact_role": "Fonction du contact",
}
_SYNONYMS = {
    "company_name": ("raison sociale", "entreprise", "societe", "nom entreprise", "company", "nom"),
    "legal_form": ("forme juridique", "forme", "statut"),
    "siren": ("siren",),
    "siret": ("siret",),
    "vat_number": ("tva", "n tva", "numero tva", "tva intracommunautaire", "vat"),
    "address_line": ("adresse", "address", "rue"),
    "postcode": ("code postal", "cp", "postcode", "zip"),
    "city": ("ville", "commune", "city"),
    "phone": ("telephone", "tel", "phone", "portable", "mobile"),
    "email": ("email", "e mail", "mail", "courriel"),
    "website": ("site", "site web", "website", "url"),
    "contact_name": ("contact", "nom du contact", "dirigeant", "gerant"),
    "contact_role": ("fonction", "role", "poste"),
}


class Decision(StrEnum):
    CREATE = "create"
    SKIP = "skip"
    MERGE = "merge"


DECISION_LABELS = {
    Decision.CREATE: "Créer",
    Decision.SKIP: "Ignorer",
    Decision.MERGE: "Fusionner",
}


class UnreadableFile(Exception):
    """The file cannot be read as CSV; French message."""


@dataclass(frozen=True)
class CsvFile:
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Duplicate:
    provider_id: uuid.UUID | None  # None: an earlier row of the same file
    company_name: str
    reason: str


@dataclass
class ImportRow:
    line: int  # line number in the file, header = 1
    values: dict[str, Any]
    contact: dict[str, Any] | None
    duplicate: Duplicate | None = None
    decision: Decision = Decision.CREATE


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ImportPlan:
    rows: list[ImportRow] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    cancelled: bool = False

    @property
    def duplicates(self) -> list[ImportRow]:
        return [r for r in self.rows if r.duplicate is not None]


@dataclass(frozen=True)
class ImportResult:
    created: int
    merged: int
    skipped: int
    cancelled: bool


def read_csv(path: Path) -> CsvFile:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise UnreadableFile("Encodage du fichier non reconnu (UTF-8 ou Windows attendu).")
    sample = text[:20_000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";"
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]
    if len(rows) < 2:
        raise UnreadableFile("Le fichier ne contient pas de ligne de données après l'en-tête.")
    return CsvFile([h.strip() for h in rows[0]], rows[1:])


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Target field -> column index, from the header names."""
    mapping: dict[str, int] = {}
    keys = [search_name_key(h) for h in headers]
    for target, names in _SYNONYMS.items():
        for name in names:
            if name in keys and keys.index(name) not in mapping.values():
                mapping[target] = keys.index(name)
                break
    return mapping


def _existing_index(
    session: Session,
) -> tuple[dict[str, tuple[uuid.UUID, str]], dict[str, tuple[uuid.UUID, str]], dict[str, list]]:
    by_siren: dict[str, tuple[uuid.UUID, str]] = {}
    by_phone: dict[str, tuple[uuid.UUID, str]] = {}
    by_postcode: dict[str, list[tuple[str, uuid.UUID | None, str]]] = defaultdict(list)
    for pid, name, key, siren, phone, postcode in session.execute(
        select(
            Provider.id,
            Provider.company_name,
            Provider.search_name,
            Provider.siren,
            Provider.phone_e164,
            Provider.postcode,
        ).where(Provider.deleted.is_(False))
    ):
        if siren:
            by_siren[siren] = (pid, name)
        if phone:
            by_phone[phone] = (pid, name)
        by_postcode[postcode].append((key, pid, name))
    return by_siren, by_phone, by_postcode


def prepare(
    session: Session,
    csv_file: CsvFile,
    mapping: dict[str, int],
    progress: Progress | None = None,
) -> ImportPlan:
    if "company_name" not in mapping or "postcode" not in mapping:
        raise FieldErrors({"mapping": "Associez au moins la raison sociale et le code postal."})
    by_siren, by_phone, by_postcode = _existing_index(session)
    plan = ImportPlan()
    total = len(csv_file.rows)
    for index, raw in enumerate(csv_file.rows):
        if progress and index % BATCH == 0 and not progress(index, total):
            plan.cancelled = True
            return plan
        line = index + 2

        def cell(target: str, raw: list[str] = raw) -> str:
            column = mapping.get(target)
            return raw[column].strip() if column is not None and column < len(raw) else ""

        form = ProviderForm(
            **{k: cell(k) for k in FIELD_LABELS if k not in ("contact_name", "contact_role")},
            source=ProviderSource.IMPORT.value,
        )
        try:
            values = provider_values(form)
            contact = None
            if cell("contact_name"):
                contact = contact_values(
                    ContactInput(cell("contact_name"), cell("contact_role"), is_primary=True)
                )
        except FieldErrors as error:
            reasons = "; ".join(
                f"{FIELD_LABELS.get(k, 'Raison sociale' if k == 'company_name' else k)} : {m}"
                for k, m in error.errors.items()
            )
            plan.bad.append(BadRow(line, reasons))
            continue
        row = ImportRow(line, values, contact)
        row.duplicate = _find_duplicate(values, by_siren, by_phone, by_postcode)
        if row.duplicate is not None:
            row.decision = Decision.SKIP
        plan.rows.append(row)
        # Later rows of the file are checked against this one too.
        file_ref = (None, values["company_name"])
        if values.get("siren"):
            by_siren.setdefault(values["siren"], file_ref)  # type: ignore[arg-type]
        if values.get("phone_e164"):
            by_phone.setdefault(values["phone_e164"], file_ref)  # type: ignore[arg-type]
        by_postcode[values["postcode"]].append(
            (values["search_name"], None, values["company_name"])
        )
    if progress:
        progress(total, total)
    return plan


def prepare_from(
    sessions: sessionmaker[Session],
    csv_file: CsvFile,
    mapping: dict[str, int],
    progress: Progress | None = None,
) -> ImportPlan:
    with sessions() as session:
        return prepare(session, csv_file, mapping, progress)


def _find_duplicate(
    values: dict[str, Any],
    by_siren: dict[str, tuple[uuid.UUID, str]],
    by_phone: dict[str, tuple[uuid.UUID, str]],
    by_postcode: dict[str, list[tuple[str, uuid.UUID | None, str]]],
) -> Duplicate | None:
    siren = values.get("siren")
    if siren and siren in by_siren:
        pid, name = by_siren[siren]
        return Duplicate(pid, name, "même SIREN")
    phone = values.get("phone_e164")
    if phone and phone in by_phone:
        pid, name = by_phone[phone]
        return Duplicate(pid, name, "même téléphone")
    key = values["search_name"]
    best: tuple[float, uuid.UUID | None, str] | None = None
    for other_key, pid, name in by_postcode.get(values["postcode"], ()):
        score = fuzz.token_sort_ratio(key, other_key)
        if score >= NAME_MATCH_THRESHOLD and (best is None or score > best[0]):
            best = (score, pid, name)
    if best is not None:
        return Duplicate(best[1], best[2], f"nom proche ({best[0]:.0f} %) au même code postal")
    return None


def apply_plan(
    service: ProviderService, plan: ImportPlan, progress: Progress | None = None
) -> ImportResult:
    """Write the rows in batches of 500, each batch one transaction: a cancel keeps what was
    written and stops cleanly between two batches."""
    created = merged = skipped = 0
    rows = plan.rows
    for start in range(0, len(rows), BATCH):
        if progress and not progress(start, len(rows)):
            return ImportResult(created, merged, skipped, True)
        batch = rows[start : start + BATCH]
        with service.sessions.begin() as session:
            for row in batch:
                if row.decision is Decision.SKIP:
                    skipped += 1
                elif row.decision is Decision.MERGE and row.duplicate and row.duplicate.provider_id:
                    service.fill_missing(session, row.duplicate.provider_id, row.values)
                    merged += 1
                else:
                    service.add_checked(
                        session, row.values, [], [], [row.contact] if row.contact else []
                    )
                    created += 1
    if progress:
        progress(len(rows), len(rows))
    return ImportResult(created, merged, skipped, False)


__all__ = [
    "DECISION_LABELS",
    "FIELD_LABELS",
    "BadRow",
    "CsvFile",
    "Decision",
    "ImportPlan",
    "ImportResult",
    "UnreadableFile",
    "apply_plan",
    "company_key",
    "guess_mapping",
    "prepare",
    "prepare_from",
    "read_csv",
]
