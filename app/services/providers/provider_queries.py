"""Reading providers: the pipeline board, the filtered list, one provider's file, saved searches."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import FieldErrors
from app.domain.providers import (
    ACTIVITY_LABELS,
    CALL_OUTCOME_LABELS,
    ActivityKind,
    CallOutcome,
    ProviderStage,
)
from app.persistence.models import (
    Category,
    Provider,
    ProviderActivity,
    ProviderCategory,
    ProviderChange,
    ProviderContact,
    ProviderZone,
    SavedSearch,
    User,
)
from app.services.providers.providers import ZoneInput, company_key


@dataclass(frozen=True)
class ProviderFilter:
    text: str = ""  # name, SIREN or city
    stages: tuple[str, ...] = ()
    owner_id: str | None = None  # as text, so a saved search stays JSON
    departement: str = ""
    category_id: str | None = None
    source: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ProviderFilter:
        data = json.loads(text)
        data["stages"] = tuple(data.get("stages", ()))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ProviderRow:
    id: uuid.UUID
    company_name: str
    city: str
    postcode: str
    departement_code: str
    stage: ProviderStage
    phone_e164: str | None
    siren: str | None
    owner_name: str
    source: str
    stage_changed_at: datetime
    last_contact_at: datetime | None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    who: str
    what: str
    detail: str


@dataclass(frozen=True)
class ContactRow:
    id: uuid.UUID
    full_name: str
    role: str
    phone_e164: str | None
    email: str | None
    is_primary: bool


@dataclass
class ProviderFile:
    provider: Provider
    contacts: list[ContactRow] = field(default_factory=list)
    category_ids: list[uuid.UUID] = field(default_factory=list)
    category_names: list[str] = field(default_factory=list)
    zones: list[ZoneInput] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)


_FIELD_LABELS = {
    "created": "Création",
    "stage": "Étape",
    "lost_reason": "Motif de perte",
    "company_name": "Raison sociale",
    "legal_form": "Forme juridique",
    "siren": "SIREN",
    "siret": "SIRET",
    "vat_number": "N° TVA",
    "address_line": "Adresse",
    "postcode": "Code postal",
    "city": "Ville",
    "phone_e164": "Téléphone",
    "email": "E-mail",
    "website": "Site web",
    "owner_id": "Commercial",
    "source": "Origine",
    "closing_rate_percent": "Taux de signature",
    "notes": "Notes",
    "categories": "Catégories (nombre)",
    "zones": "Zones",
    "contact": "Contact",
}


# The provider list's sortable columns: ProviderRow field -> the column ordered by.
SORT_KEYS: dict[str, Any] = {
    "company_name": Provider.search_name,
    "city": Provider.postcode,
    "departement_code": Provider.departement_code,
    "stage": Provider.stage,
    "phone_e164": Provider.phone_e164,
    "siren": Provider.siren,
    "owner_name": User.display_name,
    "source": Provider.source,
    "last_contact_at": Provider.last_contact_at,
}


def _apply_filter(query: Select, criteria: ProviderFilter) -> Select:  # type: ignore[type-arg]
    query = query.where(Provider.deleted.is_(False))
    text = criteria.text.strip()
    if text:
        digits = text.replace(" ", "")
        if digits.isdigit() and len(digits) >= 5:
            query = query.where(
                or_(Provider.siren.startswith(digits[:9]), Provider.postcode == digits[:5])
            )
        else:
            key = company_key(text)
            query = query.where(
                or_(Provider.search_name.contains(key), Provider.city.ilike(f"%{text}%"))
            )
    if criteria.stages:
        query = query.where(Provider.stage.in_(criteria.stages))
    if criteria.owner_id:
        query = query.where(Provider.owner_id == uuid.UUID(criteria.owner_id))
    if criteria.departement:
        query = query.where(Provider.departement_code == criteria.departement)
    if criteria.source:
        query = query.where(Provider.source == criteria.source)
    if criteria.category_id:
        query = query.where(
            exists().where(
                ProviderCategory.provider_id == Provider.id,
                ProviderCategory.category_id == uuid.UUID(criteria.category_id),
                ProviderCategory.deleted.is_(False),
            )
        )
    return query


class ProviderQueries:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def rows(
        self,
        criteria: ProviderFilter,
        limit: int = 5000,
        offset: int = 0,
        sort: str = "company_name",
        descending: bool = False,
    ) -> list[ProviderRow]:
        """One page of the filtered providers, in the order of `sort` (a key of SORT_KEYS),
        ties broken by id so that consecutive pages neither repeat nor skip a row."""
        column = SORT_KEYS.get(sort, Provider.search_name)
        ordered = column.desc() if descending else column.asc()
        query = _apply_filter(
            select(Provider, User.display_name).outerjoin(User, User.id == Provider.owner_id),
            criteria,
        ).order_by(ordered, Provider.id)
        with self.sessions() as session:
            return [
                ProviderRow(
                    p.id,
                    p.company_name,
                    p.city,
                    p.postcode,
                    p.departement_code,
                    ProviderStage(p.stage),
                    p.phone_e164,
                    p.siren,
                    owner or "",
                    p.source,
                    p.stage_changed_at,
                    p.last_contact_at,
                )
                for p, owner in session.execute(query.limit(limit).offset(offset))
            ]

    def count(self, criteria: ProviderFilter) -> int:
        """How many providers the filter selects (the list loads them page by page)."""
        query = _apply_filter(select(func.count()).select_from(Provider), criteria)
        with self.sessions() as session:
            return int(session.scalar(query) or 0)

    def board(self, criteria: ProviderFilter) -> dict[ProviderStage, list[ProviderRow]]:
        columns: dict[ProviderStage, list[ProviderRow]] = {s: [] for s in ProviderStage}
        for row in self.rows(criteria):
            columns[row.stage].append(row)
        for rows in columns.values():
            rows.sort(key=lambda r: r.stage_changed_at, reverse=True)
        return columns

    def provider_file(self, provider_id: uuid.UUID) -> ProviderFile | None:
        with self.sessions() as session:
            provider = session.get(Provider, provider_id)
            if provider is None or provider.deleted:
                return None
            result = ProviderFile(provider)
            result.contacts = [
                ContactRow(c.id, c.full_name, c.role, c.phone_e164, c.email, c.is_primary)
                for c in session.scalars(
                    select(ProviderContact)
                    .where(
                        ProviderContact.provider_id == provider_id,
                        ProviderContact.deleted.is_(False),
                    )
                    .order_by(ProviderContact.is_primary.desc(), ProviderContact.full_name)
                )
            ]
            categories = session.execute(
                select(Category.id, Category.name)
                .join(ProviderCategory, ProviderCategory.category_id == Category.id)
                .where(
                    ProviderCategory.provider_id == provider_id,
                    ProviderCategory.deleted.is_(False),
                )
                .order_by(Category.name)
            ).all()
            result.category_ids = [c for c, _ in categories]
            result.category_names = [n for _, n in categories]
            result.zones = [
                ZoneInput(z.departement_code, z.postcode, z.radius_km)
                for z in session.scalars(
                    select(ProviderZone).where(
                        ProviderZone.provider_id == provider_id, ProviderZone.deleted.is_(False)
                    )
                )
            ]
            result.timeline = self._timeline(session, provider_id)
            return result

    def _timeline(self, session: Session, provider_id: uuid.UUID) -> list[TimelineEntry]:
        names = {i: n for i, n in session.execute(select(User.id, User.display_name))}
        entries = []
        for a in session.scalars(
            select(ProviderActivity).where(
                ProviderActivity.provider_id == provider_id, ProviderActivity.deleted.is_(False)
            )
        ):
            kind = ACTIVITY_LABELS[ActivityKind(a.kind)]
            if a.done:
                outcome = f" – {CALL_OUTCOME_LABELS[CallOutcome(a.outcome)]}" if a.outcome else ""
                what = f"{kind}{outcome}"
                at = a.done_at or a.created_at
            else:
                what = f"{kind} prévu(e)"
                at = a.due_at or a.created_at
            detail = " – ".join(x for x in (a.subject, a.notes) if x)
            entries.append(TimelineEntry(at, names.get(a.user_id, ""), what, detail))
        for c in session.scalars(
            select(ProviderChange).where(ProviderChange.provider_id == provider_id)
        ):
            label = _FIELD_LABELS.get(c.field, c.field)
            if c.field == "owner_id":
                old = names.get(uuid.UUID(c.old_value), c.old_value) if c.old_value else None
                new = names.get(uuid.UUID(c.new_value), c.new_value) if c.new_value else None
            else:
                old, new = c.old_value, c.new_value
            detail = f"{old or '∅'} → {new or '∅'}" if c.field != "created" else (new or "")
            entries.append(TimelineEntry(c.changed_at, names.get(c.user_id, ""), label, detail))
        entries.sort(key=lambda e: e.at, reverse=True)
        return entries

    # -- saved searches ------------------------------------------------------------------

    def saved_searches(self, owner_id: uuid.UUID) -> list[tuple[uuid.UUID, str, ProviderFilter]]:
        with self.sessions() as session:
            return [
                (s.id, s.name, ProviderFilter.from_json(s.criteria))
                for s in session.scalars(
                    select(SavedSearch)
                    .where(SavedSearch.owner_id == owner_id, SavedSearch.deleted.is_(False))
                    .order_by(SavedSearch.name)
                )
            ]

    def save_search(self, owner_id: uuid.UUID, name: str, criteria: ProviderFilter) -> uuid.UUID:
        name = " ".join(name.split())
        if not name:
            raise FieldErrors({"name": "Donnez un nom à cette recherche."})
        with self.sessions.begin() as session:
            existing = session.scalar(
                select(SavedSearch).where(
                    SavedSearch.owner_id == owner_id,
                    SavedSearch.name == name,
                    SavedSearch.deleted.is_(False),
                )
            )
            if existing is not None:
                existing.criteria = criteria.to_json()
                return existing.id
            search = SavedSearch(owner_id=owner_id, name=name, criteria=criteria.to_json())
            session.add(search)
            session.flush()
            return search.id

    def delete_search(self, search_id: uuid.UUID) -> None:
        with self.sessions.begin() as session:
            search = session.get(SavedSearch, search_id)
            if search is not None:
                search.deleted = True


@dataclass(frozen=True)
class CategoryChoice:
    id: uuid.UUID
    name: str
    sector: str
    floor_cents: int


def category_catalogue(sessions: sessionmaker[Session]) -> list[CategoryChoice]:
    """Every category with its sector and floor price, sector by sector, for pickers."""
    from app.persistence.models import Sector

    with sessions() as session:
        return [
            CategoryChoice(cid, name, sector, floor)
            for cid, name, sector, floor in session.execute(
                select(Category.id, Category.name, Sector.name, Category.floor_price_cents)
                .join(Sector, Sector.id == Category.sector_id)
                .where(Category.deleted.is_(False))
                .order_by(Sector.name, Category.name)
            )
        ]
