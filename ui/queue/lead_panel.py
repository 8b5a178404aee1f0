"""The detail panel: requester, project, call state, journey timeline, call history."""

from __future__ import annotations

from datetime import datetime
from html import escape

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.clock import Clock
from app.domain.enums import (
    CLOSE_REASON_LABELS,
    DESIRED_START_LABELS,
    DISPOSITION_LABELS,
    JOURNEY_EVENT_LABELS,
    LEAD_STATUS_LABELS,
    CallbackStatus,
    CloseReason,
    DesiredStart,
    Disposition,
    JourneyEventKind,
    LeadStatus,
    SiteKind,
)
from app.policy.calling_rules import CALL_BLOCK_LABELS
from app.services.leads.lead_detail import LeadDetail
from ui.core import formatting


def _tree(headers: list[str]) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setMinimumHeight(90)
    return tree


def _rows(pairs: list[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><td style='color:#555;padding-right:10px'>{escape(k)}</td><td>{v}</td></tr>"
        for k, v in pairs
    )
    return f"<table>{cells}</table>"


class CallTimer:
    """When the current call started, and a label showing how long it has lasted."""

    def __init__(self, label: QLabel, clock: Clock) -> None:
        self._label = label
        self._clock = clock
        self.started_at: datetime | None = None
        self._timer = QTimer(label)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def start(self, at: datetime | None = None) -> None:
        """Start timing a call that started `at` (now by default: a resumed call keeps its
        start)."""
        self.started_at = at or self._clock()
        self._timer.start()
        self._tick()

    def stop(self) -> int:
        """Stop and return the call's length in seconds (0 when no call was running)."""
        seconds = self.elapsed()
        self.started_at = None
        self._timer.stop()
        self._label.setText("")
        return seconds

    def elapsed(self) -> int:
        if self.started_at is None:
            return 0
        return max(0, int((self._clock() - self.started_at).total_seconds()))

    def _tick(self) -> None:
        self._label.setText(f"Appel en cours : {formatting.duration(self.elapsed())}")


def call_state_html(detail: LeadDetail, now: datetime) -> str:
    """When the consumer may be called, every time labelled with its zone: the consumer's own
    clock and Paris's (the staff's) when they differ (overseas départements)."""
    tz = detail.zone.timezone
    call = detail.call
    colour = "#1b7f3b" if call.allowed else "#b00020"
    if call.allowed:
        verdict = formatting.call_decision(call, now)
    else:
        reason = CALL_BLOCK_LABELS[call.block] if call.block else ""
        later = formatting.when_in_both_zones(call.next_allowed_at, tz)
        verdict = f"{later} – {reason}" if call.next_allowed_at else f"Jamais – {reason}"
    clock = f"Heure du consommateur : {now.astimezone(tz):%H:%M} ({tz.key})"
    if not formatting.same_clock_as_paris(now, tz):
        clock += f" · heure de Paris : {now.astimezone(formatting.OFFICE_TZ):%H:%M}"
    return f"Appel possible : <b style='color:{colour}'>{escape(verdict)}</b><br>{escape(clock)}"


class LeadPanel(QScrollArea):
    def __init__(self, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self.detail: LeadDetail | None = None
        # The detail shown was read from the server (a lead this workstation does not hold).
        self.from_server = False
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)

        self.header = QLabel("Aucun lead sélectionné. F2 : lead suivant.")
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-size: 15px;")
        layout.addWidget(self.header)
        self.server_note = QLabel()
        self.server_note.setObjectName("server_note")
        self.server_note.setWordWrap(True)
        self.server_note.setStyleSheet(
            "background: #eef3f9; color: #1b3e66; padding: 4px; border: 1px solid #b7c9de;"
        )
        self.server_note.hide()
        layout.addWidget(self.server_note)

        call_box = QGroupBox("Appel")
        call_layout = QVBoxLayout(call_box)
        self.call_state = QLabel()
        self.call_state.setWordWrap(True)
        call_layout.addWidget(self.call_state)
        self.timer_label = QLabel()
        self.timer_label.setStyleSheet("font-weight: bold; color: #1b5e9e;")
        call_layout.addWidget(self.timer_label)
        self.timer = CallTimer(self.timer_label, clock)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("Notes d'appel (enregistrées avec l'issue)")
        self.notes.setFixedHeight(60)
        call_layout.addWidget(self.notes)
        layout.addWidget(call_box)

        self.requester = QLabel()
        self.project = QLabel()
        self.qualification = QLabel()
        for title, label in (
            ("Demandeur", self.requester),
            ("Projet", self.project),
            ("Qualification", self.qualification),
        ):
            label.setWordWrap(True)
            label.setTextInteractionFlags(
                label.textInteractionFlags() | label.textInteractionFlags().TextSelectableByMouse
            )
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(label)
            layout.addWidget(box)
        self.qualification_box = self.qualification.parentWidget()

        # Staff-side times: in the office's zone, and the header says so.
        self.journey = _tree(["Quand (Paris)", "Étape", "Détail", "Durée"])
        self.calls = _tree(["Quand (Paris)", "Par", "Issue", "Durée", "Notes"])
        self.history = _tree(["Quand (Paris)", "Par", "Changement", "Motif"])
        for title, tree in (
            ("Parcours avant la demande", self.journey),
            ("Historique des appels", self.calls),
            ("Rappels et statuts", self.history),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(tree)
            layout.addWidget(box)
        layout.addStretch(1)
        self.show_detail(None)

    def show_message(self, text: str) -> None:
        """No lead shown, and why (a detail on its way from the server, or not coming)."""
        self.show_detail(None)
        self.header.setText(escape(text))

    def show_detail(self, detail: LeadDetail | None, from_server: bool = False) -> None:
        """`from_server`: a lead read from the server, not held here: shown read-only."""
        if detail is None or self.detail is None or detail.id != self.detail.id:
            self.timer.stop()
            self.notes.clear()
            self.verticalScrollBar().setValue(0)  # another lead: read it from its top
        self.detail = detail
        self.from_server = from_server and detail is not None
        self.notes.setEnabled(not self.from_server)
        if self.from_server and detail is not None:
            state = LEAD_STATUS_LABELS[detail.status].lower()
            self.server_note.setText(
                f"Lead {state}, consulté sur le serveur : absent de ce poste, il se lit "
                "ici sans pouvoir être traité."
            )
            self.server_note.show()
        else:
            self.server_note.hide()
        for tree in (self.journey, self.calls, self.history):
            tree.clear()
        if detail is None:
            self.header.setText("Aucun lead sélectionné. <b>F2</b> : lead suivant.")
            for label in (self.call_state, self.requester, self.project, self.qualification):
                label.clear()
            return
        now = self._clock()
        status = LEAD_STATUS_LABELS[detail.status]
        self.header.setText(
            f"<b>{escape(detail.civility or '')} {escape(detail.first_name)} "
            f"{escape(detail.last_name.upper())}</b> — lead n° {detail.number} — "
            f"<span style='color:#1b5e9e'>{status}</span><br>"
            f"{escape(detail.category_name)} · reçu {formatting.when(detail.submitted_at)} "
            f"(il y a {formatting.age(detail.submitted_at, now)})"
        )
        self.call_state.setText(call_state_html(detail, now))
        self.requester.setText(
            _rows(
                [
                    ("Téléphone", f"<b>{formatting.format_phone_national(detail.phone_e164)}</b>"),
                    ("E-mail", escape(detail.email or "—")),
                    (
                        "Adresse",
                        escape(f"{detail.address_line or ''}, {detail.postcode} {detail.city}"),
                    ),
                    ("Département", escape(detail.departement_code)),
                ]
            )
        )
        consent = (
            f"formulaire {escape(detail.consent_form_code or '')}, "
            f"{formatting.when(detail.consent_at)}, "
            f"texte v{escape(detail.consent_wording_version or '')}"
            if detail.consent_at
            else "<b style='color:#b00020'>absente : appel interdit</b>"
        )
        kind = "site propre" if detail.site_kind == SiteKind.OWN else "partenaire"
        site = f"{escape(detail.site_name)} ({kind})"
        self.project.setText(
            _rows(
                [
                    ("Catégorie", escape(f"{detail.category_name} ({detail.sector_name})")),
                    ("Budget estimé", formatting.format_euros(detail.budget_cents)),
                    ("Démarrage", DESIRED_START_LABELS[DesiredStart(detail.desired_start)]),
                    ("Description", escape(detail.description)),
                    ("Site", site),
                    ("Score d'intérêt", f"{detail.interest_score} / 100"),
                    ("Preuve de consentement", consent),
                ]
            )
        )
        if detail.qualified_at is not None:
            self.qualification.setText(
                _rows(
                    [
                        ("Budget confirmé", formatting.format_euros(detail.qualified_budget_cents)),
                        (
                            "Démarrage",
                            DESIRED_START_LABELS[DesiredStart(detail.qualified_start or "unknown")],
                        ),
                        ("Périmètre", escape(detail.qualified_scope or "")),
                        ("Coordonnées vérifiées", "oui" if detail.contact_verified else "non"),
                        ("Note", escape(detail.qualification_note or "")),
                        ("Requalifié le", formatting.when(detail.qualified_at)),
                    ]
                )
            )
        elif detail.close_reason:
            self.qualification.setText(
                f"Clos : {CLOSE_REASON_LABELS[CloseReason(detail.close_reason)]} "
                f"{escape(detail.close_comment or '')}"
            )
        else:
            self.qualification.setText("Pas encore requalifié (F6).")

        for event in detail.journey:
            kind = JourneyEventKind(event.kind)
            QTreeWidgetItem(
                self.journey,
                [
                    formatting.when(event.occurred_at),
                    JOURNEY_EVENT_LABELS[kind],
                    event.label,
                    formatting.duration(event.duration_seconds) if event.duration_seconds else "",
                ],
            )
        for call in detail.calls:
            outcome = DISPOSITION_LABELS[Disposition(call.disposition)]
            if call.by_consent:
                outcome += " (créneau convenu)"
            QTreeWidgetItem(
                self.calls,
                [
                    formatting.when(call.started_at),
                    call.caller,
                    outcome,
                    formatting.duration(call.duration_seconds),
                    call.notes,
                ],
            )
        for callback in detail.callbacks:
            state = {
                CallbackStatus.PENDING: "prévu",
                CallbackStatus.DONE: "fait",
                CallbackStatus.CANCELLED: "annulé",
            }[CallbackStatus(callback.status)]
            consent = "demandé par le consommateur" if callback.consumer_requested else ""
            QTreeWidgetItem(
                self.history,
                [
                    formatting.when(callback.due_at),
                    callback.assigned_to,
                    f"Rappel {state}",
                    " – ".join(x for x in (consent, callback.consent_note) if x),
                ],
            )
        for change in detail.status_history:
            before = (
                LEAD_STATUS_LABELS[LeadStatus(change.from_status)] if change.from_status else "—"
            )
            QTreeWidgetItem(
                self.history,
                [
                    formatting.when(change.changed_at),
                    change.user,
                    f"{before} → {LEAD_STATUS_LABELS[LeadStatus(change.to_status)]}",
                    change.reason,
                ],
            )
        for tree in (self.journey, self.calls, self.history):
            for column in range(tree.columnCount()):
                tree.resizeColumnToContents(column)
