"""Errors a user can act on. Messages are French: they are shown as they are."""

from __future__ import annotations


class FieldErrors(Exception):
    """Bad input in a form: one French message per field. Nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ActionRefused(Exception):
    """The action is not allowed in the current state. Nothing was saved."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
