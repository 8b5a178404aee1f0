"""Lead fields computed from other data, recomputed instead of merged after a sync.

Two workstations each logging one call both compute "1 attempt"; merging that field would
lose a call. So the count, the queue priority and the search keys are recomputed from the call
attempts and the lead's own fields wherever rows arrive (the server after a push, the
workstation after a pull).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, case, func, select, update

from app.domain.enums import Disposition
from app.domain.postcodes import InvalidPostcode, departement_for_postcode
from app.persistence.models import CallAttempt, Lead
from app.policy.queue_rules import DEFAULT_QUEUE_POLICY, QueuePolicy, priority_key
from app.services.leads.queue import search_name_key

_CHUNK = 500


def recompute_leads(
    connection: Connection,
    lead_ids: Iterable[uuid.UUID],
    policy: QueuePolicy = DEFAULT_QUEUE_POLICY,
) -> None:
    ids = list(dict.fromkeys(lead_ids))
    for start in range(0, len(ids), _CHUNK):
        _recompute_chunk(connection, ids[start : start + _CHUNK], policy)


def _recompute_chunk(connection: Connection, ids: list[uuid.UUID], policy: QueuePolicy) -> None:
    unanswered = func.sum(case((CallAttempt.disposition == Disposition.UNREACHABLE, 1), else_=0))
    counts = {
        row.lead_id: (int(row.total), int(row.unanswered or 0))
        for row in connection.execute(
            select(
                CallAttempt.lead_id,
                func.count().label("total"),
                unanswered.label("unanswered"),
            )
            .where(CallAttempt.lead_id.in_(ids))
            .group_by(CallAttempt.lead_id)
        )
    }
    leads = connection.execute(
        select(
            Lead.id,
            Lead.submitted_at,
            Lead.budget_cents,
            Lead.interest_score,
            Lead.first_name,
            Lead.last_name,
            Lead.postcode,
            Lead.departement_code,
        ).where(Lead.id.in_(ids))
    ).all()
    changes = []
    for lead in leads:
        total, missed = counts.get(lead.id, (0, 0))
        try:
            departement = departement_for_postcode(lead.postcode).code
        except InvalidPostcode:
            departement = lead.departement_code
        changes.append(
            {
                "lead_id": lead.id,
                "call_attempt_count": total,
                "priority_key": priority_key(
                    lead.submitted_at, lead.budget_cents, lead.interest_score, missed, policy
                ),
                "search_name": search_name_key(f"{lead.last_name} {lead.first_name}"),
                "departement_code": departement,
            }
        )
    if changes:
        connection.execute(
            update(Lead)
            .where(Lead.id == bindparam("lead_id"))
            .values(
                call_attempt_count=bindparam("call_attempt_count"),
                priority_key=bindparam("priority_key"),
                search_name=bindparam("search_name"),
                departement_code=bindparam("departement_code"),
                # Not an edit: keep updated_at (its onupdate default would bump it here only).
                updated_at=Lead.updated_at,
            ),
            changes,
        )
