"""Where the workstation keeps its server token: the OS keyring, or a private file.

A machine without a keyring service (a bare Linux session, a CI box) gets a file readable
by its owner only, beside the workspace, and the app says so in its log and status bar.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import keyring
from keyring.errors import KeyringError, NoKeyringError

log = logging.getLogger(__name__)
SERVICE = "crm-leads"


class TokenStore:
    def __init__(self, fallback_dir: Path) -> None:
        self._fallback = fallback_dir / ".server-token"
        self.in_keyring = _keyring_usable()
        if not self.in_keyring:
            log.warning("no usable OS keyring: the token is kept in %s (mode 600)", self._fallback)

    @property
    def where(self) -> str:
        return "trousseau du système" if self.in_keyring else f"fichier {self._fallback}"

    def save(self, account: str, token: str) -> None:
        if self.in_keyring:
            keyring.set_password(SERVICE, account, token)
            return
        self._fallback.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._fallback, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"{account}\n{token}\n")

    def load(self, account: str) -> str | None:
        if self.in_keyring:
            return keyring.get_password(SERVICE, account)
        try:
            stored_account, token = self._fallback.read_text(encoding="utf-8").split("\n")[:2]
        except (OSError, ValueError):
            return None
        return token if stored_account == account else None

    def delete(self, account: str) -> None:
        if self.in_keyring:
            with contextlib.suppress(KeyringError):
                keyring.delete_password(SERVICE, account)
            return
        self._fallback.unlink(missing_ok=True)


def _keyring_usable() -> bool:
    try:
        backend = keyring.get_keyring()
        if backend.priority <= 0:  # the "fail" and "null" backends
            return False
        keyring.get_password(SERVICE, "__probe__")
        return True
    except (KeyringError, NoKeyringError, RuntimeError):
        return False
