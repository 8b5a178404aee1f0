"""Sign-in screen: the workstation's staff accounts.

The password check (an argon2 hash, or the central server) and the local accounts list run
on a worker thread: the dialog stays responsive, its button disabled while it checks, and
what was typed stays when the check refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import ROLE_LABELS
from app.domain.errors import ActionRefused
from app.services.auth import SignInUnavailable, StaffMember, active_staff, sign_in
from app.workspace import Workspace
from ui.core.changes import ChangeBus
from ui.core.dialog_parts import ERROR_COLOUR, dialog_buttons
from ui.core.operations import Operations
from ui.core.remembered import Remembered, keep_window
from ui.core.validated_form import ValidatedForm

# (username, display name, role) of an account offered in the list.
Account = tuple[str, str, str]
WINDOW_KEY = "session/sign_in"
CHECKING = "Vérification en cours…"


@dataclass(frozen=True)
class _Refused:
    """The check's answer when sign-in is refused: the password (`unavailable` False) or
    why sign-in cannot be checked now (True: not the password's fault)."""

    message: str
    unavailable: bool


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
        *,
        operations: Operations | None = None,
        remembered: Remembered | None = None,
    ) -> None:
        """`workspace`: sign in on it alone; else `authenticate` (the central server, or the
        account's own workspace offline) and the `accounts` that signed in on this PC.

        `authenticate` runs on a worker thread of `operations` (the dialog's own when none is
        given: it comes before the account's AppContext)."""
        super().__init__(parent)
        self._owns_operations = operations is None
        self.operations = operations or Operations(ChangeBus(), workers=1)
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
        self._wanted = username or ""
        if accounts is not None:
            self._show_accounts(list(accounts))
        else:
            assert workspace is not None
            self.username.setEditText(self._wanted)
            self.operations.run(lambda: local_accounts(local), self._show_accounts, owner=self)
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
        self.checking = QLabel(CHECKING)
        self.checking.setObjectName("sign_in_checking")
        self.checking.hide()
        layout.addWidget(self.checking)
        buttons = dialog_buttons(self, "Se connecter", self.submit, "Quitter")
        self.sign_in_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout.addWidget(buttons)
        self.password.setFocus()
        keep_window(remembered or Remembered(), self, WINDOW_KEY)

    def _show_accounts(self, listed: list[Account]) -> None:
        """Fill the list; keeps a name the user typed meanwhile, else selects the wanted one."""
        typed = self.username.currentText()
        self.username.clear()
        for name, display_name, role in listed:
            label = ROLE_LABELS.get(role, role)  # type: ignore[call-overload]
            self.username.addItem(f"{name} – {display_name} ({label})", name)
        if typed and typed != self._wanted:
            self.username.setEditText(typed)
        elif self._wanted:
            found = self.username.findData(self._wanted)
            if found >= 0:
                self.username.setCurrentIndex(found)
            else:  # a new workstation: the account exists on the server only
                self.username.setEditText(self._wanted)

    @property
    def busy(self) -> bool:
        """A check is running (the button is disabled until it answers)."""
        return not self.checking.isHidden()

    def chosen_username(self) -> str:
        data = self.username.currentData()
        text = self.username.currentText()
        if data is not None and self.username.itemText(self.username.currentIndex()) == text:
            return str(data)
        return text.split(" – ")[0].strip()

    def problem_text(self) -> str:
        return self.problem.text() if not self.problem.isHidden() else ""

    def submit(self) -> None:
        if self.busy:
            return
        self.form.clear_errors()
        self.problem.hide()
        name, secret = self.chosen_username(), self.password.text()
        authenticate = self._authenticate

        def check() -> StaffMember | _Refused:
            try:
                return authenticate(name, secret)
            except SignInUnavailable as unavailable:
                return _Refused(unavailable.message, unavailable=True)
            except ActionRefused as refused:
                return _Refused(refused.message, unavailable=False)

        self._set_busy(True)
        self.operations.run(check, self._checked, self._failed, owner=self)

    def _set_busy(self, busy: bool) -> None:
        self.checking.setVisible(busy)
        self.sign_in_button.setEnabled(not busy)
        self.username.setEnabled(not busy)
        self.password.setEnabled(not busy)

    def _checked(self, answer: StaffMember | _Refused) -> None:
        self._set_busy(False)
        if isinstance(answer, _Refused):
            if answer.unavailable:
                self._failed(answer.message)
                return
            self.form.show_errors({"password": answer.message})
            self.password.setFocus()
            self.password.selectAll()
            self.adjustSize()
            return
        self.user = answer
        self.accept()

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self.problem.setText(message)
        self.problem.show()
        self.adjustSize()

    def done(self, result: int) -> None:
        super().done(result)
        if self._owns_operations:
            self.operations.shutdown()
