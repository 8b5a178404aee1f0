"""Sign-in screen: the workstation's staff accounts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import ROLE_LABELS
from app.domain.errors import ActionRefused
from app.services.auth import StaffMember, active_staff, sign_in
from app.workspace import Workspace
from ui.dialog_parts import dialog_buttons
from ui.validated_form import ValidatedForm


class SignInDialog(QDialog):
    def __init__(
        self,
        workspace: Workspace,
        username: str | None = None,
        password: str = "",
        parent: QWidget | None = None,
        authenticate: Callable[[str, str], StaffMember] | None = None,
    ) -> None:
        super().__init__(parent)
        # Signing in on the workstation alone, unless the central server is used.
        self._authenticate = authenticate or (
            lambda name, secret: sign_in(workspace.sessions, name, secret)
        )
        self.setWindowTitle("CRM Leads – Connexion")
        self.setMinimumWidth(380)
        self._workspace = workspace
        self.user: StaffMember | None = None
        layout = QVBoxLayout(self)
        title = QLabel("<h2>CRM Leads</h2>Connectez-vous pour accéder à votre file d'appel.")
        layout.addWidget(title)
        self.form = ValidatedForm()
        self.username = QComboBox()
        self.username.setEditable(True)
        for member in active_staff(workspace.sessions):
            self.username.addItem(
                f"{member.username} – {member.display_name} ({ROLE_LABELS[member.role]})",
                member.username,
            )
        if username:
            found = self.username.findData(username)
            if found >= 0:
                self.username.setCurrentIndex(found)
            else:  # a new workstation: the account exists on the server only
                self.username.setEditText(username)
        self.form.add_field("Identifiant", "username", self.username)
        self.password = QLineEdit(password)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.add_field("Mot de passe", "password", self.password)
        layout.addLayout(self.form)
        if password:
            hint = QLabel("<i>Espace de démonstration : mot de passe « demo » pour tous.</i>")
            layout.addWidget(hint)
        buttons = dialog_buttons(self, "Se connecter", self.submit, "Quitter")
        layout.addWidget(buttons)
        self.password.setFocus()

    def chosen_username(self) -> str:
        data = self.username.currentData()
        text = self.username.currentText()
        if data is not None and self.username.itemText(self.username.currentIndex()) == text:
            return str(data)
        return text.split(" – ")[0].strip()

    def submit(self) -> None:
        self.form.clear_errors()
        try:
            self.user = self._authenticate(self.chosen_username(), self.password.text())
        except ActionRefused as refused:
            self.form.show_errors({"password": refused.message})
            self.password.selectAll()
            return
        self.accept()
