"""What a sales rep does with providers: create and edit them, move them along the pipeline,
their contacts, categories and zones, and the audit of every change.

Each action is one transaction. Bad input raises FieldErrors (one French message per field)
before anything is written: the record stays as it was.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.company_ids import (
    InvalidCompanyId,
    normalize_siren,
    normalize_siret,
    normalize_vat,
    siren_of_siret,
)
from app.domain.contact import InvalidEmail, InvalidPhone, normalize_email, normalize_phone
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.geography import point_for_postcode
from app.domain.postcodes import InvalidPostcode, departement_for_postcode, normalize_postcode
from app.domain.providers import (
    STAGE_LABELS,
    LostReason,
    ProviderSource,
    ProviderStage,
)
from app.domain.zones import ZoneInput, check_zones
from app.ids import uuid7
from app.persistence.models import (
    Provider,
    ProviderCategory,
    ProviderChange,
    ProviderContact,
    ProviderZone,
)
from app.services.auth import StaffMember
from app.services.leads.queue import search_name_key

# Words of a company name that say nothing about which company it is.
_NAME_NOISE = frozenset(
    {"sarl", "sas", "sasu", "eurl", "sa", "ei", "eirl", "scop", "snc", "ets", "etablissements",
     "entreprise", "societe", "et", "fils", "cie", "the", "le", "la", "les", "de", "des", "du"}
)  # fmt: skip

AUDITED_FIELDS = (
    "company_name",
    "legal_form",
    "siren",
    "siret",
    "vat_number",
    "address_line",
    "postcode",
    "city",
    "phone_e164",
    "email",
    "website",
    "owner_id",
    "source",
    "closing_rate_percent",
    "notes",
)


def company_key(name: str) -> str:
    """'SARL Dupont & Fils' -> 'dupont': what duplicate matching and search compare."""
    words = search_name_key(name).split()
    kept = [w for w in words if w not in _NAME_NOISE]
    return " ".join(kept or words)


@dataclass
class ProviderForm:
    """The provider form as typed: every value is text, nothing is trusted yet."""

    company_name: str = ""
    legal_form: str = ""
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    address_line: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    source: str = ProviderSource.MANUAL.value
    closing_rate_percent: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ContactInput:
    full_name: str
    role: str = ""
    phone: str = ""
    email: str = ""
    is_primary: bool = False


def provider_values(form: ProviderForm) -> dict[str, Any]:
    """Checked and normalised column values, or FieldErrors with every field's message."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    name = " ".join(form.company_name.split())
    if not name:
        errors["company_name"] = "La raison sociale est obligatoire."
    values["company_name"] = name
    values["search_name"] = company_key(name)
    values["legal_form"] = form.legal_form.strip() or None
    for key, check in (("siren", normalize_siren), ("siret", normalize_siret)):
        try:
            values[key] = check(getattr(form, key))
        except InvalidCompanyId as exc:
            errors[key] = str(exc)
    siren, siret = values.get("siren"), values.get("siret")
    if siret and not siren and "siren" not in errors:
        values["siren"] = siren = siren_of_siret(siret)
    if siren and siret and siren_of_siret(siret) != siren:
        errors["siret"] = "Le SIRET doit commencer par le SIREN de l'entreprise."
    try:
        values["vat_number"] = normalize_vat(form.vat_number)
    except InvalidCompanyId as exc:
        errors["vat_number"] = str(exc)
    vat = values.get("vat_number")
    if vat and siren and vat[4:] != siren:
        errors["vat_number"] = "Ce numéro de TVA n'est pas celui de ce SIREN."
    try:
        postcode = normalize_postcode(form.postcode)
        values["postcode"] = postcode
        values["departement_code"] = departement_for_postcode(postcode).code
        point = point_for_postcode(postcode)
        values["latitude"] = point.latitude if point else None
        values["longitude"] = point.longitude if point else None
    except InvalidPostcode as exc:
        errors["postcode"] = str(exc)
    values["city"] = " ".join(form.city.split())
    if not values["city"]:
        errors["city"] = "La ville est obligatoire."
    values["address_line"] = form.address_line.strip() or None
    try:
        values["phone_e164"] = normalize_phone(form.phone) if form.phone.strip() else None
    except InvalidPhone as exc:
        errors["phone"] = str(exc)
    try:
        values["email"] = normalize_email(form.email)
    except InvalidEmail as exc:
        errors["email"] = str(exc)
    values["website"] = form.website.strip() or None
    try:
        values["source"] = ProviderSource(form.source).value
    except ValueError:
        errors["source"] = "Origine inconnue."
    rate = form.closing_rate_percent.strip().rstrip("%").strip()
    if rate:
        if not rate.isdigit() or not 1 <= int(rate) <= 100:
            errors["closing_rate_percent"] = "Un pourcentage entier entre 1 et 100."
        else:
            values["closing_rate_percent"] = int(rate)
    else:
        values["closing_rate_percent"] = None
    values["notes"] = form.notes.strip()
    if errors:
        raise FieldErrors(errors)
    return values


def form_of(provider: Provider) -> ProviderForm:
    return ProviderForm(
        company_name=provider.company_name,
        legal_form=provider.legal_form or "",
        siren=provider.siren or "",
        siret=provider.siret or "",
        vat_number=provider.vat_number or "",
        address_line=provider.address_line or "",
        postcode=provider.postcode,
        city=provider.city,
        phone=provider.phone_e164 or "",
        email=provider.email or "",
        website=provider.website or "",
        source=provider.source,
        closing_rate_percent=str(provider.closing_rate_percent or ""),
        notes=provider.notes,
    )


def contact_values(contact: ContactInput) -> dict[str, Any]:
    errors = {}
    values: dict[str, Any] = {"full_name": " ".join(contact.full_name.split())}
    if not values["full_name"]:
        errors["full_name"] = "Le nom du contact est obligatoire."
    values["role"] = contact.role.strip()
    values["is_primary"] = contact.is_primary
    try:
        values["phone_e164"] = normalize_phone(contact.phone) if contact.phone.strip() else None
    except InvalidPhone as exc:
        errors["phone"] = str(exc)
    try:
        values["email"] = normalize_email(contact.email)
    except InvalidEmail as exc:
        errors["email"] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return values


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class NewProvider:
    form: ProviderForm
    category_ids: list[uuid.UUID] = field(default_factory=list)
    zones: list[ZoneInput] = field(default_factory=list)
    contacts: list[ContactInput] = field(default_factory=list)
    stage: ProviderStage = ProviderStage.PROSPECT


class ProviderService:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, user: StaffMember) -> None:
        self.sessions = sessions
        self.clock = clock
        self.user = user

    # -- writing -------------------------------------------------------------------------

    def create(self, new: NewProvider, owner_id: uuid.UUID | None = None) -> uuid.UUID:
        values = provider_values(new.form)
        zones = check_zones(new.zones)
        contacts = [contact_values(c) for c in new.contacts]
        with self.sessions.begin() as session:
            return self.add_checked(
                session, values, new.category_ids, zones, contacts, owner_id, new.stage
            )

    def add_checked(
        self,
        session: Session,
        values: dict[str, Any],
        category_ids: list[uuid.UUID],
        zones: list[ZoneInput],
        contacts: list[dict[str, Any]],
        owner_id: uuid.UUID | None = None,
        stage: ProviderStage = ProviderStage.PROSPECT,
    ) -> uuid.UUID:
        """Insert a provider whose values were already checked (the CSV import's path)."""
        now = self.clock()
        # The id is made here, not by a flush: an import adds 500 providers per flush.
        provider = Provider(
            id=uuid7(),
            **values,
            owner_id=owner_id or self.user.id,
            stage=stage.value,
            stage_changed_at=now,
        )
        session.add(provider)
        self._audit(session, provider.id, "created", None, provider.company_name, now)
        for category_id in dict.fromkeys(category_ids):
            session.add(ProviderCategory(provider_id=provider.id, category_id=category_id))
        for zone in zones:
            session.add(ProviderZone(provider_id=provider.id, **zone.__dict__))
        for contact in contacts:
            session.add(ProviderContact(provider_id=provider.id, **contact))
        return provider.id

    def update(self, provider_id: uuid.UUID, form: ProviderForm) -> list[str]:
        """Save the form; returns the fields that changed (each one audited)."""
        values = provider_values(form)
        now = self.clock()
        with self.sessions.begin() as session:
            provider = self._provider(session, provider_id)
            changed = self._apply(session, provider, values, now)
            return changed

    def _apply(
        self, session: Session, provider: Provider, values: dict[str, Any], now: datetime
    ) -> list[str]:
        changed = []
        for key, value in values.items():
            old = getattr(provider, key)
            if old == value:
                continue
            setattr(provider, key, value)
            if key in AUDITED_FIELDS:
                changed.append(key)
                self._audit(session, provider.id, key, _text(old), _text(value), now)
        return changed

    def fill_missing(
        self, session: Session, provider_id: uuid.UUID, values: dict[str, Any]
    ) -> list[str]:
        """Merge an imported row: fill the provider's empty fields, never overwrite one."""
        provider = self._provider(session, provider_id)
        missing = {
            k: v
            for k, v in values.items()
            if k in AUDITED_FIELDS and v not in (None, "") and getattr(provider, k) in (None, "")
        }
        return self._apply(session, provider, missing, self.clock())

    def move_to_stage(
        self, provider_id: uuid.UUID, stage: ProviderStage, lost_reason: LostReason | None = None
    ) -> None:
        if stage is ProviderStage.LOST and lost_reason is None:
            raise FieldErrors({"lost_reason": "Indiquez pourquoi ce prospect est perdu."})
        now = self.clock()
        with self.sessions.begin() as session:
            provider = self._provider(session, provider_id)
            if provider.stage == stage:
                return
            self._audit(
                session,
                provider.id,
                "stage",
                STAGE_LABELS[ProviderStage(provider.stage)],
                STAGE_LABELS[stage],
                now,
            )
            provider.stage = stage.value
            provider.stage_changed_at = now
            new_reason = lost_reason.value if stage is ProviderStage.LOST and lost_reason else None
            if provider.lost_reason != new_reason:
                self._audit(
                    session, provider.id, "lost_reason", provider.lost_reason, new_reason, now
                )
                provider.lost_reason = new_reason

    def set_categories(self, provider_id: uuid.UUID, category_ids: list[uuid.UUID]) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            self._provider(session, provider_id)
            rows = session.scalars(
                select(ProviderCategory).where(
                    ProviderCategory.provider_id == provider_id,
                    ProviderCategory.deleted.is_(False),
                )
            ).all()
            current = {r.category_id: r for r in rows}
            wanted = set(category_ids)
            for category_id, row in current.items():
                if category_id not in wanted:
                    row.deleted = True
            for category_id in wanted - set(current):
                session.add(ProviderCategory(provider_id=provider_id, category_id=category_id))
            if wanted != set(current):
                self._audit(
                    session, provider_id, "categories", str(len(current)), str(len(wanted)), now
                )

    def set_zones(self, provider_id: uuid.UUID, zones: list[ZoneInput]) -> None:
        checked = check_zones(zones)
        now = self.clock()
        with self.sessions.begin() as session:
            self._provider(session, provider_id)
            rows = session.scalars(
                select(ProviderZone).where(
                    ProviderZone.provider_id == provider_id, ProviderZone.deleted.is_(False)
                )
            ).all()
            current = {ZoneInput(r.departement_code, r.postcode, r.radius_km): r for r in rows}
            for zone, row in current.items():
                if zone not in checked:
                    row.deleted = True
            for zone in checked:
                if zone not in current:
                    session.add(ProviderZone(provider_id=provider_id, **zone.__dict__))
            old, new = sorted(z.label for z in current), sorted(z.label for z in checked)
            if old != new:
                self._audit(session, provider_id, "zones", ", ".join(old), ", ".join(new), now)

    def add_contact(self, provider_id: uuid.UUID, contact: ContactInput) -> uuid.UUID:
        values = contact_values(contact)
        with self.sessions.begin() as session:
            self._provider(session, provider_id)
            row = ProviderContact(provider_id=provider_id, **values)
            session.add(row)
            session.flush()
            self._audit(session, provider_id, "contact", None, values["full_name"], self.clock())
            return row.id

    def remove_contact(self, contact_id: uuid.UUID) -> None:
        with self.sessions.begin() as session:
            row = session.get(ProviderContact, contact_id)
            if row is None or row.deleted:
                return
            row.deleted = True
            self._audit(session, row.provider_id, "contact", row.full_name, None, self.clock())

    # -- helpers ---------------------------------------------------------------------------

    def _provider(self, session: Session, provider_id: uuid.UUID) -> Provider:
        provider = session.get(Provider, provider_id)
        if provider is None or provider.deleted:
            raise ActionRefused("Ce prestataire n'existe plus (supprimé entre-temps).")
        return provider

    def _audit(
        self,
        session: Session,
        provider_id: uuid.UUID,
        field_name: str,
        old: str | None,
        new: str | None,
        now: datetime,
    ) -> None:
        session.add(
            ProviderChange(
                provider_id=provider_id,
                changed_at=now,
                user_id=self.user.id,
                field=field_name,
                old_value=old,
                new_value=new,
            )
        )
