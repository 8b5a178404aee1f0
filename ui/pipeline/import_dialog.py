"""Prospect import: the file, the column mapping, a preview, duplicates to decide, bad rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
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

from app.domain.errors import FieldErrors
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
from app.services.providers.providers import ProviderService
from app.workspace import Workspace
from ui.core.dialog_parts import error_line

PREVIEW_ROWS = 8


class ImportDialog(QDialog):
    def __init__(
        self,
        workspace: Workspace,
        service: ProviderService,
        path: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Importer des prospects (CSV)")
        self.resize(1000, 700)
        self.workspace = workspace
        self.service = service
        self.csv_file: CsvFile | None = None
        self.plan: ImportPlan | None = None
        self.result: ImportResult | None = None

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
            self, "Fichier de prospects", str(Path.home()), "CSV (*.csv *.txt)"
        )
        if chosen:
            self.load(Path(chosen))

    def load(self, path: Path) -> None:
        self.error.hide()
        try:
            self.csv_file = read_csv(path)
        except (UnreadableFile, OSError) as exc:
            self.error.setText(str(exc) if isinstance(exc, UnreadableFile) else exc.strerror or "")
            self.error.show()
            return
        self.file_label.setText(
            f"{path.name} – {len(self.csv_file.rows):,} lignes".replace(",", " ")
        )
        guessed = guess_mapping(self.csv_file.headers)
        for key, combo in self.mapping.items():
            combo.clear()
            combo.addItem("(ignorer)", None)
            for index, header in enumerate(self.csv_file.headers):
                combo.addItem(header, index)
            if key in guessed:
                combo.setCurrentIndex(guessed[key] + 1)
        self.preview.setColumnCount(len(self.csv_file.headers))
        self.preview.setHorizontalHeaderLabels(self.csv_file.headers)
        rows = self.csv_file.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row[: len(self.csv_file.headers)]):
                self.preview.setItem(r, c, QTableWidgetItem(value))
        self.import_button.setEnabled(False)

    def chosen_mapping(self) -> dict[str, int]:
        return {k: c.currentData() for k, c in self.mapping.items() if c.currentData() is not None}

    def _progress(
        self, title: str, total: int
    ) -> tuple[QProgressDialog, Callable[[int, int], bool]]:
        dialog = QProgressDialog(title, "Annuler", 0, max(total, 1), self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)

        def report(done: int, _total: int) -> bool:
            dialog.setValue(done)
            QApplication.processEvents()
            return not dialog.wasCanceled()

        return dialog, report

    def analyse(self) -> None:
        if self.csv_file is None:
            return
        self.error.hide()
        dialog, report = self._progress("Analyse des lignes…", len(self.csv_file.rows))
        try:
            plan = prepare_from(
                self.workspace.sessions, self.csv_file, self.chosen_mapping(), report
            )
        except FieldErrors as error:
            self.error.setText(" ".join(error.errors.values()))
            self.error.show()
            return
        finally:
            dialog.close()
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
        if self.plan is None:
            return
        dialog, report = self._progress("Import des prospects…", len(self.plan.rows))
        try:
            result = apply_plan(self.service, self.plan, report)
        finally:
            dialog.close()
        self.result = result
        self.import_button.setEnabled(False)
        state = "Import annulé en cours de route" if result.cancelled else "Import terminé"
        self.summary.setText(
            f"{state} : {result.created} créés, {result.merged} fusionnés, {result.skipped} "
            f"ignorés, {len(self.plan.bad)} lignes rejetées."
        )
