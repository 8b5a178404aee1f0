"""Choosing what a provider covers: categories on a searchable sector tree, départements on a
list and on a map of France, and postcode + radius zones."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from app.domain.geography import departement_centroids
from app.domain.zones import ZoneInput
from app.reference import departements
from app.services.leads.queue import search_name_key
from app.services.providers.provider_queries import CategoryChoice, category_catalogue

if TYPE_CHECKING:
    from ui.core.context import AppContext
    from ui.core.operations import Operations

ID_ROLE = Qt.ItemDataRole.UserRole
CHECKED, UNCHECKED = Qt.CheckState.Checked, Qt.CheckState.Unchecked
CATALOGUE_TABLES = frozenset({"categories", "sectors"})


class Catalogue(QObject):
    """The categories every picker of a window shows, read again on each refresh.

    A synced workstation starts empty: its first download brings the sectors and categories
    after the window (and maybe a dialog) was built. `reload` reads them again (on a change
    of "categories" or "sectors" when built with `for_context`); every CategoryTree listens
    to `changed` and fills itself.

    With `operations`, the catalogue is read on a worker thread: it starts empty and emits
    `changed` once the categories arrive. Without, `read` runs at once (a list in memory).
    """

    changed = Signal()

    def __init__(
        self,
        read: Callable[[], list[CategoryChoice]],
        parent: QObject | None = None,
        *,
        operations: Operations | None = None,
    ) -> None:
        super().__init__(parent)
        self._read = read
        self._operations = operations
        self.choices: list[CategoryChoice] = []
        if operations is None:
            self.choices = read()
        else:
            self.reload()

    @classmethod
    def for_context(cls, context: AppContext, parent: QObject | None = None) -> Catalogue:
        """The workspace's categories, read in the background and again when they change."""
        sessions = context.workspace.sessions
        catalogue = cls(lambda: category_catalogue(sessions), parent, operations=context.operations)
        context.changes.watch(catalogue, CATALOGUE_TABLES, lambda _changes: catalogue.reload())
        return catalogue

    def reload(self) -> None:
        if self._operations is None:
            self._arrived(self._read())
        else:
            self._operations.run(self._read, self._arrived, owner=self, label="catégories")

    def _arrived(self, fresh: list[CategoryChoice]) -> None:
        if fresh != self.choices:
            self.choices = fresh
            self.changed.emit()


def _french_order(choice: CategoryChoice) -> tuple[str, str]:
    """Alphabetical as a French reader expects: « Énergie » between D and F, not after S."""
    return search_name_key(choice.sector), search_name_key(choice.name)


class CategoryTree(QWidget):
    """Sectors and their categories, checkable, filtered by what is typed; filled again
    (keeping what is checked and typed) when the catalogue changes."""

    changed = Signal()

    def __init__(self, catalogue: Catalogue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Rechercher une catégorie…")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        # Rows as tall as the font's line height clip the accent of a capital (« Énergie »
        # read as « Energie »): room for the tallest accented capitals.
        self.tree.setUniformRowHeights(True)
        self.tree.setItemDelegate(_RoomForAccents(self.tree))
        self.names: dict[uuid.UUID, CategoryChoice] = {}
        # Checked before the catalogue held them (a contract's categories on a new workstation).
        self._waiting: set[uuid.UUID] = set()
        self._catalogue = catalogue
        self._fill(catalogue.choices)
        catalogue.changed.connect(self._catalogue_changed)
        self.tree.itemChanged.connect(lambda *_: self.changed.emit())
        self.search.textChanged.connect(self._filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)

    def _fill(self, catalogue: list[CategoryChoice]) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        self.names = {c.id: c for c in catalogue}
        sectors: dict[str, QTreeWidgetItem] = {}
        for choice in sorted(catalogue, key=_french_order):
            sector = sectors.get(choice.sector)
            if sector is None:
                sector = QTreeWidgetItem(self.tree, [choice.sector])
                sector.setFlags(sector.flags() | Qt.ItemFlag.ItemIsAutoTristate
                                | Qt.ItemFlag.ItemIsUserCheckable)  # fmt: skip
                sector.setCheckState(0, UNCHECKED)
                sectors[choice.sector] = sector
            item = QTreeWidgetItem(sector, [choice.name])
            item.setData(0, ID_ROLE, choice.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, UNCHECKED)
        self.tree.blockSignals(False)

    def _catalogue_changed(self) -> None:
        checked = {c.id for c in self.checked()} | self._waiting
        self._fill(self._catalogue.choices)
        self._filter(self.search.text())
        self.set_checked(checked)

    def _items(self) -> Iterable[QTreeWidgetItem]:
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            item = iterator.value()
            if item.data(0, ID_ROLE) is not None:
                yield item
            iterator += 1

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for index in range(self.tree.topLevelItemCount()):
            sector = self.tree.topLevelItem(index)
            sector_hit = needle in sector.text(0).lower()
            shown = 0
            for child_index in range(sector.childCount()):
                child = sector.child(child_index)
                hit = sector_hit or needle in child.text(0).lower()
                child.setHidden(not hit)
                shown += hit
            sector.setHidden(shown == 0)
            sector.setExpanded(bool(needle) and shown > 0)

    def set_checked(self, ids: Iterable[uuid.UUID]) -> None:
        wanted = set(ids)
        self._waiting = wanted - self.names.keys()
        self.tree.blockSignals(True)
        for item in self._items():
            item.setCheckState(0, CHECKED if item.data(0, ID_ROLE) in wanted else UNCHECKED)
            if item.data(0, ID_ROLE) in wanted:
                item.parent().setExpanded(True)
        self.tree.blockSignals(False)
        self.changed.emit()

    def checked(self) -> list[CategoryChoice]:
        return [
            self.names[item.data(0, ID_ROLE)]
            for item in self._items()
            if item.checkState(0) == CHECKED
        ]


class _RoomForAccents(QStyledItemDelegate):
    """Rows tall enough for an accented capital, which rises above the font's ascent."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        metrics = option.fontMetrics
        overshoot = max(0, -metrics.tightBoundingRect("ÉÈÊÀÇ").top() - metrics.ascent())
        return QSize(hint.width(), hint.height() + 2 * overshoot + 2)


# -- départements -------------------------------------------------------------------------------

_OVERSEAS = ("971", "972", "973", "974", "976")
_CELL = 26.0


def _map_positions() -> dict[str, QPointF]:
    """Département squares placed at their centroid, nudged apart until none overlap."""
    centroids = departement_centroids()
    metro = {c: p for c, p in centroids.items() if c not in _OVERSEAS}
    scale = 58.0  # pixels per degree of latitude
    squash = math.cos(math.radians(46.5))
    min_lon = min(p.longitude for p in metro.values())
    max_lat = max(p.latitude for p in metro.values())
    points = {
        code: [(p.longitude - min_lon) * squash * scale, (max_lat - p.latitude) * scale]
        for code, p in sorted(metro.items())
    }
    codes = list(points)
    for _ in range(120):
        moved = False
        for i, a in enumerate(codes):
            for b in codes[i + 1 :]:
                pa, pb = points[a], points[b]
                dx, dy = pb[0] - pa[0], pb[1] - pa[1]
                gap = _CELL + 1 - max(abs(dx), abs(dy))
                if gap > 0:
                    moved = True
                    length = math.hypot(dx, dy) or 1.0
                    push = gap / 2 / length
                    pa[0] -= dx * push
                    pa[1] -= dy * push
                    pb[0] += dx * push
                    pb[1] += dy * push
        if not moved:
            break
    min_x = min(p[0] for p in points.values())
    min_y = min(p[1] for p in points.values())
    placed = {c: QPointF(x - min_x + _CELL, y - min_y + _CELL) for c, (x, y) in points.items()}
    bottom = max(p.y() for p in placed.values()) + _CELL * 1.8
    for index, code in enumerate(_OVERSEAS):
        placed[code] = QPointF(_CELL + index * (_CELL + 8), bottom)
    return placed


class FranceMap(QWidget):
    """A map of France with one square per département, clicked to choose it."""

    toggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.positions = _map_positions()
        self.chosen: set[str] = set()
        self.setMouseTracking(True)
        width = max(p.x() for p in self.positions.values()) + _CELL
        height = max(p.y() for p in self.positions.values()) + _CELL
        self._size = QSize(int(width), int(height))
        self.setMinimumSize(self._size)
        self.setToolTip("Cliquez sur un département pour l'ajouter ou le retirer.")

    def sizeHint(self) -> QSize:
        return self._size

    def _rect(self, code: str) -> QRectF:
        center = self.positions[code]
        half = _CELL / 2
        return QRectF(center.x() - half, center.y() - half, _CELL, _CELL)

    def code_at(self, point: QPointF) -> str | None:
        return next((c for c in self.positions if self._rect(c).contains(point)), None)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(7.5)
        painter.setFont(font)
        label_y = min(self.positions[c].y() for c in _OVERSEAS) - _CELL * 0.9
        painter.setPen(QColor("#666"))
        painter.drawText(QPointF(_CELL / 2, label_y), "Outre-mer")
        for code in self.positions:
            rect = self._rect(code)
            chosen = code in self.chosen
            painter.setPen(QPen(QColor("#1f5f8b" if chosen else "#9aa5b1"), 1))
            painter.setBrush(QColor("#2b7bb9" if chosen else "#eef2f6"))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(QColor("white" if chosen else "#33414e"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, code)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        code = self.code_at(event.position())
        if code is not None:
            self.toggled.emit(code, code not in self.chosen)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        code = self.code_at(event.position())
        dep = departements().get(code) if code else None
        self.setToolTip(f"{code} – {dep.name}" if dep else "")

    def set_chosen(self, codes: set[str]) -> None:
        self.chosen = set(codes)
        self.update()


class ZonePicker(QWidget):
    """Départements (list and map, kept in step) and postcode + radius zones."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filtrer les départements…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        for code, dep in sorted(departements().items()):
            if code not in departement_centroids():
                continue  # no postcode of its own in the reference data: no lead can match
            item = QListWidgetItem(f"{code} – {dep.name}")
            item.setData(ID_ROLE, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(UNCHECKED)
            self.list.addItem(item)
        self.map = FranceMap()
        self.radius_list = QListWidget()
        self.radius_list.setMaximumHeight(70)
        self.postcode = QLineEdit()
        self.postcode.setPlaceholderText("Code postal")
        self.postcode.setMaximumWidth(100)
        self.radius = QSpinBox()
        self.radius.setRange(1, 200)
        self.radius.setValue(20)
        self.radius.setSuffix(" km")
        add = QPushButton("Ajouter le rayon")
        add.clicked.connect(self._add_radius)
        remove = QPushButton("Retirer")
        remove.clicked.connect(self._remove_radius)

        self.list.itemChanged.connect(self._list_changed)
        self.map.toggled.connect(self._map_toggled)
        self.search.textChanged.connect(self._filter)

        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.list)
        top = QHBoxLayout()
        top.addLayout(left, 1)
        top.addWidget(self.map, 0, Qt.AlignmentFlag.AlignTop)
        radius_row = QHBoxLayout()
        radius_row.addWidget(QLabel("Rayon autour d'un code postal :"))
        radius_row.addWidget(self.postcode)
        radius_row.addWidget(self.radius)
        radius_row.addWidget(add)
        radius_row.addWidget(remove)
        radius_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top, 1)
        layout.addLayout(radius_row)
        layout.addWidget(self.radius_list)

    def _items(self) -> Iterable[QListWidgetItem]:
        return (self.list.item(i) for i in range(self.list.count()))

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for item in self._items():
            item.setHidden(needle not in item.text().lower())

    def _list_changed(self, _item: QListWidgetItem) -> None:
        self.map.set_chosen(self.departements())
        self.changed.emit()

    def _map_toggled(self, code: str, chosen: bool) -> None:
        for item in self._items():
            if item.data(ID_ROLE) == code:
                item.setCheckState(CHECKED if chosen else UNCHECKED)

    def _add_radius(self) -> None:
        text = self.postcode.text().strip()
        if not text:
            return
        zone = ZoneInput(postcode=text, radius_km=self.radius.value())
        item = QListWidgetItem(zone.label)
        item.setData(ID_ROLE, zone)
        self.radius_list.addItem(item)
        self.postcode.clear()
        self.changed.emit()

    def _remove_radius(self) -> None:
        for item in self.radius_list.selectedItems():
            self.radius_list.takeItem(self.radius_list.row(item))
        self.changed.emit()

    def departements(self) -> set[str]:
        return {item.data(ID_ROLE) for item in self._items() if item.checkState() == CHECKED}

    def zones(self) -> list[ZoneInput]:
        chosen = [ZoneInput(departement_code=code) for code in sorted(self.departements())]
        radius = [self.radius_list.item(i).data(ID_ROLE) for i in range(self.radius_list.count())]
        return chosen + radius

    def set_zones(self, zones: Iterable[ZoneInput]) -> None:
        zones = list(zones)
        codes = {z.departement_code for z in zones if z.departement_code}
        self.list.blockSignals(True)
        for item in self._items():
            item.setCheckState(CHECKED if item.data(ID_ROLE) in codes else UNCHECKED)
        self.list.blockSignals(False)
        self.map.set_chosen(codes)
        self.radius_list.clear()
        for zone in zones:
            if zone.postcode:
                item = QListWidgetItem(zone.label)
                item.setData(ID_ROLE, zone)
                self.radius_list.addItem(item)
        self.changed.emit()
