"""What a sales rep does with contracts: write a draft, amend a signed one, send, sign, and ask
the server to activate, suspend, resume or terminate.

Each action is one transaction. Bad terms raise FieldErrors (French, per field) and a step that
does not fit the life cycle raises ActionRefused; in both cases nothing is written.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock, paris_today
from app.domain.contracts import (
    AMENDABLE,
    CLIENT_STEPS,
    REQUEST_LABELS,
    REQUEST_STEPS,
    STATUS_LABELS,
    ContractStatus,
    ContractTerms,
    RequestKind,
    RequestState,
    check_terms,
)
from app.domain.errors import ActionRefused
from app.domain.providers import ProviderStage
from app.persistence.models import (
    Contract,
    ContractEvent,
    ContractPrice,
    ContractRequest,
    ContractVersion,
    ContractZone,
    Provider,
)
from app.services.auth import StaffMember
from app.services.contracts.contract_terms import category_floors, terms_of

_TERM_FIELDS = (
    "starts_on",
    "ends_on",
    "tacit_renewal",
    "notice_days",
    "sharing_level",
    "cap_leads",
    "cap_cents",
    "package_fee_cents",
    "package_leads",
    "payment_days",
    "sepa_mandate_ref",
)


class ContractService:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, user: StaffMember) -> None:
        self.sessions = sessions
        self.clock = clock
        self.user = user

    def create(self, provider_id: uuid.UUID, terms: ContractTerms) -> uuid.UUID:
        """A new contract with its first version, as a draft. Returns the version id."""
        with self.sessions.begin() as session:
            check_terms(terms, category_floors(session))
            provider = session.get(Provider, provider_id)
            if provider is None or provider.deleted:
                raise ActionRefused("Ce prestataire n'existe plus.")
            contract = Contract(provider_id=provider_id, owner_id=self.user.id)
            session.add(contract)
            session.flush()
            return self._new_version(session, contract.id, 1, terms)

    def amend(self, contract_id: uuid.UUID, terms: ContractTerms) -> uuid.UUID:
        """An amendment: a new draft version of a contract whose last version is signed."""
        with self.sessions.begin() as session:
            check_terms(terms, category_floors(session))
            latest = session.scalars(
                select(ContractVersion)
                .where(
                    ContractVersion.contract_id == contract_id,
                    ContractVersion.deleted.is_(False),
                )
                .order_by(ContractVersion.number.desc())
            ).first()
            if latest is None:
                raise ActionRefused("Contrat inconnu.")
            if latest.status == ContractStatus.TERMINATED:
                raise ActionRefused("Contrat résilié : il ne se modifie plus par avenant.")
            if latest.status not in AMENDABLE:
                label = STATUS_LABELS[ContractStatus(latest.status)]
                raise ActionRefused(
                    f"La version {latest.number} est « {label} » : modifiez-la directement,"
                    " un avenant ne s'écrit que sur une version signée."
                )
            if terms.starts_on <= latest.starts_on:
                raise ActionRefused(
                    f"Un avenant commence après le début de la version {latest.number} "
                    f"({latest.starts_on:%d/%m/%Y})."
                )
            return self._new_version(session, contract_id, latest.number + 1, terms)

    def save_draft(self, version_id: uuid.UUID, terms: ContractTerms) -> None:
        """Replace a draft's terms (fields, price grid, zones)."""
        with self.sessions.begin() as session:
            check_terms(terms, category_floors(session))
            version = self._version(session, version_id)
            if version.status != ContractStatus.DRAFT:
                raise ActionRefused(
                    "Version signée ou envoyée : repassez-la en brouillon ou rédigez un avenant."
                )
            for name in _TERM_FIELDS:
                if getattr(version, name) != getattr(terms, name):
                    setattr(version, name, getattr(terms, name))
            prices = {
                p.category_id: p
                for p in session.scalars(
                    select(ContractPrice).where(
                        ContractPrice.version_id == version.id, ContractPrice.deleted.is_(False)
                    )
                )
            }
            wanted = {p.category_id: p.price_cents for p in terms.prices}
            for category_id, row in prices.items():
                if category_id not in wanted:
                    row.deleted = True
                elif row.price_cents != wanted[category_id]:
                    row.price_cents = wanted[category_id]
            for category_id, cents in wanted.items():
                if category_id not in prices:
                    session.add(
                        ContractPrice(
                            version_id=version.id, category_id=category_id, price_cents=cents
                        )
                    )
            zones = {
                (z.departement_code, z.postcode, z.radius_km): z
                for z in session.scalars(
                    select(ContractZone).where(
                        ContractZone.version_id == version.id, ContractZone.deleted.is_(False)
                    )
                )
            }
            wanted_zones = {(z.departement_code, z.postcode, z.radius_km) for z in terms.zones}
            for key, row in zones.items():
                if key not in wanted_zones:
                    row.deleted = True
            for dep, postcode, radius in wanted_zones - set(zones):
                session.add(
                    ContractZone(
                        version_id=version.id,
                        departement_code=dep,
                        postcode=postcode,
                        radius_km=radius,
                    )
                )

    def move(
        self, version_id: uuid.UUID, status: ContractStatus, signed_on: date | None = None
    ) -> None:
        """The steps a rep records: sent to the provider, signed, back to draft."""
        with self.sessions.begin() as session:
            version = self._version(session, version_id)
            current = ContractStatus(version.status)
            if status not in CLIENT_STEPS.get(current, frozenset()):
                raise ActionRefused(
                    f"« {STATUS_LABELS[current]} » → « {STATUS_LABELS[status]} » : "
                    "étape impossible depuis le poste (l'activation se demande au serveur)."
                )
            if status == ContractStatus.SIGNED:
                check_terms(terms_of(session, version), category_floors(session))
                version.signed_on = signed_on or paris_today(self.clock())
                contract = session.get(Contract, version.contract_id)
                assert contract is not None
                provider = session.get(Provider, contract.provider_id)
                if provider is not None and provider.stage != ProviderStage.SIGNED:
                    provider.stage = ProviderStage.SIGNED
                    provider.stage_changed_at = self.clock()
            self._step(session, version, status, "")

    def request(self, version_id: uuid.UUID, kind: RequestKind, reason: str = "") -> uuid.UUID:
        """Queue a server command; the answer comes back with the next sync."""
        now = self.clock()
        with self.sessions.begin() as session:
            version = self._version(session, version_id)
            allowed_from, _target = REQUEST_STEPS[kind]
            status = ContractStatus(version.status)
            if status not in allowed_from:
                raise ActionRefused(
                    f"{REQUEST_LABELS[kind]} impossible : "
                    f"la version est « {STATUS_LABELS[status]} »."
                )
            pending = session.scalar(
                select(func.count())
                .select_from(ContractRequest)
                .where(
                    ContractRequest.version_id == version.id,
                    ContractRequest.state == RequestState.PENDING,
                )
            )
            if pending:
                raise ActionRefused("Une demande est déjà en attente de réponse du serveur.")
            if kind in (RequestKind.SUSPEND, RequestKind.TERMINATE) and not reason.strip():
                raise ActionRefused(f"{REQUEST_LABELS[kind]} : indiquez le motif.")
            request = ContractRequest(
                version_id=version.id,
                kind=kind,
                requested_by_id=self.user.id,
                requested_at=now,
                reason=reason.strip(),
                state=RequestState.PENDING,
            )
            session.add(request)
            session.flush()
            return request.id

    # -- helpers --------------------------------------------------------------------------

    def _new_version(
        self, session: Session, contract_id: uuid.UUID, number: int, terms: ContractTerms
    ) -> uuid.UUID:
        now = self.clock()
        version = ContractVersion(
            contract_id=contract_id,
            number=number,
            status=ContractStatus.DRAFT,
            status_changed_at=now,
            **{name: getattr(terms, name) for name in _TERM_FIELDS},
        )
        session.add(version)
        session.flush()
        session.add_all(
            ContractPrice(
                version_id=version.id, category_id=p.category_id, price_cents=p.price_cents
            )
            for p in terms.prices
        )
        session.add_all(
            ContractZone(
                version_id=version.id,
                departement_code=z.departement_code,
                postcode=z.postcode,
                radius_km=z.radius_km,
            )
            for z in terms.zones
        )
        session.add(
            ContractEvent(
                version_id=version.id,
                occurred_at=now,
                user_id=self.user.id,
                from_status=None,
                to_status=ContractStatus.DRAFT,
                note="Avenant" if number > 1 else "Création",
            )
        )
        return version.id

    def _step(
        self, session: Session, version: ContractVersion, status: ContractStatus, note: str
    ) -> None:
        now = self.clock()
        session.add(
            ContractEvent(
                version_id=version.id,
                occurred_at=now,
                user_id=self.user.id,
                from_status=version.status,
                to_status=status,
                note=note,
            )
        )
        version.status = status
        version.status_changed_at = now

    @staticmethod
    def _version(session: Session, version_id: uuid.UUID) -> ContractVersion:
        version = session.get(ContractVersion, version_id)
        if version is None or version.deleted:
            raise ActionRefused("Version de contrat inconnue.")
        return version
