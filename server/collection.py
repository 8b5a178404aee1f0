"""Collection on the server: the direct-debit run, and the checks on pushed payments, rejects,
reminders and mandates.

A debit run is one transaction at READ COMMITTED (the dispatch sessions). It locks the invoices
it may collect in id order, then reads what remains due on them, so two runs racing (two
managers, two workers) never debit one invoice twice: the second waits for the first, then
finds the invoice paid by the first's debit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.billing.dunning import DunningPolicy
from app.billing.invoices import InvoiceKind, InvoiceStatus
from app.billing.ledger import MANUAL_KINDS, REJECT_REASONS, PaymentKind
from app.billing.sepa import (
    DebitLine,
    MandateInput,
    MandateKind,
    check_mandate,
    mandate_usable,
    next_settlement_day,
    sequence_type,
    settlement_day,
)
from app.clock import paris_today
from app.domain.errors import FieldErrors
from app.persistence.models import DebitBatch, Invoice, Payment, PaymentReminder, SepaMandate
from app.services.billing.receivables import Receivable, receivables
from server.changes import ChangedRows, server_edit, server_stamp


class DebitRunRefused(Exception):
    """French, for the manager."""


@dataclass(frozen=True)
class Skipped:
    number: str
    buyer_name: str
    open_cents: int
    reason: str


@dataclass(frozen=True)
class DebitRun:
    batch_id: uuid.UUID | None
    message_id: str | None
    collection_date: date
    lines: list[DebitLine]
    skipped: list[Skipped]


# Bound parameters per statement stay well under every database's limit (PostgreSQL: 65,535).
CHUNK = 1000


def _chunks(ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _mandates_by_provider(
    session: Session, provider_ids: set[uuid.UUID]
) -> dict[uuid.UUID, list[SepaMandate]]:
    mandates: dict[uuid.UUID, list[SepaMandate]] = {}
    for chunk in _chunks(sorted(provider_ids)):
        for mandate in session.scalars(
            select(SepaMandate)
            .where(SepaMandate.provider_id.in_(chunk), SepaMandate.deleted.is_(False))
            .order_by(SepaMandate.id)
            .with_for_update()
        ):
            mandates.setdefault(mandate.provider_id, []).append(mandate)
    for found in mandates.values():
        found.sort(key=lambda m: m.signed_on, reverse=True)
    return mandates


def debit_run(
    session: Session,
    collection_date: date,
    now: datetime,
    user_id: uuid.UUID | None,
    policy: DunningPolicy,
) -> DebitRun:
    """Debit every invoice due by `collection_date` whose provider has a usable mandate."""
    today = paris_today(now)
    if collection_date <= today:
        raise DebitRunRefused("La date de prélèvement doit être postérieure à aujourd'hui.")
    if not settlement_day(collection_date):
        raise DebitRunRefused(
            "Pas de prélèvement ce jour-là (week-end ou jour férié du système TARGET2) : "
            f"choisissez par exemple le {next_settlement_day(collection_date):%d/%m/%Y}."
        )
    changed = ChangedRows(session, server_stamp(now))
    # What looks open, then locked (id order), then read again: a run that committed meanwhile
    # has paid them by its debits.
    looks_open = sorted(
        r.invoice_id
        for r in receivables(session, Invoice.due_date <= collection_date, open_only=True)
    )
    due: list[Receivable] = []
    for chunk in _chunks(looks_open):
        locked = list(
            session.scalars(
                select(Invoice.id)
                .where(Invoice.id.in_(chunk))
                .order_by(Invoice.id)
                .with_for_update()
            )
        )
        due += receivables(session, Invoice.id.in_(locked), open_only=True)
    due.sort(key=lambda r: (r.due_date, r.number))
    rejected: set[uuid.UUID] = set()
    debits_so_far: dict[uuid.UUID, int] = {}
    for chunk in _chunks([r.invoice_id for r in due]):
        rejected.update(
            session.scalars(
                select(Payment.invoice_id).where(
                    Payment.kind == PaymentKind.REJECT, Payment.invoice_id.in_(chunk)
                )
            )
        )
        debits_so_far.update(
            session.execute(
                select(Payment.invoice_id, func.count())
                .where(Payment.kind == PaymentKind.DIRECT_DEBIT, Payment.invoice_id.in_(chunk))
                .group_by(Payment.invoice_id)
            ).all()
        )
    mandates = _mandates_by_provider(session, {r.provider_id for r in due})
    batch_id = uuid.uuid4()
    message_id = f"PRLV-{collection_date:%Y%m%d}-{batch_id.hex[:12].upper()}"
    lines: list[DebitLine] = []
    skipped: list[Skipped] = []
    payments: list[Payment] = []
    used: dict[uuid.UUID, SepaMandate] = {}
    first_use: dict[uuid.UUID, date | None] = {}
    for item in due:
        reason = None
        announced = item.issue_date + timedelta(days=policy.prenotice_days)
        mandate = None
        for candidate in mandates.get(item.provider_id, []):
            if candidate.id in used and candidate.kind == MandateKind.ONE_OFF:
                continue
            last = first_use.get(candidate.id, candidate.last_collected_on)
            if (
                mandate_usable(
                    MandateKind(candidate.kind),
                    candidate.signed_on,
                    candidate.revoked_on,
                    last,
                    collection_date,
                )
                is None
            ):
                mandate = candidate
                break
        if item.invoice_id in rejected:
            reason = "prélèvement déjà rejeté : à relancer"
        elif mandate is None:
            reason = "pas de mandat SEPA utilisable"
        elif announced > collection_date:
            reason = f"préavis de {policy.prenotice_days} jours : pas avant le {announced:%d/%m/%Y}"
        if reason is not None:
            skipped.append(Skipped(item.number, item.buyer_name, item.open_cents, reason))
            continue
        assert mandate is not None
        first_use.setdefault(mandate.id, mandate.last_collected_on)
        used[mandate.id] = mandate
        end_to_end = f"{item.number}-{debits_so_far.get(item.invoice_id, 0) + 1}"
        lines.append(
            DebitLine(
                end_to_end_id=end_to_end,
                amount_cents=item.open_cents,
                debtor_name=mandate.debtor_name,
                iban=mandate.iban,
                bic=mandate.bic,
                rum=mandate.rum,
                mandate_signed_on=mandate.signed_on,
                sequence_type=sequence_type(MandateKind(mandate.kind), first_use[mandate.id]),
                description=f"Facture {item.number}",
            )
        )
        payments.append(
            Payment(
                provider_id=item.provider_id,
                invoice_id=item.invoice_id,
                kind=PaymentKind.DIRECT_DEBIT,
                amount_cents=item.open_cents,
                received_on=collection_date,
                reference=f"{message_id} / {end_to_end}",
                batch_id=batch_id,
                mandate_id=mandate.id,
                end_to_end_id=end_to_end,
                recorded_by_id=user_id,
                recorded_at=now,
            )
        )
    if not lines:
        return DebitRun(None, None, collection_date, [], skipped)
    session.add(
        DebitBatch(
            id=batch_id,
            message_id=message_id,
            collection_date=collection_date,
            created_by_id=user_id,
            count=len(lines),
            total_cents=sum(line.amount_cents for line in lines),
        )
    )
    session.flush()
    session.add_all(payments)
    for mandate in used.values():
        server_edit(mandate, {"last_collected_on": collection_date}, now, user_id)
    changed.stamp(session)
    return DebitRun(batch_id, message_id, collection_date, lines, skipped)


def refusal(session: Session, table: str, values: dict[str, Any], inserting: bool) -> str | None:
    """Why a pushed collection row may not be applied, or None (French, shown on the
    workstation). Unique keys are checked here first so that a clash refuses one row instead
    of failing the whole batch."""
    if table == "sepa_mandates":
        if "last_collected_on" in values and values["last_collected_on"] is not None:
            return "La date du dernier prélèvement est tenue par le serveur."
        if not inserting:
            return None  # only `revoked_on` may change (sync/schema.py)
        refused = _mandate_refusal(values)
        if refused:
            return refused
        if session.scalar(select(SepaMandate.id).where(SepaMandate.rum == values.get("rum"))):
            return f"La RUM {values.get('rum')} est déjà celle d'un autre mandat."
        return None
    if table == "payment_reminders" and inserting:
        taken = session.scalar(
            select(PaymentReminder.id).where(
                PaymentReminder.invoice_id == values.get("invoice_id"),
                PaymentReminder.level == values.get("level"),
            )
        )
        if taken is not None:
            return "Cette relance a déjà été enregistrée (depuis un autre poste)."
        return None
    if table == "payments" and inserting:
        return _payment_refusal(session, values)
    return None


def _mandate_refusal(values: dict[str, Any]) -> str | None:
    """A pushed mandate passes the workstation's own check (`check_mandate`), and arrives in
    the form that check stores."""
    try:
        kind = MandateKind(values.get("kind"))
    except ValueError:
        return "Type de mandat inconnu."
    try:
        checked = check_mandate(
            MandateInput(
                str(values.get("rum") or ""),
                str(values.get("debtor_name") or ""),
                str(values.get("iban") or ""),
                str(values.get("bic") or ""),
                kind,
                values.get("signed_on"),
            ),
            None,
        )
    except FieldErrors as refused:
        return " ".join(refused.errors.values())
    stored = (values.get("rum"), values.get("debtor_name"), values.get("iban"), values.get("bic"))
    if stored != (checked.rum, checked.debtor_name, checked.iban, checked.bic):
        return "Mandat mal formé (RUM, titulaire, IBAN ou BIC non normalisés)."
    return None


def _payment_refusal(session: Session, values: dict[str, Any]) -> str | None:
    invoice = session.get(Invoice, values.get("invoice_id"))
    if (
        invoice is None
        or invoice.status != InvoiceStatus.ISSUED
        or invoice.kind != InvoiceKind.INVOICE
        or invoice.provider_id != values.get("provider_id")
    ):
        return "Règlement d'une facture inconnue ou non émise."
    kind = values.get("kind")
    amount = values.get("amount_cents") or 0
    if kind in MANUAL_KINDS:
        return None if amount > 0 else "Un règlement a un montant positif."
    if kind != PaymentKind.REJECT:
        return "Les prélèvements sont enregistrés par le serveur (remise de prélèvements)."
    debit = session.get(Payment, values.get("rejects_payment_id"))
    if debit is None or debit.kind != PaymentKind.DIRECT_DEBIT or debit.invoice_id != invoice.id:
        return "Rejet d'un prélèvement inconnu."
    if values.get("reject_code") not in REJECT_REASONS:
        return "Motif de rejet inconnu."
    if amount != -debit.amount_cents:
        return "Un rejet reprend le montant exact du prélèvement."
    if session.scalar(select(Payment.id).where(Payment.rejects_payment_id == debit.id)):
        return "Ce prélèvement est déjà enregistré comme rejeté (depuis un autre poste)."
    return None
