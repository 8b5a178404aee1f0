"""A provider's dispute of a lead it bought (docs/domain-rules.md, "Leads sold to providers").

Valid reasons: duplicate; wrong or unreachable contact details; wrong postcode or category;
fake request. Not valid: the consumer did not answer once, already hired someone, was just
comparing. Disputes are filed within a window after the sale (DispatchPolicy.
dispute_window_days); an accepted dispute gives a credit on the next invoice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.errors import ActionRefused


class DisputeReason(StrEnum):
    DUPLICATE = "duplicate"
    WRONG_CONTACT = "wrong_contact"
    WRONG_POSTCODE = "wrong_postcode"
    WRONG_CATEGORY = "wrong_category"
    FAKE_REQUEST = "fake_request"


DISPUTE_REASON_LABELS = {
    DisputeReason.DUPLICATE: "Doublon d'un lead déjà reçu",
    DisputeReason.WRONG_CONTACT: "Coordonnées fausses ou injoignables",
    DisputeReason.WRONG_POSTCODE: "Code postal erroné (hors zone)",
    DisputeReason.WRONG_CATEGORY: "Mauvaise catégorie de travaux",
    DisputeReason.FAKE_REQUEST: "Fausse demande",
}
# Shown next to the reasons so staff can turn these down at once.
NOT_DISPUTE_REASONS = (
    "Le consommateur n'a pas répondu à un premier appel",
    "Le consommateur a déjà choisi un professionnel",
    "Le consommateur compare seulement les offres",
)


class DisputeStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REFUSED = "refused"


DISPUTE_STATUS_LABELS = {
    DisputeStatus.OPEN: "À examiner",
    DisputeStatus.ACCEPTED: "Acceptée (avoir)",
    DisputeStatus.REFUSED: "Refusée",
}


def check_filing(sold_at: datetime, filed_at: datetime, window_days: int) -> None:
    deadline = sold_at + timedelta(days=window_days)
    if filed_at > deadline:
        raise ActionRefused(
            f"Délai de contestation dépassé : {window_days} jours après la vente, "
            f"soit jusqu'au {deadline:%d/%m/%Y}."
        )
