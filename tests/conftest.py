from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

# Before anything imports app.services.auth, and inherited by the server processes: cheap
# password hashes (production keeps the strong default, see password_hasher).
os.environ.setdefault("CRM_TEST_CHEAP_PASSWORD_HASHES", "1")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.domain.enums import JourneyEventKind, Role
from app.persistence.models import User
from app.services.auth import StaffMember, hash_password
from app.services.leads.intake import JourneyInput, LeadSubmission, register_lead
from app.workspace import Workspace, create_workspace
from ui.core.qt_runtime import keep_singletons_alive

# For every test: the Qt bindings take references from None/True on Python 3.11 (see
# ui/core/qt_runtime.py), and a whole run would abort at its exit.
keep_singletons_alive()

# Tuesday 1 December 2026, 11:00 in Paris (10:00 UTC): inside the legal calling hours.
TUESDAY_11H_PARIS = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_11H_PARIS)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = create_workspace(tmp_path / "workspace.sqlite")
    yield ws
    ws.close()


def add_user(
    workspace: Workspace,
    username: str = "expert1",
    role: Role = Role.EXPERT,
    password: str = "demo",
) -> StaffMember:
    with workspace.sessions.begin() as session:
        user = User(
            username=username,
            display_name=username.title(),
            role=role,
            password_hash=hash_password(password),
        )
        session.add(user)
        session.flush()
        return StaffMember(user.id, user.username, user.display_name, role)


@pytest.fixture
def expert(workspace: Workspace) -> StaffMember:
    return add_user(workspace)


@pytest.fixture
def rep(workspace: Workspace) -> StaffMember:
    return add_user(workspace, "sales1", Role.SALES)


@pytest.fixture
def provider(workspace: Workspace, clock: FakeClock) -> uuid.UUID:
    """A provider in Paris 11e, for contract tests."""
    from tests.contract_fixtures import add_provider

    with workspace.sessions.begin() as session:
        return add_provider(session, "Plomberie Martin", "75011", clock())


def submit_lead(
    workspace: Workspace,
    *,
    submitted_at: datetime = TUESDAY_11H_PARIS - timedelta(hours=1),
    phone: str = "06 12 34 56 78",
    postcode: str = "75011",
    city: str = "Paris",
    last_name: str = "Dupont",
    first_name: str = "Jean",
    category_code: str = "bathroom",
    budget_cents: int | None = 2_000_000,
    with_consent: bool = True,
    description: str = "Refaire la salle de bains",
) -> object:
    submission = LeadSubmission(
        submitted_at=submitted_at,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        postcode=postcode,
        city=city,
        category_code=category_code,
        site_code="devis-maison",
        budget_cents=budget_cents,
        description=description,
        email="jean.dupont@example.fr",
        consent_form_code="form-bathroom" if with_consent else None,
        consent_at=submitted_at if with_consent else None,
        consent_wording_version="2026-03" if with_consent else None,
        journey=(
            JourneyInput(submitted_at - timedelta(minutes=5), JourneyEventKind.LANDING, "Annonce"),
            JourneyInput(
                submitted_at - timedelta(minutes=3), JourneyEventKind.FORM_STEP, "Projet", 90
            ),
            JourneyInput(submitted_at, JourneyEventKind.FORM_SUBMIT, "Envoi"),
        ),
    )
    with workspace.sessions.begin() as session:
        return register_lead(session, submission).id
