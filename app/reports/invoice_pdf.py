"""An invoice or credit note as a PDF (reportlab), with every mention French law requires
(docs/domain-rules.md, code de commerce L441-9 and code général des impôts art. 242 nonies A)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from app.billing.dunning import RECOVERY_INDEMNITY_CENTS
from app.billing.invoice_document import InvoiceDocument
from app.billing.invoices import InvoiceKind
from app.billing.vat import VatCategory, vat_category
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


def _percent(value: Decimal) -> str:
    return pdf_text(f"{value.normalize():f}".replace(".", ",") + "\xa0%")


def _rate(value: Decimal) -> str:
    """A line's VAT column: its rate, or that VAT does not apply (not a rate of 0 %)."""
    return "Hors champ" if vat_category(value) == VatCategory.OUTSIDE_SCOPE else _percent(value)


def write_invoice_pdf(document: InvoiceDocument, letterhead: Letterhead, path: Path) -> Path:
    styles = document_styles()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10)
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=9.5, leading=12.5)
    heading = ParagraphStyle("h", parent=styles["Heading3"], textColor=BLUE)
    width = CONTENT_WIDTH
    credit_note = document.kind == InvoiceKind.CREDIT_NOTE
    title = "Avoir" if credit_note else "Facture"

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(pdf_text(escape(text)).replace("\n", "<br/>"), style)

    outside_scope = document.outside_vat_scope
    seller_legal = replace(letterhead, vat_number="") if outside_scope else letterhead
    seller = "\n".join(
        x
        for x in (
            letterhead.name,
            letterhead.address,
            seller_legal.legal_line,
            f"SIRET {letterhead.siret}" if letterhead.siret else "",
            letterhead.email,
        )
        if x
    )
    buyer = "\n".join(
        x
        for x in (
            document.buyer_name,
            document.buyer_address,
            f"SIREN {document.buyer_siren}" if document.buyer_siren else "SIREN : non communiqué",
            f"TVA intracommunautaire {document.buyer_vat_number}"
            if document.buyer_vat_number and not outside_scope
            else "",
        )
        if x
    )
    header = Table(
        [[p("Vendeur", heading), p("Client", heading)], [p(seller), p(buyer)]],
        colWidths=[width / 2, width / 2],
    )
    header.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    facts = [
        f"{title} n° {document.number}",
        f"Date d'émission : {long_date(document.issue_date)}",
        f"Prestation : mise en relation (fourniture de demandes de devis) du "
        f"{long_date(document.period_start)} au {long_date(document.period_end)}",
        f"Échéance : {long_date(document.due_date)}",
    ]
    if document.corrects_number:
        facts.insert(1, f"Avoir sur la facture n° {document.corrects_number}")
    rows = [["Désignation", "Qté", "PU HT", "TVA", "Montant HT"]] + [
        [
            p(line.label),
            str(line.quantity),
            pdf_euros(line.unit_price_cents, True),
            _rate(line.vat_percent),
            pdf_euros(line.amount_cents, True),
        ]
        for line in document.lines
    ]
    widths = [width * share for share in (0.49, 0.07, 0.13, 0.14, 0.17)]
    lines = Table(rows, colWidths=widths, repeatRows=1)
    lines.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), BLUE),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    summary = [["Total HT", pdf_euros(document.net_cents, True)]]
    for rate in document.by_rate:
        tax = (
            "Hors champ de la TVA"
            if vat_category(rate.percent) == VatCategory.OUTSIDE_SCOPE
            else f"TVA {_percent(rate.percent)}"
        )
        summary.append(
            [
                f"{tax} sur {pdf_euros(rate.base_cents, True)}",
                pdf_euros(rate.vat_cents, True),
            ]
        )
    summary.append(["Total TTC", pdf_euros(document.gross_cents, True)])
    totals = Table(summary, colWidths=[width * 0.3, width * 0.17], hAlign="RIGHT")
    totals.setStyle(
        table_style(
            [
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
            ]
        )
    )
    legal = [
        f"Paiement à l'échéance du {long_date(document.due_date)}, sans escompte pour paiement "
        "anticipé.",
        f"En cas de retard de paiement : pénalités au {letterhead.late_penalty_rate}, exigibles "
        "dès le lendemain de l'échéance, et indemnité forfaitaire pour frais de recouvrement "
        f"de {pdf_euros(RECOVERY_INDEMNITY_CENTS)} "
        "(articles L441-10 et D441-5 du code de commerce).",
    ]
    if document.debit is not None:
        legal.insert(0, document.debit.notice)
    elif letterhead.bank_iban and document.kind == InvoiceKind.INVOICE:
        legal.insert(
            1,
            f"Règlement par virement : IBAN {grouped_iban(letterhead.bank_iban)}, "
            f"BIC {letterhead.bank_bic}, en rappelant le numéro de facture.",
        )
    if document.vat_mention:
        legal.append(document.vat_mention)
    if letterhead.vat_on_debits:
        legal.append("Option pour le paiement de la TVA d'après les débits.")
    story = [
        p(letterhead.name, styles["Heading3"]),
        Spacer(1, 2 * mm),
        p(title, ParagraphStyle("t", parent=styles["Title"], textColor=BLUE)),
        header,
        Spacer(1, 4 * mm),
        *[p(f) for f in facts],
        Spacer(1, 4 * mm),
        lines,
        Spacer(1, 3 * mm),
        totals,
        Spacer(1, 6 * mm),
        *[p(text, small) for text in legal],
    ]
    a4_document(path, f"{title} {document.number} – {document.buyer_name}", letterhead).build(story)
    return path
