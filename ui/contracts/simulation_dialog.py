"""The demand simulation screen: categories and zones in, chart, figures and PDF out.

The history is read and the forecast computed on a worker thread; a server source (a
coroutine function, on a synced workstation) is awaited on the UI thread's event loop, then
the forecast is computed on a worker thread too. The PDF is built and written in the
background, in the folder last used.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from babel.numbers import format_decimal, format_percent
from PySide6.QtCharts import QAreaSeries, QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.clock import Clock
from app.demand.forecast import DemandHistory, NoDemandHistory
from app.demand.simulation import Simulation, SimulationRequest, simulate
from app.domain.errors import FieldErrors
from app.domain.money import InvalidAmount, format_euros, parse_euros
from app.domain.postcodes import InvalidPostcode, normalize_postcode
from app.domain.zones import ZoneInput, parse_departement_codes
from app.reports.simulation_pdf import write_simulation_pdf
from app.services.demand_history import DemandSelection, RadiusZone, local_history_reader
from app.settings import Settings
from app.workspace import Workspace
from ui.contracts.contract_editor import pdf_bytes
from ui.contracts.coverage_editor import Catalogue, CategoryTree
from ui.core.dialog_parts import error_line, save_in_background
from ui.core.remembered import keep_window
from ui.core.validated_form import ValidatedForm

if TYPE_CHECKING:
    from ui.core.context import AppContext
    from ui.core.operations import Operation

log = logging.getLogger(__name__)

DemandSource = Callable[[DemandSelection], DemandHistory | Awaitable[DemandHistory]]
PDF_FOLDER_KEY = "simulation/pdf"
Outcome = Simulation | FieldErrors | NoDemandHistory


def local_demand_source(workspace: Workspace, clock: Clock, settings: Settings) -> DemandSource:
    return local_history_reader(workspace.sessions, clock, settings.demand)


class SimulationDialog(QDialog):
    def __init__(
        self,
        context: AppContext,
        catalogue: Catalogue,
        prospect_name: str = "",
        provider_id: uuid.UUID | None = None,
        preset_categories: list[uuid.UUID] | None = None,
        preset_zones: list[ZoneInput] | None = None,
        closing_rate_percent: int | None = None,
        on_shown: Callable[[uuid.UUID], None] | None = None,
        parent: QWidget | None = None,
        *,
        source: DemandSource | None = None,
    ) -> None:
        """`source` defaults to the server's demand history when there is a server, to the
        workspace's own leads otherwise."""
        super().__init__(parent)
        self.setWindowTitle(f"Simulation de demande – {prospect_name or 'prospect'}")
        self.resize(1250, 760)
        self.context = context
        self.clock = context.clock
        self.settings = context.settings
        self.source: DemandSource = (
            source
            or context.server.demand_history
            or local_demand_source(context.workspace, context.clock, context.settings)
        )
        self.prospect_name = prospect_name or "Prospect"
        self.provider_id = provider_id
        self._on_shown = on_shown
        self.result: Simulation | None = None
        self._task: asyncio.Future[None] | None = None

        # -- inputs --
        self.category_tree = CategoryTree(catalogue)
        self.category_tree.setObjectName("categories")
        self.category_tree.set_checked(preset_categories or ())
        zones = preset_zones or []
        self.departements = QLineEdit(
            ", ".join(z.departement_code for z in zones if z.departement_code)
        )
        self.departements.setPlaceholderText("ex. : 75, 92, 93")
        radius = next((z for z in zones if z.postcode), None)
        self.radius_postcode = QLineEdit(radius.postcode if radius and radius.postcode else "")
        self.radius_postcode.setPlaceholderText("Code postal")
        self.radius_km = QSpinBox()
        self.radius_km.setRange(0, 200)
        self.radius_km.setSuffix(" km")
        self.radius_km.setValue(radius.radius_km or 0 if radius else 0)
        self.price = QLineEdit("25")
        self.price.setPlaceholderText("€ HT par lead")
        self.closing_rate = QSpinBox()
        self.closing_rate.setRange(0, 100)
        self.closing_rate.setSuffix(" %")
        self.closing_rate.setValue(closing_rate_percent or 25)

        form = ValidatedForm()
        form.add_field("Départements", "departements", self.departements)
        radius_box = QWidget()
        radius_row = QHBoxLayout(radius_box)
        radius_row.setContentsMargins(0, 0, 0, 0)
        radius_row.addWidget(self.radius_postcode)
        radius_row.addWidget(self.radius_km)
        form.add_field("ou autour de", "radius", radius_box)
        form.add_field("Prix par lead (€ HT)", "price", self.price)
        form.add_field("Taux de signature du prestataire", "closing_rate", self.closing_rate)
        self.form = form
        self.error = error_line()
        self.compute_button = QPushButton("Calculer")
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        self.pdf_button = QPushButton("Exporter en PDF…")
        self.pdf_button.setEnabled(False)
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.shown_button = QPushButton("Marquer « Simulation présentée »")
        self.shown_button.setEnabled(False)
        self.shown_button.setVisible(provider_id is not None and on_shown is not None)
        self.shown_button.clicked.connect(self._mark_shown)

        inputs = QWidget()
        left = QVBoxLayout(inputs)
        left.addWidget(QLabel("<b>Catégories</b>"))
        left.addWidget(self.category_tree, 1)
        left.addLayout(form)
        left.addWidget(self.error)
        left.addWidget(self.compute_button)
        left.addWidget(self.pdf_button)
        left.addWidget(self.shown_button)

        # -- results --
        self.chart = QChart()
        self.chart.setTitle("Demandes par mois : historique et prévision")
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(300)
        self.summary = QLabel("Choisissez des catégories et une zone, puis « Calculer ».")
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            ["Mois", "Demandes (marché)", "Pour ce prestataire", "Fourchette", "Coût HT"]
        )
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((90, 150, 160, 110)):
            self.table.setColumnWidth(column, width)
        self.method = QLabel()
        self.method.setWordWrap(True)
        self.method.setStyleSheet("color: #555; font-size: 11px;")
        results = QWidget()
        right = QVBoxLayout(results)
        right.addWidget(self.chart_view, 3)
        right.addWidget(self.summary)
        right.addWidget(self.table, 2)
        right.addWidget(self.method)

        splitter = QSplitter()
        splitter.addWidget(inputs)
        splitter.addWidget(results)
        splitter.setSizes([330, 920])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        keep_window(context.remembered, self, "simulation/window")
        context.remembered.keep_splitter(splitter, "simulation/window")
        context.remembered.keep_header(self.table.horizontalHeader(), "simulation/months")

    # -- inputs --------------------------------------------------------------------------

    def checked_categories(self) -> list[tuple[uuid.UUID, str]]:
        return [(c.id, f"{c.sector} – {c.name}") for c in self.category_tree.checked()]

    def _selection(self) -> tuple[DemandSelection, SimulationRequest]:
        errors: dict[str, str] = {}
        categories = self.checked_categories()
        if not categories:
            errors["categories"] = "Cochez au moins une catégorie."
        codes: list[str] = []
        try:
            codes = parse_departement_codes(self.departements.text())
        except FieldErrors as unknown:
            errors.update(unknown.errors)
        radius: list[RadiusZone] = []
        if self.radius_postcode.text().strip():
            try:
                postcode = normalize_postcode(self.radius_postcode.text())
                if self.radius_km.value() < 1:
                    errors["radius"] = "Indiquez un rayon d'au moins 1 km."
                radius.append(RadiusZone(postcode, self.radius_km.value()))
            except InvalidPostcode as exc:
                errors["radius"] = str(exc)
        if not codes and not radius and "departements" not in errors:
            errors["departements"] = "Indiquez des départements ou un code postal et un rayon."
        try:
            price = parse_euros(self.price.text(), required=True)
        except InvalidAmount as exc:
            errors["price"] = str(exc)
            price = None
        if errors:
            raise FieldErrors(errors)
        labels = [ZoneInput(departement_code=c).label for c in codes]
        labels += [f"{z.postcode} + {z.radius_km} km" for z in radius]
        selection = DemandSelection(
            tuple(c for c, _ in categories), tuple(codes), tuple(radius), self.provider_id
        )
        request = SimulationRequest(
            tuple(n for _, n in categories), tuple(labels), price or 0, self.closing_rate.value()
        )
        return selection, request

    # -- computing -------------------------------------------------------------------------

    def compute(self) -> None:
        self.form.clear_errors()
        self.error.hide()
        try:
            selection, request = self._selection()
        except FieldErrors as error:
            self._show_field_errors(error)
            return
        source = self.source
        if inspect.iscoroutinefunction(source):
            self._await_server(source(selection), request)
            return

        def read() -> Outcome | Awaitable[DemandHistory]:
            history = source(selection)
            if inspect.isawaitable(history):
                return history  # awaited on the UI thread's loop
            return self._simulate(history, request)

        def arrived(result: Outcome | Awaitable[DemandHistory]) -> None:
            if inspect.isawaitable(result):
                self._await_server(result, request)
            else:
                self._computed(result)

        self._waiting("Calcul en cours…")
        self.context.operations.run(
            read, arrived, self._failed, owner=self, label="simulation de demande"
        )

    def _waiting(self, text: str) -> None:
        self.summary.setText(text)
        self.compute_button.setEnabled(False)

    def _failed(self, message: str) -> None:
        self.compute_button.setEnabled(True)
        self.summary.clear()
        self._show_error(message)

    def _await_server(self, pending: Awaitable[DemandHistory], request: SimulationRequest) -> None:
        self._waiting("Calcul en cours (serveur)…")
        self._task = asyncio.ensure_future(self._finish_later(pending, request))

    async def _finish_later(
        self, pending: Awaitable[DemandHistory], request: SimulationRequest
    ) -> None:
        try:
            history = await pending
        except Exception as exc:  # network or server refusal: said, never lost
            log.warning("demand history request failed: %s", exc)
            self.summary.clear()
            self.compute_button.setEnabled(True)
            self._show_error(
                "Le serveur n'a pas pu fournir l'historique (hors ligne ?). Réessayez une fois "
                "la connexion revenue."
            )
            return
        self.context.operations.run(
            lambda: self._simulate(history, request),
            self._computed,
            self._failed,
            owner=self,
            label="simulation de demande",
        )

    def _simulate(self, history: DemandHistory, request: SimulationRequest) -> Outcome:
        """On a worker thread: the forecast, or why there is none (a result, not a fault)."""
        try:
            return simulate(
                request,
                history,
                self.settings.demand,
                self.clock(),
                self.settings.dispatch.max_providers_per_lead,
            )
        except (FieldErrors, NoDemandHistory) as refused:
            return refused

    def _computed(self, outcome: Outcome) -> None:
        self.compute_button.setEnabled(True)
        if isinstance(outcome, FieldErrors):
            self.summary.clear()
            self._show_field_errors(outcome)
            return
        if isinstance(outcome, NoDemandHistory):
            self.result = None
            self.pdf_button.setEnabled(False)
            self.shown_button.setEnabled(False)
            self.chart.removeAllSeries()
            self.table.setRowCount(0)
            self._show_error(str(outcome))
            self.summary.setText(str(outcome))
            return
        self.result = outcome
        self._show(outcome)
        self.pdf_button.setEnabled(True)
        self.shown_button.setEnabled(True)

    def _show_field_errors(self, error: FieldErrors) -> None:
        self.form.show_errors(error.errors)
        extra = [m for k, m in error.errors.items() if k in ("categories",)]
        if extra:
            self._show_error(" ".join(extra))

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _show(self, result: Simulation) -> None:
        self._draw_chart(result)
        rate = result.contact.rate
        jobs = result.monthly_jobs
        cost_per_job = result.cost_per_job_cents

        def percent(value: float) -> str:
            return format_percent(value, locale="fr_FR")

        self.summary.setText(
            f"<b>{result.monthly_provider_leads} demandes par mois</b> pour ce prestataire "
            f"(part {percent(result.share)}, {result.history.competing_providers} "
            "prestataire(s) déjà sous contrat) · historique : "
            f"{format_decimal(result.history_total, locale='fr_FR')} "
            "demandes en 24 mois · "
            f"taux de contact : {percent(rate) if rate is not None else 'non estimable'} · "
            "chantiers signés : "
            f"{format_decimal(round(jobs, 1), locale='fr_FR') if jobs is not None else '–'} "
            "par mois · "
            f"coût mensuel : <b>{format_euros(result.monthly_cost_cents)}</b> · coût par "
            f"chantier signé : <b>{format_euros(cost_per_job)}</b>"
        )
        self.table.setRowCount(len(result.months))
        for row, month in enumerate(result.months):
            cells = (
                month.month.strftime("%m/%Y"),
                f"{month.market_leads:.0f}",
                str(month.provider_leads),
                f"{month.provider_low:.0f} – {month.provider_high:.0f}",
                format_euros(month.cost_cents),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.method.setText(f"Méthode : {result.method}")

    def _draw_chart(self, result: Simulation) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)

        def stamp(month: object) -> float:
            moment = QDateTime(month, datetime.min.time())  # type: ignore[call-overload]
            return float(moment.toMSecsSinceEpoch())

        history = QLineSeries()
        history.setName("Demandes reçues")
        for month, count in zip(result.history.months, result.history.counts, strict=True):
            history.append(stamp(month), count)
        forecast = QLineSeries()
        forecast.setName("Prévision")
        forecast.append(stamp(result.history.months[-1]), result.history.counts[-1])
        low, high = QLineSeries(), QLineSeries()
        for month in result.forecast.months:
            forecast.append(stamp(month.month), month.expected)
            low.append(stamp(month.month), month.low)
            high.append(stamp(month.month), month.high)
        band = QAreaSeries(high, low)
        # QAreaSeries does not own its boundary lines: keep them alive with the chart.
        self._band_lines = (high, low)
        band.setName(f"Fourchette {format_percent(result.interval_level, locale='fr_FR')}")
        band.setColor(QColor(217, 130, 43, 60))
        band.setBorderColor(QColor(217, 130, 43, 0))
        history.setPen(QPen(QColor("#1f4e79"), 2))
        forecast.setPen(QPen(QColor("#d9822b"), 2, Qt.PenStyle.DashLine))
        for series in (band, history, forecast):
            chart.addSeries(series)
        x_axis = QDateTimeAxis()
        x_axis.setFormat("MM/yy")
        x_axis.setTickCount(13)
        first = QDateTime.fromMSecsSinceEpoch(int(stamp(result.history.months[0])))
        last = QDateTime.fromMSecsSinceEpoch(int(stamp(result.forecast.months[-1].month)))
        x_axis.setRange(first, last)
        y_axis = QValueAxis()
        y_axis.setLabelFormat("%.0f")
        top = max([*result.history.counts, *(m.high for m in result.forecast.months)])
        y_axis.setRange(0, top * 1.08 + 1)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (band, history, forecast):
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)

    # -- outputs ---------------------------------------------------------------------------

    def export_pdf(self, path: Path | None = None) -> Operation[Path] | None:
        """Build and write the PDF on a worker thread (asking where, unless `path` is given)."""
        result = self.result
        if result is None:
            return None
        name, letterhead = self.prospect_name, self.settings.letterhead
        return save_in_background(
            self.context,
            self,
            "Exporter la simulation",
            f"Simulation {name} {self.clock():%Y-%m-%d}.pdf",
            "PDF (*.pdf)",
            lambda: pdf_bytes(
                lambda target: write_simulation_pdf(result, name, letterhead, target)
            ),
            folder_key=PDF_FOLDER_KEY,
            path=path,
            on_saved=self._pdf_saved,
        )

    def _pdf_saved(self, path: Path) -> None:
        self.summary.setText(self.summary.text() + f"<br>PDF enregistré : {path}")

    def _mark_shown(self) -> None:
        if self.provider_id is not None and self._on_shown is not None:
            self._on_shown(self.provider_id)
            self.shown_button.setEnabled(False)
            self.shown_button.setText("Étape « Simulation présentée » enregistrée")
