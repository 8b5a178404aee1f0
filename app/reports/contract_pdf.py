"""The contract document a rep sends for signature (reportlab): both parties, the terms, the
price grid, the general terms of sale shipped in resources/legal, and the signature blocks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
)

from app.domain.contracts import (
    ContractTerms,
    TermChange,
    monthly_ceiling_cents,
    sharing_label,
)
from app.reference import RESOURCES_DIR
from app.reports.pdf_parts import (
    BLUE,
    CONTENT_WIDTH,
    FONT,
    FONT_BOLD,
    Letterhead,
    a4_document,
    document_styles,
    long_date,
    pdf_euros,
    pdf_text,
    table_style,
)

GENERAL_TERMS = RESOURCES_DIR / "legal" / "conditions-generales-de-vente.txt"


@dataclass(frozen=True)
class ProviderParty:
    company_name: str
    legal_form: str | None
    siren: str | None
    siret: str | None
    vat_number: str | None
    address_line: str | None
    postcode: str
    city: str
    representative: str | None
    email: str | None


@dataclass(frozen=True)
class ContractDocument:
    reference: str | None
    version_number: int
    status_label: str
    provider: ProviderParty
    terms: ContractTerms
    category_names: dict[uuid.UUID, str]
    made_on: date
    # An amendment: what it changes from the previous version.
    changes: list[TermChange] = field(default_factory=list)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(pdf_text(escape(text)).replace("\n", "<br/>"), style)


def _terms_rows(terms: ContractTerms) -> list[list[str]]:
    ceiling = monthly_ceiling_cents(terms)
    end = long_date(terms.ends_on) if terms.ends_on else "durée indéterminée"
    rows = [
        ["Date de début", long_date(terms.starts_on)],
        ["Date de fin", end],
        ["Tacite reconduction", "oui" if terms.tacit_renewal else "non"],
        ["Préavis de résiliation", f"{terms.notice_days} jours"],
        ["Partage des demandes", sharing_label(terms.sharing_level)],
        ["Plafond mensuel (demandes)", str(terms.cap_leads) if terms.cap_leads else "aucun"],
        [
            "Plafond mensuel (montant HT)",
            pdf_euros(terms.cap_cents) if terms.cap_cents else "aucun",
        ],
    ]
    if terms.package_fee_cents:
        rows.append(
            [
                "Forfait mensuel HT",
                f"{pdf_euros(terms.package_fee_cents, True)} pour {terms.package_leads} demandes",
            ]
        )
    rows += [
        [
            "Montant mensuel maximal HT",
            pdf_euros(ceiling) if ceiling is not None else "non plafonné",
        ],
        ["Délai de paiement", f"{terms.payment_days} jours à compter de la facture"],
        ["Mandat de prélèvement SEPA (RUM)", terms.sepa_mandate_ref or "à signer"],
    ]
    return rows


def write_contract_pdf(document: ContractDocument, letterhead: Letterhead, path: Path) -> Path:
    styles = document_styles()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10)
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=9.5, leading=12.5)
    heading = ParagraphStyle("h", parent=styles["Heading3"], textColor=BLUE, spaceBefore=6)
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=16, textColor=BLUE)
    width = CONTENT_WIDTH
    provider = document.provider
    terms = document.terms
    reference = document.reference or "à attribuer à l'activation"
    story: list = [
        _p(letterhead.name, styles["Heading3"]),
        _p(f"{letterhead.address} · {letterhead.phone} · {letterhead.email}", small),
        _p(letterhead.legal_line, small),
        Spacer(1, 5 * mm),
        _p("Contrat de fourniture de demandes de devis", title),
        _p(
            f"Contrat n° {reference} – version {document.version_number}"
            + (" (avenant)" if document.version_number > 1 else "")
            + f" – {document.status_label} – établi le {long_date(document.made_on)}",
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    provider_lines = [
        f"<b>{escape(provider.company_name)}</b>"
        + (f", {escape(provider.legal_form)}" if provider.legal_form else ""),
        escape(
            " ".join(
                x for x in (provider.address_line or "", provider.postcode, provider.city) if x
            )
        ),
        f"SIREN {provider.siren}" if provider.siren else "SIREN : non renseigné",
        f"SIRET {provider.siret}" if provider.siret else "",
        f"TVA intracommunautaire {provider.vat_number}" if provider.vat_number else "",
        f"Représenté par {escape(provider.representative)}" if provider.representative else "",
    ]
    ours = [
        f"<b>{escape(letterhead.name)}</b>",
        escape(letterhead.address),
        escape(letterhead.legal_line),
        escape(letterhead.email),
    ]
    parties = Table(
        [
            [_p("La Plateforme", heading), _p("Le Prestataire", heading)],
            [
                Paragraph(pdf_text("<br/>".join(x for x in ours if x)), body),
                Paragraph(pdf_text("<br/>".join(x for x in provider_lines if x)), body),
            ],
        ],
        colWidths=[width / 2, width / 2],
    )
    parties.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [parties, Spacer(1, 3 * mm)]
    if document.version_number > 1:
        story += _amendment(document, width, body, heading)
    story.append(_p("Conditions particulières", heading))
    table = Table(
        [[_p(a, body), _p(b, body)] for a, b in _terms_rows(terms)],
        colWidths=[width * 0.45, width * 0.55],
    )
    table.setStyle(
        table_style(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(1, 3 * mm), _p("Grille de prix par demande", heading)]
    grid = [["Catégorie", "Prix HT par demande"]] + [
        [
            _p(document.category_names.get(line.category_id, "?"), body),
            pdf_euros(line.price_cents, True),
        ]
        for line in sorted(
            terms.prices, key=lambda p: document.category_names.get(p.category_id, "")
        )
    ]
    prices = Table(grid, colWidths=[width * 0.7, width * 0.3], repeatRows=1)
    prices.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), BLUE),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [
        prices,
        Spacer(1, 3 * mm),
        _p("Zones couvertes", heading),
        _p(", ".join(z.label for z in terms.zones), body),
        Spacer(1, 3 * mm),
        _p(
            "Le Prestataire reconnaît avoir reçu et accepté les conditions générales de vente "
            "reproduites ci-après, qui font partie intégrante du contrat.",
            body,
        ),
        PageBreak(),
    ]
    story += _general_terms(body, heading, title)
    story.append(
        KeepTogether(
            [
                Spacer(1, 6 * mm),
                _p("Fait en deux exemplaires originaux.", body),
                Spacer(1, 3 * mm),
                *_signatures(letterhead, provider, width, body, heading),
            ]
        )
    )
    doc = a4_document(
        path,
        f"Contrat {reference} v{document.version_number} – {provider.company_name}",
        letterhead,
    )

    def footer(canvas, doc_template) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(
            15 * mm,
            9 * mm,
            pdf_text(
                f"Contrat n° {reference} v{document.version_number} – {provider.company_name}"
            ),
        )
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, f"Page {doc_template.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path


def _amendment(
    document: ContractDocument, width: float, body: ParagraphStyle, heading: ParagraphStyle
) -> list:
    previous = document.version_number - 1
    rows = [["Terme", "Avant", "Désormais"]] + [
        [_p(c.label, body), _p(c.before, body), _p(c.after, body)] for c in document.changes
    ]
    table = Table(rows, colWidths=[width * 0.4, width * 0.3, width * 0.3], repeatRows=1)
    table.setStyle(
        table_style(
            [
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [
        _p(f"Objet de l'avenant n° {previous}", heading),
        _p(
            f"À compter du {long_date(document.terms.starts_on)}, les conditions particulières "
            f"ci-dessous remplacent celles de la version {previous}. Modifications\xa0:",
            body,
        ),
        table,
        Spacer(1, 3 * mm),
    ]


def _signatures(
    letterhead: Letterhead,
    provider: ProviderParty,
    width: float,
    body: ParagraphStyle,
    heading: ParagraphStyle,
) -> list:
    block = Table(
        [
            [_p("Pour la Plateforme", heading), _p("Pour le Prestataire", heading)],
            [
                _p(f"{letterhead.name}\nNom, qualité :", body),
                _p(
                    f"{provider.company_name}\nNom, qualité : {provider.representative or ''}", body
                ),
            ],
            [_p("Date :", body), _p("Date :", body)],
            [
                _p("Signature :", body),
                _p("Signature précédée de « Lu et approuvé » et cachet :", body),
            ],
            ["", ""],
        ],
        colWidths=[width / 2 - 3 * mm, width / 2 - 3 * mm],
        rowHeights=[None, None, None, None, 24 * mm],
    )
    block.setStyle(
        table_style(
            [
                ("BOX", (0, 0), (0, -1), 0.5, colors.grey),
                ("BOX", (1, 0), (1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [block]


def _general_terms(body: ParagraphStyle, heading: ParagraphStyle, title: ParagraphStyle) -> list:
    story: list = []
    for line in GENERAL_TERMS.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            story.append(_p(line[2:], title))
        elif line.startswith("## "):
            story.append(_p(line[3:], heading))
        elif line.strip():
            story.append(_p(line, body))
    return story
