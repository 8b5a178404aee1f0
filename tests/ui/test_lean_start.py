"""The client starts without the libraries only some screens need.

An expert's session never opens billing: the Factur-X, SEPA, PDF and chart libraries are
imported when the screen that needs them opens (start-up time and memory, see `make bench`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOADED_ON_DEMAND = (
    "facturx",
    "sepaxml",
    "reportlab",
    "pypdf",
    "pypdfium2",
    "lxml",
    "PySide6.QtCharts",
    "faker",
    "ui.billing.billing_window",
    "ui.pipeline.sales_window",
)


def test_the_client_starts_without_billing_pdf_and_chart_libraries() -> None:
    code = (
        "import json, sys\n"
        "import ui.__main__, ui.session.session, ui.queue.main_window\n"
        f"print(json.dumps([m for m in {LOADED_ON_DEMAND!r} if m in sys.modules]))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(output.stdout.strip().splitlines()[-1]) == []
