"""The official EN 16931 business rules (CII syntax), run on our Factur-X XML.

The compiled schematron (tests/validation/en16931-cii/, release 1.3.16, see its README) turns
an invoice into an SVRL report; every failed assert flagged "fatal" is a rule the document
breaks, which a receiving platform rejects. The XSD check of the `factur-x` package sees none
of these (BR-O-02, BR-CO-*, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

RULES = Path(__file__).parent / "validation" / "en16931-cii" / "EN16931-CII-validation.xslt"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@dataclass(frozen=True)
class Breach:
    rule: str
    text: str
    location: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.text} (at {self.location})"


@cache
def _compiled() -> tuple[Any, Any]:
    """The processor and the stylesheet, compiled once per test session (it is 700 KB)."""
    if not RULES.exists():
        pytest.skip(f"EN 16931 rules not found ({RULES}): the CII business rules are not checked")
    saxonche = pytest.importorskip(
        "saxonche", reason="saxonche (dev extra) runs the EN 16931 rules"
    )
    processor = saxonche.PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(RULES))
    return processor, executable


def breaches(xml: bytes) -> list[Breach]:
    """The fatal rules of EN 16931 that the CII document `xml` breaks (empty: it passes)."""
    processor, executable = _compiled()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    report = etree.fromstring(executable.transform_to_string(xdm_node=document).encode("utf-8"))
    return [
        Breach(
            failed.get("id", "?"),
            " ".join("".join(failed.itertext()).split()),
            re.sub(r"\[namespace-uri\(\)='[^']*'\]|\*:", "", failed.get("location", "")),
        )
        for failed in report.iterfind("svrl:failed-assert", SVRL)
        if failed.get("flag") == "fatal"
    ]


def assert_en16931(xml: bytes) -> None:
    """Fails with every broken rule, its id and its text."""
    found = breaches(xml)
    assert not found, "EN 16931 rules broken:\n" + "\n".join(str(b) for b in found)
