"""Invoice vocabulary: kinds, states, and how a number is written."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"  # previewed: no number, recomputed by the next run
    ISSUED = "issued"  # numbered and frozen; corrected only by a credit note


def invoice_number(sequence: int, issued_on: date) -> str:
    """One gapless sequence for every invoice and credit note; the year is for the reader."""
    return f"F{issued_on:%Y}-{sequence:06d}"


def monthly_key(provider_id: object, month: date) -> str:
    return f"{provider_id}:{month:%Y-%m}"
