"""What every document we send shares: our letterhead and French numbers the PDF fonts print."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_percent
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import SimpleDocTemplate, TableStyle

from app.domain.letterhead import Letterhead
from app.domain.money import format_euros

# Fonts embedded in every document (PDF/A, which Factur-X is, requires it; the base-14 fonts
# are not embedded): Bitstream Vera, which reportlab ships with its licence.
FONT = "DocSans"
FONT_BOLD = "DocSans-Bold"
_FACES = {
    FONT: "Vera.ttf",
    FONT_BOLD: "VeraBd.ttf",
    "DocSans-Italic": "VeraIt.ttf",
    "DocSans-BoldItalic": "VeraBI.ttf",
}
_BASE14 = {
    "Helvetica": FONT,
    "Helvetica-Bold": FONT_BOLD,
    "Helvetica-Oblique": "DocSans-Italic",
    "Helvetica-BoldOblique": "DocSans-BoldItalic",
}


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in _FACES.items():
        pdfmetrics.registerFont(TTFont(name, file))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic="DocSans-Italic", boldItalic="DocSans-BoldItalic"
    )


def document_styles() -> StyleSheet1:
    """reportlab's sample styles in the embedded fonts."""
    _register_fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        for attribute in ("fontName", "bulletFontName"):
            font = getattr(style, attribute, None)
            if font in _BASE14:
                setattr(style, attribute, _BASE14[font])
    return styles


def table_style(commands: list[tuple[object, ...]]) -> TableStyle:
    """A table style whose cells use the embedded font unless a command says otherwise."""
    _register_fonts()
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), *commands])


MARGIN = 15 * mm
# The width of the text on an A4 page between the margins.
CONTENT_WIDTH = A4[0] - 2 * MARGIN


def a4_document(path: Path, title: str, letterhead: Letterhead) -> SimpleDocTemplate:
    """The page every document we send is laid out on, starting in the embedded font."""
    _register_fonts()
    return SimpleDocTemplate(
        str(path),
        initialFontName=FONT,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=letterhead.name,
    )


def pdf_text(text: str) -> str:
    """The narrow no-break space babel uses in French numbers is not in the PDF base fonts."""
    return text.replace("\u202f", "\xa0")


def pdf_euros(cents: int, with_cents: bool = False) -> str:
    return pdf_text(format_euros(cents, with_cents=with_cents))


def pdf_percent(value: float) -> str:
    return pdf_text(format_percent(value, locale="fr_FR"))


def grouped_iban(iban: str) -> str:
    """An IBAN as people read it: groups of four characters."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


# The colour of titles and table headers on every document.
BLUE = colors.HexColor("#1f4e79")


def long_date(value: date) -> str:
    """'1 décembre 2026', as documents print dates in sentences."""
    return format_date(value, "d MMMM yyyy", locale="fr_FR")
