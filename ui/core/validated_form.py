"""A form layout that shows each field's French error message right under the field."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from ui.core.dialog_parts import ERROR_COLOUR


class ValidatedForm(QFormLayout):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}

    def add_field(self, label: str, key: str, widget: QWidget) -> None:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        error = QLabel()
        error.setObjectName(f"error_{key}")
        error.setStyleSheet(f"color: {ERROR_COLOUR}; font-size: 11px;")
        error.setWordWrap(True)
        error.hide()
        column.addWidget(error)
        self._errors[key] = error
        self._fields[key] = widget
        self.addRow(label, box)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show the messages; focus the first field in error. What was typed stays."""
        self.clear_errors()
        first = None
        for key, message in errors.items():
            label = self._errors.get(key)
            if label is None:
                continue
            label.setText(message)
            label.show()
            self._fields[key].setStyleSheet(f"border: 1px solid {ERROR_COLOUR};")
            first = first or self._fields[key]
        if first is not None:
            first.setFocus()

    def clear_errors(self) -> None:
        for key, label in self._errors.items():
            label.hide()
            label.clear()
            self._fields[key].setStyleSheet("")

    def error_text(self, key: str) -> str:
        label = self._errors[key]
        return label.text() if not label.isHidden() else ""
