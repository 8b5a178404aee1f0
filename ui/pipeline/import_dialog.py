"""Prospect import: the file, the column mapping, a preview, duplicates to decide, bad rows.

Reading the file, the analysis and the import run on a worker thread with a progress dialog;
« Annuler » stops them between two batches of 500 rows. What a cancel leaves: nothing after
an analysis (it only reads); after an import, the batches already written (each batch of 500
rows is one transaction, so no provider is ever half-written) and the summary says how many.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ActionRefused, FieldErrors
from app.services.providers.prospect_import import (
    DECISION_LABELS,
    FIELD_LABELS,
    CsvFile,
    Decision,
    ImportPlan,
    ImportResult,
    UnreadableFile,
    apply_plan,
    guess_mapping,
    prepare_from,
    read_csv,
)
from app.services.providers.prospect_import import (
    Progress as ProgressCallback,
)
from ui.core.changes import Changes
from ui.core.dialog_parts import error_line
from ui.core.operations import Cancelled, Progress
from ui.core.remembered import keep_window

if TYPE_CHECKING:
    from ui.core.context import AppContext

PREVIEW_ROWS = 8
FOLDER_KEY = "pipeline/import"
IMPORTED = Changes.tables_only("providers", "provider_contacts", "provider_changes")


def _step(progress: Progress, text: str) -> ProgressCallback:
    """The service's callback (True: go on) over the progress dialog's Progress."""

    def report(done: int, total: int) -> bool:
        try:
            progress.report(done, total, f"{text} {done:,} / {total:,}".replace(",", " "))
        except Cancelled:
            return False
        return True

    return report


def _read(path: Path) -> CsvFile:
    try:
        return read_csv(path)
    except UnreadableFile as exc:
        raise ActionRefused(str(exc)) from exc
    except OSError as exc:
        raise ActionRefused(exc.strerror or str(exc)) from exc


class ImportDialog(QDialog):
    def __init__(
        self,
        context: AppContext,
        path: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Importer des prospects (CSV)")
        self.resize(1000, 700)
        keep_window(context.remembered, self, "pipeline/import")
        self.context = context
        self.workspace = context.workspace
        self.service = context.providers
        self.csv_file: CsvFile | None = None
        self.plan: ImportPlan | None = None
        self.result: ImportResult | None = None
        self.progress_dialog: QProgressDialog | None = None  # of the running step

        self.file_label = QLabel("Aucun fichier choisi.")
        choose = QPushButton("Choisir un fichier…")
        choose.clicked.connect(lambda: self.choose_file())
        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        top.addWidget(choose)

        self.mapping_form = QFormLayout()
        self.mapping: dict[str, QComboBox] = {}
        for key, label in FIELD_LABELS.items():
            combo = QComboBox()
            combo.setObjectName(f"map_{key}")
            self.mapping[key] = combo
            self.mapping_form.addRow(label, combo)
        mapping_box = QWidget()
        mapping_box.setLayout(self.mapping_form)
        self.preview = QTableWidget()
        self.duplicates = QTableWidget(0, 4)
        self.duplicates.setHorizontalHeaderLabels(["Ligne", "Prospect", "Doublon de", "Décision"])
        self.duplicates.horizontalHeader().setStretchLastSection(True)
        self.bad = QTableWidget(0, 2)
        self.bad.setHorizontalHeaderLabels(["Ligne", "Motif du rejet"])
        self.bad.horizontalHeader().setStretchLastSection(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(mapping_box, "Colonnes")
        self.tabs.addTab(self.preview, "Aperçu")
        self.tabs.addTab(self.duplicates, "Doublons")
        self.tabs.addTab(self.bad, "Lignes rejetées")

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.error = error_line()
        self.analyse_button = QPushButton("Analyser")
        self.analyse_button.clicked.connect(lambda: self.analyse())
        self.import_button = QPushButton("Importer")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(lambda: self.run_import())
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for button in (self.analyse_button, self.import_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        if path is not None:
            self.load(path)

    def choose_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Fichier de prospects",
            self.context.remembered.last_folder(FOLDER_KEY),
            "CSV (*.csv *.txt)",
        )
        if chosen:
            self.context.remembered.remember_folder(FOLDER_KEY, chosen)
            self.load(Path(chosen))

    def load(self, path: Path) -> None:
        """Read the file in the background, then show its columns and first rows."""
        self.error.hide()
        self.file_label.setText(f"{path.name} – lecture…")
        self.context.operations.run(
            lambda: _read(path), lambda csv_file: self._show_file(path, csv_file),
            self._failed, owner=self,
        )  # fmt: skip

    def _failed(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _show_file(self, path: Path, csv_file: CsvFile) -> None:
        self.csv_file = csv_file
        self.plan = None
        self.file_label.setText(f"{path.name} – {len(csv_file.rows):,} lignes".replace(",", " "))
        guessed = guess_mapping(csv_file.headers)
        for key, combo in self.mapping.items():
            combo.clear()
            combo.addItem("(ignorer)", None)
            for index, header in enumerate(csv_file.headers):
                combo.addItem(header, index)
            if key in guessed:
                combo.setCurrentIndex(guessed[key] + 1)
        self.preview.setColumnCount(len(csv_file.headers))
        self.preview.setHorizontalHeaderLabels(csv_file.headers)
        rows = csv_file.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row[: len(csv_file.headers)]):
                self.preview.setItem(r, c, QTableWidgetItem(value))
        self.import_button.setEnabled(False)

    def chosen_mapping(self) -> dict[str, int]:
        return {k: c.currentData() for k, c in self.mapping.items() if c.currentData() is not None}

    def analyse(self) -> None:
        """Check every row and find the duplicates, on a worker thread (reads only)."""
        if self.csv_file is None:
            return
        self.error.hide()
        csv_file, mapping, sessions = self.csv_file, self.chosen_mapping(), self.workspace.sessions

        def work(progress: Progress) -> ImportPlan | FieldErrors:
            try:
                return prepare_from(
                    sessions, csv_file, mapping, _step(progress, "Analyse des lignes…")
                )
            except FieldErrors as error:
                return error

        self.analyse_button.setEnabled(False)
        _operation, self.progress_dialog = self.context.operations.run_with_progress(
            work, self._analysed, self._stopped, owner=self, title="Analyse des lignes…"
        )

    def _stopped(self, message: str) -> None:
        self.analyse_button.setEnabled(True)
        self._failed(message)

    def _analysed(self, plan: ImportPlan | FieldErrors) -> None:
        self.analyse_button.setEnabled(True)
        if isinstance(plan, FieldErrors):
            self._failed(" ".join(plan.errors.values()))
            return
        if plan.cancelled:
            self.summary.setText("Analyse annulée : rien n'a été importé.")
            return
        self.plan = plan
        self._show_plan(plan)
        self.import_button.setEnabled(True)

    def _show_plan(self, plan: ImportPlan) -> None:
        duplicates = plan.duplicates
        self.duplicates.setRowCount(len(duplicates))
        for r, row in enumerate(duplicates):
            assert row.duplicate is not None
            self.duplicates.setItem(r, 0, QTableWidgetItem(str(row.line)))
            self.duplicates.setItem(r, 1, QTableWidgetItem(row.values["company_name"]))
            where = "plus haut dans le fichier" if row.duplicate.provider_id is None else ""
            self.duplicates.setItem(
                r,
                2,
                QTableWidgetItem(f"{row.duplicate.company_name} – {row.duplicate.reason} {where}"),
            )
            combo = QComboBox()
            for decision in Decision:
                if decision is Decision.MERGE and row.duplicate.provider_id is None:
                    continue
                combo.addItem(DECISION_LABELS[decision], decision)
            combo.setCurrentIndex(combo.findData(row.decision))
            combo.currentIndexChanged.connect(
                lambda _i, row=row, combo=combo: setattr(row, "decision", combo.currentData())
            )
            self.duplicates.setCellWidget(r, 3, combo)
        self.bad.setRowCount(len(plan.bad))
        for r, bad in enumerate(plan.bad):
            self.bad.setItem(r, 0, QTableWidgetItem(str(bad.line)))
            self.bad.setItem(r, 1, QTableWidgetItem(bad.reason))
        new = len(plan.rows) - len(duplicates)
        self.summary.setText(
            f"{new} nouveaux prospects, {len(duplicates)} doublons (ignorés sauf choix contraire), "
            f"{len(plan.bad)} lignes rejetées (motifs dans l'onglet « Lignes rejetées »)."
        )
        self.tabs.setCurrentIndex(2 if duplicates else 3 if plan.bad else 1)

    def run_import(self) -> None:
        """Write the plan on a worker thread; « Annuler » stops between two batches."""
        if self.plan is None:
            return
        plan, service = self.plan, self.service
        self.import_button.setEnabled(False)
        self.analyse_button.setEnabled(False)
        _operation, self.progress_dialog = self.context.operations.run_with_progress(
            lambda progress: apply_plan(service, plan, _step(progress, "Import des prospects…")),
            self._imported,
            self._stopped,
            owner=self,
            title="Import des prospects…",
            changes=lambda result: IMPORTED if result.created or result.merged else Changes(),
        )

    def _imported(self, result: ImportResult) -> None:
        assert self.plan is not None
        self.result = result
        self.analyse_button.setEnabled(True)
        state = "Import annulé en cours de route" if result.cancelled else "Import terminé"
        self.summary.setText(
            f"{state} : {result.created} créés, {result.merged} fusionnés, {result.skipped} "
            f"ignorés, {len(self.plan.bad)} lignes rejetées."
        )
