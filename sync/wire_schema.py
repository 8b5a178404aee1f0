"""The typed schema of every synced row as a workstation pushes it, one model per table.

Generated from the sync registry (sync.schema.TABLES) and the SQLAlchemy columns: the type of
each column (UUIDs, aware datetimes and dates as ISO text, strict integers, booleans and
numbers), nullability, string lengths, the database's integer ranges, the enum a column
holds, the ranges the domain gives (no negative price or duration) and the same normalisers the
services store values through (phones, e-mails, postcodes, company identifiers). A pushed row
must arrive in the form those normalisers store: "06 12 34 56 78" is refused where
"+33612345678" is stored, so that every replica keys the call budget by the same number.

`check_row` answers the decoded values or raises `InvalidRow` with a French reason.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
)
from pydantic_core import PydanticCustomError
from sqlalchemy import BigInteger, Boolean, Column, Date, Double, Float, Integer, String, Uuid

from app.billing.invoice_maths import LineKind
from app.billing.invoices import InvoiceKind, InvoiceStatus
from app.billing.ledger import REJECT_REASONS, PaymentKind
from app.billing.sepa import MandateKind
from app.dispatch.matching import UnsoldReason
from app.domain.company_ids import normalize_siren, normalize_siret, normalize_vat
from app.domain.contact import normalize_email, normalize_phone
from app.domain.contracts import ContractStatus, RequestKind, RequestState
from app.domain.disputes import DisputeReason, DisputeStatus
from app.domain.enums import (
    CallbackStatus,
    CloseReason,
    DesiredStart,
    Disposition,
    JourneyEventKind,
    LeadStatus,
    Role,
    SiteKind,
)
from app.domain.postcodes import normalize_postcode
from app.domain.providers import (
    ActivityKind,
    CallOutcome,
    LostReason,
    ProviderSource,
    ProviderStage,
)
from app.persistence.types import UTCDateTime
from app.reference import departements
from sync.schema import BY_NAME, SERVER_FILLED, TABLES, SyncedTable

# A Text column holds at most 65,535 bytes on MariaDB: 16,000 characters of up to 4 bytes.
TEXT_MAX_CHARS = 16_000
# Dates and times a business row may hold (a year-1 date is a typing error, not a fact).
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
_INTEGER_RANGES = {BigInteger: (-(2**63), 2**63 - 1), Integer: (-(2**31), 2**31 - 1)}


class InvalidRow(ValueError):
    """A pushed row that does not fit its table's schema; the message is French."""


# -- which columns hold what --------------------------------------------------------------------

ENUMS: dict[tuple[str, str], type[StrEnum] | tuple[str, ...]] = {
    ("users", "role"): Role,
    ("sites", "kind"): SiteKind,
    ("leads", "status"): LeadStatus,
    ("leads", "desired_start"): DesiredStart,
    ("leads", "qualified_start"): DesiredStart,
    ("leads", "close_reason"): CloseReason,
    ("journey_events", "kind"): JourneyEventKind,
    ("call_attempts", "disposition"): Disposition,
    ("callbacks", "status"): CallbackStatus,
    ("lead_status_changes", "from_status"): LeadStatus,
    ("lead_status_changes", "to_status"): LeadStatus,
    ("providers", "source"): ProviderSource,
    ("providers", "stage"): ProviderStage,
    ("providers", "lost_reason"): LostReason,
    ("provider_activities", "kind"): ActivityKind,
    ("provider_activities", "outcome"): CallOutcome,
    ("contract_versions", "status"): ContractStatus,
    ("contract_events", "from_status"): ContractStatus,
    ("contract_events", "to_status"): ContractStatus,
    ("contract_requests", "kind"): RequestKind,
    ("contract_requests", "state"): RequestState,
    ("unsold_leads", "reason"): UnsoldReason,
    ("lead_disputes", "reason"): DisputeReason,
    ("lead_disputes", "status"): DisputeStatus,
    ("invoices", "kind"): InvoiceKind,
    ("invoices", "status"): InvoiceStatus,
    ("invoice_lines", "kind"): LineKind,
    ("sepa_mandates", "kind"): MandateKind,
    ("payments", "kind"): PaymentKind,
    ("payments", "reject_code"): tuple(REJECT_REASONS),
    ("sync_conflicts", "kind"): ("field", "deleted"),
}

# Amounts, counts and durations that the domain never lets go below zero (or one).
MINIMUM: dict[tuple[str, str], int] = {
    ("sectors", "qualification_threshold_cents"): 0,
    ("categories", "floor_price_cents"): 0,
    ("leads", "budget_cents"): 0,
    ("leads", "qualified_budget_cents"): 0,
    ("leads", "interest_score"): 0,
    ("leads", "max_providers"): 1,
    ("leads", "number"): 1,
    ("journey_events", "duration_seconds"): 0,
    ("call_attempts", "duration_seconds"): 0,
    ("providers", "closing_rate_percent"): 0,
    ("provider_zones", "radius_km"): 0,
    ("contract_versions", "number"): 1,
    ("contract_versions", "notice_days"): 0,
    ("contract_versions", "sharing_level"): 1,
    ("contract_versions", "cap_leads"): 0,
    ("contract_versions", "cap_cents"): 0,
    ("contract_versions", "package_fee_cents"): 0,
    ("contract_versions", "package_leads"): 0,
    ("contract_versions", "payment_days"): 0,
    ("contract_prices", "price_cents"): 0,
    ("contract_zones", "radius_km"): 0,
    ("lead_sales", "price_cents"): 0,
    ("payment_reminders", "level"): 1,
    ("payment_reminders", "open_cents"): 0,
    ("payment_reminders", "penalty_cents"): 0,
    ("payment_reminders", "indemnity_cents"): 0,
}
MAXIMUM: dict[tuple[str, str], int] = {
    ("leads", "interest_score"): 100,
    ("providers", "closing_rate_percent"): 100,
    # A working day's call at most: a longer one is a stuck timer.
    ("call_attempts", "duration_seconds"): 24 * 3600,
}


def _stored_as(normalise: Callable[[str], str | None], what: str) -> Callable[[Any], Any]:
    """A check that the value is what `normalise` stores (the service's own normaliser)."""

    def check(value: Any) -> Any:
        if value is None:
            return None
        try:
            stored = normalise(value)
        except ValueError as exc:
            raise PydanticCustomError("domain", str(exc)) from None
        if stored != value:
            raise PydanticCustomError(
                "domain",
                "{what} non normalisé (attendu : {stored})",
                {"what": what, "stored": stored},
            )
        return value

    return check


def _departement(value: Any) -> Any:
    if value is not None and value not in departements():
        raise PydanticCustomError("domain", "département inconnu")
    return value


def _json_text(value: Any) -> Any:
    try:
        json.loads(value)
    except ValueError:
        raise PydanticCustomError("domain", "texte JSON illisible") from None
    return value


def _decimal_text(value: Any) -> Any:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise PydanticCustomError("domain", "nombre décimal illisible") from None
    if not number.is_finite() or number < 0:
        raise PydanticCustomError("domain", "nombre décimal hors limites")
    return value


_PHONE = _stored_as(normalize_phone, "numéro de téléphone")
_POSTCODE = _stored_as(normalize_postcode, "code postal")
DOMAIN_CHECKS: dict[str, Callable[[Any], Any]] = {
    "phone_e164": _PHONE,
    "email": _stored_as(normalize_email, "e-mail"),
    "postcode": _POSTCODE,
    "lead_postcode": _POSTCODE,
    "departement_code": _departement,
    "siren": _stored_as(normalize_siren, "SIREN"),
    "buyer_siren": _stored_as(normalize_siren, "SIREN"),
    "siret": _stored_as(normalize_siret, "SIRET"),
    "vat_number": _stored_as(normalize_vat, "numéro de TVA"),
    "buyer_vat_number": _stored_as(normalize_vat, "numéro de TVA"),
}
# Checks that hold for one table's column only.
TABLE_CHECKS: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("saved_searches", "criteria"): _json_text,
    ("invoice_lines", "vat_percent"): _decimal_text,
}


# -- value types --------------------------------------------------------------------------------


def _text_only(value: Any) -> Any:
    """UUIDs, dates and times travel as text; a number there is not one of them."""
    if not isinstance(value, str):
        raise PydanticCustomError("text_expected", "texte attendu")
    return value


def _clean_text(value: str) -> str:
    """Text the three databases can store: no NUL character, no lone surrogate."""
    if "\x00" in value:
        raise PydanticCustomError("domain", "caractère nul interdit")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("domain", "caractère Unicode invalide") from None
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("domain", "date et heure sans fuseau horaire")
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise PydanticCustomError("domain", "date hors limites")
    return value.astimezone(UTC)


def _bounded(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("domain", "date hors limites")
    return value


def _column_type(spec: SyncedTable, column: Column[Any], nullable: bool) -> Any:
    key = (spec.name, column.name)
    kind = column.type
    checks: list[Any] = []
    if key in ENUMS:
        allowed = ENUMS[key]
        base: Any = Literal[tuple(str(v) for v in allowed)]
    elif isinstance(kind, Uuid):
        base = Annotated[uuid.UUID, BeforeValidator(_text_only), Field(strict=False)]
    elif isinstance(kind, UTCDateTime):
        base = Annotated[
            datetime, BeforeValidator(_text_only), Field(strict=False), AfterValidator(_aware)
        ]
    elif isinstance(kind, Date):
        base = Annotated[
            date, BeforeValidator(_text_only), Field(strict=False), AfterValidator(_bounded)
        ]
    elif isinstance(kind, Boolean):
        base = bool
    elif isinstance(kind, Integer):
        low, high = next(r for t, r in _INTEGER_RANGES.items() if isinstance(kind, t))
        low = max(low, MINIMUM.get(key, low))
        high = min(high, MAXIMUM.get(key, high))
        base = Annotated[int, Field(ge=low, le=high)]
    elif isinstance(kind, Double | Float):
        base = Annotated[float, Field(allow_inf_nan=False)]
    elif isinstance(kind, String):
        length = kind.length or TEXT_MAX_CHARS
        base = Annotated[str, Field(max_length=length), AfterValidator(_clean_text)]
    else:  # Text
        base = Annotated[str, Field(max_length=TEXT_MAX_CHARS), AfterValidator(_clean_text)]
    check = TABLE_CHECKS.get(key) or DOMAIN_CHECKS.get(column.name)
    if check is not None:
        checks.append(AfterValidator(check))
    typed = Annotated[base, *checks] if checks else base
    return typed | None if nullable else typed


def _required(spec: SyncedTable, column: Column[Any]) -> bool:
    """A column an inserted row must carry: no default, no NULL, not filled by the server."""
    return (
        not column.nullable
        and column.default is None
        and column.server_default is None
        and column.name not in spec.derived
        and column.name not in SERVER_FILLED.get(spec.name, frozenset())
    )


def _defaulted(column: Column[Any]) -> bool:
    return column.default is not None or column.server_default is not None


def _pushed_columns(spec: SyncedTable) -> list[Column[Any]]:
    return [
        c
        for c in spec.table.columns
        if c.name in spec.content_columns and c.name not in spec.local_only
    ]


@cache
def row_schema(table: str, inserting: bool) -> type[BaseModel]:
    """The pydantic model of a pushed row of `table` (an insert must carry its required
    columns; an update carries the fields it changed)."""
    spec = BY_NAME[table]
    definitions: dict[str, Any] = {}
    for column in _pushed_columns(spec):
        # A workstation records an insert before the ORM fills the defaults in: None there
        # stands for the column's default (dropped by check_row, filled in by the database).
        typed = _column_type(spec, column, column.nullable or (inserting and _defaulted(column)))
        if inserting and _required(spec, column):
            definitions[f"c_{column.name}"] = (typed, Field(alias=column.name))
        else:
            definitions[f"c_{column.name}"] = (typed, Field(default=None, alias=column.name))
    return create_model(
        f"Pushed_{table}_{'insert' if inserting else 'update'}",
        __config__=ConfigDict(strict=True, extra="forbid", populate_by_name=False),
        **definitions,
    )


def check_row(table: str, fields: dict[str, Any], inserting: bool) -> dict[str, Any]:
    """The pushed fields decoded to column values, or InvalidRow with a French reason."""
    model = row_schema(table, inserting)
    try:
        row = model.model_validate(fields)
    except ValidationError as exc:
        raise InvalidRow(describe(exc)) from None
    values = {name[2:]: getattr(row, name) for name in row.model_fields_set}
    if inserting:
        columns = BY_NAME[table].table.columns
        values = {
            name: value
            for name, value in values.items()
            if value is not None or columns[name].nullable
        }
    return values


# -- French reasons -----------------------------------------------------------------------------

_TYPE_NAMES = {
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "bool_type": "vrai ou faux attendu",
    "float_type": "nombre attendu",
    "string_type": "texte attendu",
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu",
    "literal_error": "valeur non autorisée",
    "uuid_parsing": "identifiant illisible",
    "uuid_type": "identifiant illisible",
    "datetime_parsing": "date et heure illisibles",
    "datetime_from_date_parsing": "date et heure illisibles",
    "datetime_type": "date et heure illisibles",
    "date_parsing": "date illisible",
    "date_from_datetime_parsing": "date illisible",
    "date_from_datetime_inexact": "date attendue, sans heure",
    "date_type": "date illisible",
    "finite_number": "nombre fini attendu",
    "none_required": "valeur interdite",
    "string_unicode": "caractère Unicode invalide",
}


def _reason(error: Any) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if error.get("input", ...) is None:
        return "valeur obligatoire"
    if kind == "string_too_long":
        return f"texte trop long (au plus {context.get('max_length')} caractères)"
    if kind in ("greater_than_equal", "greater_than"):
        return f"valeur trop petite (au moins {context.get('ge', context.get('gt'))})"
    if kind in ("less_than_equal", "less_than"):
        return f"valeur trop grande (au plus {context.get('le', context.get('lt'))})"
    if kind == "literal_error":
        expected = str(context.get("expected", "")).replace(" or ", ", ")
        return f"valeur non autorisée (permises : {expected})"
    if kind in ("domain", "text_expected"):
        return error["msg"]
    return _TYPE_NAMES.get(kind, "valeur invalide")


def describe(exc: ValidationError) -> str:
    """One French sentence naming each refused field and why."""
    reasons: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        # A nullable column reports one error per branch of its union: keep the first.
        reasons.setdefault(field, _reason(error))
    return "Valeurs refusées : " + " ; ".join(
        f"« {field} » : {reason}" for field, reason in reasons.items()
    )


def all_schemas() -> list[type[BaseModel]]:
    """Every table's insert and update models (built at import time by the server)."""
    return [row_schema(t.name, inserting) for t in TABLES for inserting in (True, False)]
