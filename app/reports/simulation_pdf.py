"""The demand simulation as a PDF a rep sends to the prospect (reportlab)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from app.demand.simulation import Simulation
from app.reports.pdf_parts import (
    BLUE,
    CONTENT_WIDTH,
    FONT,
    FONT_BOLD,
    Letterhead,
    a4_document,
    document_styles,
    long_date,
    table_style,
)
from app.reports.pdf_parts import pdf_euros as _euros
from app.reports.pdf_parts import pdf_percent as _percent
from app.reports.pdf_parts import pdf_text as _pdf

PARIS = ZoneInfo("Europe/Paris")
ORANGE = colors.HexColor("#d9822b")


def _month(month: object) -> str:
    return format_date(month, "MMM yyyy", locale="fr_FR")  # type: ignore[arg-type]


def _number(value: float) -> str:
    return _pdf(format_decimal(round(value), locale="fr_FR"))


def _chart(result: Simulation, width: float) -> Drawing:
    height = 70 * mm
    drawing = Drawing(width, height)
    drawing.initialFontName = FONT  # the renderer starts in it (no base-14 font referenced)
    plot = LinePlot()
    plot.x, plot.y = 12 * mm, 14 * mm
    plot.width, plot.height = width - 20 * mm, height - 26 * mm
    history = list(enumerate(result.history.counts))
    n = len(history)
    forecast = [(n + i, m.expected) for i, m in enumerate(result.forecast.months)]
    low = [(n + i, m.low) for i, m in enumerate(result.forecast.months)]
    high = [(n + i, m.high) for i, m in enumerate(result.forecast.months)]
    plot.data = [history, [history[-1], *forecast], low, high]
    plot.lines[0].strokeColor = BLUE
    plot.lines[0].strokeWidth = 1.6
    plot.lines[1].strokeColor = ORANGE
    plot.lines[1].strokeWidth = 1.6
    for index in (2, 3):
        plot.lines[index].strokeColor = ORANGE
        plot.lines[index].strokeDashArray = (2, 2)
        plot.lines[index].strokeWidth = 0.8
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = n + len(forecast) - 1
    months = [*result.history.months, *(m.month for m in result.forecast.months)]
    plot.xValueAxis.valueSteps = list(range(0, len(months), 3))
    plot.xValueAxis.labelTextFormat = lambda i: _month(months[int(i)])
    plot.xValueAxis.labels.fontSize = 6.5
    plot.xValueAxis.labels.fontName = FONT
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.labels.fontSize = 7
    plot.yValueAxis.labels.fontName = FONT
    plot.yValueAxis.labelTextFormat = lambda v: _number(v)
    drawing.add(plot)
    legend = Legend()
    legend.x, legend.y = 14 * mm, height - 4 * mm
    legend.fontSize = 7
    legend.fontName = FONT
    legend.columnMaximum = 1
    legend.alignment = "right"
    legend.deltax = 70
    legend.colorNamePairs = [
        (BLUE, "Demandes reçues"),
        (ORANGE, "Prévision (pointillés : fourchette)"),
    ]
    drawing.add(legend)
    drawing.add(
        String(0, 2, "Demandes par mois, toutes entreprises confondues", fontSize=7, fontName=FONT)
    )
    return drawing


def write_simulation_pdf(
    result: Simulation, prospect_name: str, letterhead: Letterhead, path: Path
) -> Path:
    styles = document_styles()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10)
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=9.5, leading=12)
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=16, textColor=BLUE)
    width = CONTENT_WIDTH
    made = result.made_at.astimezone(PARIS)
    request = result.request
    story = [
        Paragraph(f"<b>{letterhead.name}</b>", styles["Heading3"]),
        Paragraph(f"{letterhead.address} · {letterhead.phone} · {letterhead.email}", small),
        Spacer(1, 5 * mm),
        Paragraph("Simulation de demande", title),
        Paragraph(
            f"Préparée pour <b>{prospect_name}</b> le {long_date(made.date())}",
            body,
        ),
        Paragraph(f"Catégories : {', '.join(request.category_names)}", body),
        Paragraph(f"Zone : {', '.join(request.zone_labels)}", body),
        Spacer(1, 4 * mm),
        _chart(result, width),
        Spacer(1, 4 * mm),
    ]
    contacts = result.monthly_contacts
    jobs = result.monthly_jobs
    cost_per_job = result.cost_per_job_cents
    rate = result.contact.rate
    key_figures = [
        ["Demandes reçues sur 24 mois (zone et catégories)", _number(result.history_total)],
        ["Prestataires déjà sous contrat dans la zone", str(result.history.competing_providers)],
        ["Votre part des demandes", _percent(result.share)],
        ["Demandes pour vous par mois (moyenne sur 12 mois)",
         _number(result.monthly_provider_leads)],
        [
            "Taux de contact (consommateurs joints)",
            _percent(rate) if rate is not None else "non estimable",
        ],
        ["Contacts par mois", _number(contacts) if contacts is not None else "–"],
        [f"Chantiers signés par mois (à {request.closing_rate_percent} %)",
         format_decimal(round(jobs, 1), locale="fr_FR") if jobs is not None else "–"],
        ["Prix par demande (HT)", _euros(request.price_per_lead_cents, True)],
        ["Coût mensuel estimé (HT)", _euros(result.monthly_cost_cents)],
        ["Coût par chantier signé (HT)",
         _euros(cost_per_job) if cost_per_job is not None else "–"],
    ]  # fmt: skip
    table = Table(key_figures, colWidths=[width * 0.68, width * 0.32])
    table.setStyle(
        table_style(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("FONTNAME", (0, 8), (-1, 9), FONT_BOLD),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    level = _percent(result.interval_level)
    monthly = [["Mois", "Demandes (marché)", "Pour vous", f"Fourchette {level}", "Coût HT"]]
    for m in result.months:
        monthly.append(
            [
                _month(m.month),
                _number(m.market_leads),
                _number(m.provider_leads),
                f"{_number(m.provider_low)} – {_number(m.provider_high)}",
                _euros(m.cost_cents),
            ]
        )
    grid = Table(monthly, colWidths=[width * 0.2] * 5, repeatRows=1)
    grid.setStyle(
        table_style(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), BLUE),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f5f9")]),
            ]
        )
    )
    story += [
        Paragraph("Prévision des 12 prochains mois", styles["Heading4"]),
        grid,
        Spacer(1, 4 * mm),
        Paragraph("Méthode", styles["Heading4"]),
        Paragraph(result.method, small),
        Spacer(1, 2 * mm),
        Paragraph(
            "Estimation fondée sur notre historique ; elle n'engage pas un volume garanti. "
            "Montants hors taxes.",
            small,
        ),
    ]
    a4_document(path, f"Simulation de demande – {prospect_name}", letterhead).build(story)
    return path
