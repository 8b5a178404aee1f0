"""A PDF inside the app: pages rendered by PDFium (pypdfium2), zoom, and saving the file.

The wheels of PySide6 we use do not ship QtPdf; PDFium renders the same pages, offline.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.core.dialog_parts import save_file

ZOOMS = (0.75, 1.0, 1.25, 1.5, 2.0)


def render_pages(pdf: bytes, scale: float) -> list[QImage]:
    """Each page as an image, at `scale` × 72 dpi."""
    document = pdfium.PdfDocument(pdf)
    try:
        images = []
        for page in document:
            bitmap = page.render(scale=scale, rev_byteorder=True)
            image = QImage(
                bytes(bitmap.buffer),
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                QImage.Format.Format_RGB888,
            )
            images.append(image.copy())  # own the pixels: the bitmap is freed below
            bitmap.close()
            page.close()
        return images
    finally:
        document.close()


class PdfViewer(QDialog):
    def __init__(
        self,
        title: str,
        pdf: bytes,
        file_name: str,
        parent: QWidget | None = None,
        save_label: str = "Enregistrer le PDF…",
    ) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.file_name = file_name
        self.zoom = 1
        self.setWindowTitle(title)
        self.resize(900, 1000)
        self.pages = QVBoxLayout()
        self.pages.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        holder = QWidget()
        holder.setLayout(self.pages)
        holder.setStyleSheet("background: #6b6b6b;")
        scroll = QScrollArea()
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        self.page_count = QLabel()
        smaller = QPushButton("−")
        smaller.setToolTip("Réduire")
        smaller.clicked.connect(lambda: self.set_zoom(self.zoom - 1))
        larger = QPushButton("+")
        larger.setToolTip("Agrandir")
        larger.clicked.connect(lambda: self.set_zoom(self.zoom + 1))
        save = QPushButton(save_label)
        save.clicked.connect(lambda: self.save())
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        bar = QHBoxLayout()
        bar.addWidget(smaller)
        bar.addWidget(larger)
        bar.addWidget(self.page_count)
        bar.addStretch(1)
        bar.addWidget(save)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(scroll)
        self.set_zoom(1)

    def set_zoom(self, zoom: int) -> None:
        self.zoom = max(0, min(len(ZOOMS) - 1, zoom))
        while self.pages.count():
            item = self.pages.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        images = render_pages(self.pdf, ZOOMS[self.zoom] * 1.3)
        for image in images:
            page = QLabel()
            page.setPixmap(QPixmap.fromImage(image))
            self.pages.addWidget(page)
        self.page_count.setText(f"{len(images)} page(s) · {int(ZOOMS[self.zoom] * 100)} %")

    def save(self, path: Path | None = None) -> Path | None:
        return save_file(
            self, "Enregistrer le PDF", self.file_name, "PDF (*.pdf)", lambda: self.pdf, path
        )
