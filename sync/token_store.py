"""Where the workstation keeps its server token: the OS keyring, or a private file.

A machine without a keyring service (a bare Linux session, a CI box) gets a file readable
by its owner only, beside the workspaces, and the app says so in its log and status bar.
The file holds one token per account: several accounts sign in on a shared PC, and one
signing in or out must not lose another's token (its unsent work goes up under it).
"""

from __future__ import annotations

import contextlib
import json
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
        tokens = self._read_file()
        tokens[account] = token
        self._write_file(tokens)

    def load(self, account: str) -> str | None:
        if self.in_keyring:
            return keyring.get_password(SERVICE, account)
        return self._read_file().get(account)

    def delete(self, account: str) -> None:
        if self.in_keyring:
            with contextlib.suppress(KeyringError):
                keyring.delete_password(SERVICE, account)
            return
        tokens = self._read_file()
        if tokens.pop(account, None) is not None:
            self._write_file(tokens)

    def _read_file(self) -> dict[str, str]:
        try:
            text = self._fallback.read_text(encoding="utf-8")
        except OSError:
            return {}
        try:
            data = json.loads(text)
        except ValueError:  # the one-account format of earlier versions: "account\ntoken\n"
            lines = text.split("\n")
            return {lines[0]: lines[1]} if len(lines) >= 2 and lines[1] else {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write_file(self, tokens: dict[str, str]) -> None:
        self._fallback.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._fallback, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(tokens, handle)


def _keyring_usable() -> bool:
    try:
        backend = keyring.get_keyring()
        if backend.priority <= 0:  # the "fail" and "null" backends
            return False
        keyring.get_password(SERVICE, "__probe__")
        return True
    except (KeyringError, NoKeyringError, RuntimeError):
        return False
