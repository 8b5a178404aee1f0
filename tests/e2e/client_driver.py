"""Runs the desktop client (ui.__main__.main) and plays a user: sign in, then after a few
seconds of sync either quit (`close`) or sign out and leave the sign-in screen (`signout`).

python -m tests.e2e.client_driver MODE -- ARGS OF python -m ui
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import ui.__main__ as entry
from ui.session.sign_in_dialog import SignInDialog

SECONDS_SIGNED_IN = 3


def main() -> int:
    mode, args = sys.argv[1], sys.argv[3:]
    seen = {"dialogs": 0, "window": False}

    def step() -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        modal = app.activeModalWidget()
        if isinstance(modal, SignInDialog):
            seen["dialogs"] += 1
            if seen["dialogs"] == 1:
                modal.submit()
            else:
                modal.reject()  # "Quitter" on the sign-in screen after signing out
        windows = [w for w in app.topLevelWidgets() if w.isVisible() and hasattr(w, "say")]
        if windows and not seen["window"]:
            seen["window"] = True
            window = windows[0]
            leave = getattr(window, "sign_out", None) or getattr(window, "_sign_out", None)
            action = leave if mode == "signout" else window.close
            QTimer.singleShot(SECONDS_SIGNED_IN * 1000, action)
        QTimer.singleShot(100, step)

    class DrivenApplication(QApplication):
        def __init__(self, argv: list[str]) -> None:
            super().__init__(argv)
            QTimer.singleShot(100, step)

    entry.QApplication = DrivenApplication  # type: ignore[misc]
    return entry.main(args)


if __name__ == "__main__":
    sys.exit(main())
