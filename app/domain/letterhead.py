"""Our company as documents name it (contracts, invoices, reminders, the Factur-X XML).

In the domain layer: the PDFs (app.reports) and the Factur-X XML (app.billing) both print it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.money import format_euros


def _euros(cents: int) -> str:
    # The narrow no-break space babel puts in French numbers is not in the PDF base fonts.
    return format_euros(cents).replace("\u202f", "\xa0")


@dataclass(frozen=True)
class Letterhead:
    """Our company, as printed on documents sent to providers (contracts, invoices)."""

    name: str
    address: str
    phone: str
    email: str
    legal_form: str = "SAS"
    share_capital_cents: int = 0
    siren: str = ""
    rcs_city: str = ""
    vat_number: str = ""
    siret: str = ""
    # Invoices: the late-payment penalty rate as agreed (code de commerce L441-10: at least
    # three times the legal interest rate; the usual clause is below) and whether we opted for
    # paying VAT on debits (the invoice must then say so).
    late_penalty_rate: str = "taux de refinancement de la BCE majoré de 10 points"
    vat_on_debits: bool = False
    # SEPA: our creditor identifier (ICS) and the account debits are paid into.
    sepa_creditor_id: str = ""
    bank_iban: str = ""
    bank_bic: str = ""

    @property
    def legal_line(self) -> str:
        parts = [f"{self.legal_form} au capital de {_euros(self.share_capital_cents)}"]
        if self.siren:
            parts.append(f"RCS {self.rcs_city} {self.siren[:3]} {self.siren[3:6]} {self.siren[6:]}")
        if self.vat_number:
            parts.append(f"TVA {self.vat_number}")
        return " · ".join(parts)
