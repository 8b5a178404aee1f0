"""Sign-in screen: the workstation's staff accounts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
from app.services.auth import SignInUnavailable, StaffMember, active_staff, sign_in
from app.workspace import Workspace
from ui.core.dialog_parts import ERROR_COLOUR, dialog_buttons
from ui.core.validated_form import ValidatedForm

# (username, display name, role) of an account offered in the list.
Account = tuple[str, str, str]


def local_accounts(workspace: Workspace) -> list[Account]:
    return [(m.username, m.display_name, m.role) for m in active_staff(workspace.sessions)]


class SignInDialog(QDialog):
    def __init__(
        self,
        workspace: Workspace | None,
        username: str | None = None,
        password: str = "",
        parent: QWidget | None = None,
        authenticate: Callable[[str, str], StaffMember] | None = None,
        accounts: Sequence[Account] | None = None,
    ) -> None:
        """`workspace`: sign in on it alone; else `authenticate` (the central server, or the
        account's own workspace offline) and the `accounts` that signed in on this PC."""
        super().__init__(parent)
        if authenticate is None:
            assert workspace is not None
            local = workspace

            def authenticate(name: str, secret: str) -> StaffMember:
                return sign_in(local.sessions, name, secret)

        self._authenticate = authenticate
        self.setWindowTitle("CRM Leads – Connexion")
        self.setMinimumWidth(420)
        self.user: StaffMember | None = None
        layout = QVBoxLayout(self)
        title = QLabel("<h2>CRM Leads</h2>Connectez-vous pour accéder à votre file d'appel.")
        layout.addWidget(title)
        self.form = ValidatedForm()
        self.username = QComboBox()
        self.username.setEditable(True)
        listed = accounts if accounts is not None else local_accounts(workspace)  # type: ignore[arg-type]
        for name, display_name, role in listed:
            label = ROLE_LABELS.get(role, role)  # type: ignore[call-overload]
            self.username.addItem(f"{name} – {display_name} ({label})", name)
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
        # Why sign-in cannot be checked now (not the password's fault): never clipped.
        self.problem = QLabel()
        self.problem.setObjectName("sign_in_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.problem.hide()
        layout.addWidget(self.problem)
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

    def problem_text(self) -> str:
        return self.problem.text() if not self.problem.isHidden() else ""

    def submit(self) -> None:
        self.form.clear_errors()
        self.problem.hide()
        try:
            self.user = self._authenticate(self.chosen_username(), self.password.text())
        except SignInUnavailable as unavailable:
            self.problem.setText(unavailable.message)
            self.problem.show()
            self.adjustSize()
            return
        except ActionRefused as refused:
            self.form.show_errors({"password": refused.message})
            self.password.selectAll()
            self.adjustSize()
            return
        self.accept()
