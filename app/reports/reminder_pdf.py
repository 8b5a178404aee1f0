"""The reminder letter for an overdue invoice, at its dunning level, with what it claims: the
amount left to pay, the late-payment penalties to date and the 40 EUR recovery indemnity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from app.billing.dunning import LEVEL_LABELS, RECOVERY_INDEMNITY_CENTS
from app.reports.pdf_parts import (
    BLUE,
    CONTENT_WIDTH,
    FONT_BOLD,
    Letterhead,
    a4_document,
    document_styles,
    grouped_iban,
    long_date,
    pdf_euros,
    pdf_text,
    table_style,
)

LAST_LEVEL = max(LEVEL_LABELS)


@dataclass(frozen=True)
class ReminderLetter:
    level: int
    sent_on: date
    invoice_number: str
    issue_date: date
    due_date: date
    buyer_name: str
    buyer_address: str
    gross_cents: int
    open_cents: int
    penalty_cents: int
    indemnity_cents: int
    penalty_percent: Decimal
    suspend_after_days: int

    @property
    def claimed_cents(self) -> int:
        return self.open_cents + self.penalty_cents + self.indemnity_cents


def write_reminder_pdf(letter: ReminderLetter, letterhead: Letterhead, path: Path) -> Path:
    styles = document_styles()
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(pdf_text(escape(text)).replace("\n", "<br/>"), style)

    title = LEVEL_LABELS[letter.level]
    if letter.level == LAST_LEVEL:
        title = "Mise en demeure de payer"
    late = (letter.sent_on - letter.due_date).days
    rate = f"{letter.penalty_percent.normalize():f}".replace(".", ",")
    rows = [
        ["Facture", "Émise le", "Échéance", "Montant TTC", "Reste dû"],
        [
            letter.invoice_number,
            letter.issue_date.strftime("%d/%m/%Y"),
            letter.due_date.strftime("%d/%m/%Y"),
            pdf_euros(letter.gross_cents, True),
            pdf_euros(letter.open_cents, True),
        ],
    ]
    invoice = Table(rows, colWidths=[CONTENT_WIDTH / 5] * 5)
    invoice.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), BLUE),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.grey),
            ]
        )
    )
    claim = Table(
        [
            ["Reste dû sur la facture", pdf_euros(letter.open_cents, True)],
            [
                f"Pénalités de retard ({rate} % l'an, {late} jours)",
                pdf_euros(letter.penalty_cents, True),
            ],
            [
                "Indemnité forfaitaire pour frais de recouvrement",
                pdf_euros(letter.indemnity_cents, True),
            ],
            ["Total à régler", pdf_euros(letter.claimed_cents, True)],
        ],
        colWidths=[CONTENT_WIDTH * 0.6, CONTENT_WIDTH * 0.2],
        hAlign="LEFT",
    )
    claim.setStyle(
        table_style(
            [
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
            ]
        )
    )
    opening = {
        1: "Sauf erreur de notre part, la facture ci-dessous reste impayée à ce jour. Il s'agit "
        "peut-être d'un oubli : nous vous remercions de bien vouloir procéder à son règlement.",
        2: "Malgré notre précédente relance, la facture ci-dessous reste impayée. Nous vous "
        "demandons de la régler sans délai, avec les pénalités et l'indemnité prévues par nos "
        "conditions générales de vente.",
    }.get(
        letter.level,
        "Malgré nos relances, la facture ci-dessous reste impayée. Par la présente, nous vous "
        "mettons en demeure de régler la somme ci-dessous sous huit jours.",
    )
    consequence = (
        f"Sans règlement {letter.suspend_after_days} jours après l'échéance, la diffusion de "
        "demandes de devis à votre entreprise est suspendue ; elle reprend dès réception du "
        "paiement."
    )
    if letter.level == LAST_LEVEL:
        consequence += (
            " À défaut de paiement dans ce délai, nous engagerons une procédure de recouvrement, "
            "sans autre avis."
        )
    payment = (
        f"Règlement par virement : IBAN {grouped_iban(letterhead.bank_iban)}, "
        f"BIC {letterhead.bank_bic}, en rappelant le numéro de facture {letter.invoice_number}."
        if letterhead.bank_iban
        else f"Merci de rappeler le numéro de facture {letter.invoice_number} avec le règlement."
    )
    story = [
        p(letterhead.name, styles["Heading3"]),
        p(f"{letterhead.address}\n{letterhead.phone} · {letterhead.email}", small),
        Spacer(1, 8 * mm),
        Table(
            [["", p(f"{letter.buyer_name}\n{letter.buyer_address}")]],
            colWidths=[CONTENT_WIDTH * 0.55, CONTENT_WIDTH * 0.45],
            style=table_style([]),
        ),
        Spacer(1, 6 * mm),
        p(f"Le {long_date(letter.sent_on)}"),
        Spacer(1, 4 * mm),
        p(f"Objet : {title} — facture n° {letter.invoice_number}", styles["Heading4"]),
        p("Madame, Monsieur,"),
        Spacer(1, 2 * mm),
        p(opening),
        Spacer(1, 4 * mm),
        invoice,
        Spacer(1, 5 * mm),
        claim,
        Spacer(1, 5 * mm),
        p(
            "Les pénalités de retard courent de plein droit dès le lendemain de l'échéance, et "
            f"l'indemnité forfaitaire de {pdf_euros(RECOVERY_INDEMNITY_CENTS)} est due pour "
            "chaque facture payée en retard "
            "(articles L441-10 et D441-5 du code de commerce)."
        ),
        Spacer(1, 2 * mm),
        p(consequence),
        Spacer(1, 2 * mm),
        p(payment),
        Spacer(1, 2 * mm),
        p(
            "Si votre règlement a croisé ce courrier, nous vous prions de ne pas en tenir compte. "
            "Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées."
        ),
        Spacer(1, 10 * mm),
        p(f"Le service comptabilité — {letterhead.name}"),
        Spacer(1, 10 * mm),
        p(letterhead.legal_line, small),
    ]
    a4_document(path, f"{title} – {letter.invoice_number}", letterhead).build(story)
    return path
