"""What every document we send must be, checked on the file: fonts embedded (PDF/A)."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def fonts_not_embedded(pdf: bytes | Path) -> set[str]:
    """The fonts a PDF uses without carrying them (the base-14 fonts, typically)."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    missing = set()
    for page in reader.pages:
        for font in page.get("/Resources", {}).get("/Font", {}).values():
            font = font.get_object()
            faces = [f.get_object() for f in font.get("/DescendantFonts", [])] or [font]
            for face in faces:
                descriptor = face.get("/FontDescriptor")
                if descriptor is None or not any(k in descriptor.get_object() for k in _FONT_FILES):
                    missing.add(str(face.get("/BaseFont")))
    return missing
