"""What every document we send must be, checked on the file: fonts embedded (PDF/A), and
for the Factur-X PDF/A-3 an Info dictionary that agrees with its XMP metadata."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lxml import etree
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


# PDF/A (ISO 19005-3, 6.6.2.3.1): each entry of the document information dictionary has its
# equivalent in the XMP metadata, with the same value.
_XMP = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}
_INFO_IN_XMP = {
    "/Title": "dc:title/rdf:Alt/rdf:li",
    "/Author": "dc:creator/rdf:Seq/rdf:li",
    "/Subject": "dc:description/rdf:Alt/rdf:li",
    "/Keywords": "pdf:Keywords",
    "/Creator": "xmp:CreatorTool",
    "/Producer": "pdf:Producer",
    "/CreationDate": "xmp:CreateDate",
    "/ModDate": "xmp:ModifyDate",
}


def _pdf_date(text: str) -> datetime:
    """D:YYYYMMDDHHmmSS+HH'mm' (PDF) as an aware datetime."""
    match = re.fullmatch(r"D:(\d{14})(?:([+-])(\d\d)'?(\d\d)'?|Z)?", text.strip())
    assert match, text
    moment = datetime.strptime(match.group(1), "%Y%m%d%H%M%S")
    sign, hours, minutes = match.group(2), match.group(3), match.group(4)
    offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
    return moment.replace(tzinfo=timezone(-offset if sign == "-" else offset))


def metadata_disagreements(pdf: bytes) -> list[str]:
    """Where the Info dictionary and the XMP metadata of a PDF say different things."""
    reader = PdfReader(io.BytesIO(pdf))
    info = reader.trailer.get("/Info")
    info = info.get_object() if info is not None else {}
    xmp = etree.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    found = []
    for key, path in _INFO_IN_XMP.items():
        value = info.get(key)
        values = ["".join(e.itertext()) for e in xmp.iterfind(f".//rdf:Description/{path}", _XMP)]
        if value is None:
            continue
        if not values:
            found.append(f"{key} {value!r}: not in the XMP metadata")
        elif key.endswith("Date"):
            if _pdf_date(str(value)) != datetime.fromisoformat(values[0]):
                found.append(f"{key} {value!r} but XMP {values[0]!r}")
        elif str(value) != values[0]:
            found.append(f"{key} {value!r} but XMP {values[0]!r}")
    return found
