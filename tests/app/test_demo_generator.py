from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.demo.generator import build_demo_workspace
from app.domain.contact import normalize_phone
from app.domain.enums import LeadStatus
from app.domain.postcodes import departement_code_for_postcode
from app.persistence.models import CallAttempt, Callback, JourneyEvent, Lead
from app.services.auth import sign_in
from app.services.leads.queue import QueueReader, QueueView
from app.workspace import open_workspace

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    summary = build_demo_workspace(path, 3000, seed=7, now=NOW)
    workspace = open_workspace(path)
    yield summary, workspace
    workspace.close()


def test_demo_counts_and_sign_in(demo) -> None:
    summary, workspace = demo
    assert summary.leads == 3000
    with workspace.sessions() as session:

        def count(model: type) -> int | None:
            return session.scalar(select(func.count()).select_from(model))

        assert count(Lead) == 3000
        assert count(JourneyEvent) == summary.journey_events
        assert count(CallAttempt) == summary.call_attempts
    assert sign_in(workspace.sessions, "expert1", "demo").display_name == "Camille Martin"


def test_demo_leads_are_valid_french_requests(demo) -> None:
    _, workspace = demo
    with workspace.sessions() as session:
        leads = session.scalars(select(Lead)).all()
    for lead in leads:
        assert normalize_phone(lead.phone_e164) == lead.phone_e164
        assert departement_code_for_postcode(lead.postcode) == lead.departement_code
        assert lead.submitted_at <= NOW
    numbers = [lead.number for lead in sorted(leads, key=lambda x: x.submitted_at)]
    assert numbers == sorted(numbers)
    with_proof = sum(1 for lead in leads if lead.has_consent_proof)
    assert 0.98 < with_proof / len(leads) < 1


def test_demo_seasonality_peaks_in_january_and_september(demo) -> None:
    _, workspace = demo
    with workspace.sessions() as session:
        months = Counter(d.month for d in session.scalars(select(Lead.submitted_at)))
    assert months[1] > months[7] * 1.5 and months[1] > months[8] * 1.5
    assert months[9] > months[7] * 1.5 and months[9] > months[8] * 1.5


def test_demo_has_a_workable_queue(demo) -> None:
    _, workspace = demo
    with workspace.sessions() as session:
        statuses = Counter(session.scalars(select(Lead.status)))
        pending_callbacks = session.scalar(select(func.count()).select_from(Callback))
    worked = (
        statuses[LeadStatus.CLOSED]
        + statuses[LeadStatus.TO_QUALIFY]
        + statuses[LeadStatus.CALLBACK]
    )
    assert 0.10 < worked / 3000 < 0.5  # large projects and reviewed categories
    assert statuses[LeadStatus.TO_QUALIFY] > 0 and pending_callbacks > 0
    reader = QueueReader(workspace.sessions, lambda: NOW)
    assert reader.page(QueueView.CALL_QUEUE).rows
    assert reader.next_callable() is not None


def test_demo_is_reproducible(tmp_path: Path) -> None:
    first = build_demo_workspace(tmp_path / "a.sqlite", 300, seed=3, now=NOW)
    second = build_demo_workspace(tmp_path / "b.sqlite", 300, seed=3, now=NOW)
    assert first.journey_events == second.journey_events
    assert first.call_attempts == second.call_attempts
