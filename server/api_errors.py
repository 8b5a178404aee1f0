"""Error answers in French: request validation (422), and the framework's own 404/405.

Every error answer has a French `detail` string (the workstation shows it as is, see
sync/engine.py) and, for validation errors, a machine-readable `errors` list (field, French
message, pydantic error type).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.api_models import ErrorOut, FieldError

log = logging.getLogger(__name__)

INVALID = "Requête invalide"
# At most this many field errors are repeated in the `detail` sentence (all are in `errors`).
DETAIL_ERRORS = 3

_MESSAGES: dict[str, str] = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Champ inconnu.",
    "string_type": "Texte attendu.",
    "string_too_short": "Texte trop court (au moins {min_length} caractères).",
    "string_too_long": "Texte trop long (au plus {max_length} caractères).",
    "string_pattern_mismatch": "Format invalide.",
    "string_unicode": "Texte attendu.",
    "too_short": "Pas assez d'éléments (au moins {min_length}).",
    "too_long": "Trop d'éléments (au plus {max_length}).",
    "int_type": "Nombre entier attendu.",
    "int_parsing": "Nombre entier attendu.",
    "int_from_float": "Nombre entier attendu.",
    "int_parsing_size": "Nombre trop grand.",
    "float_type": "Nombre attendu.",
    "float_parsing": "Nombre attendu.",
    "finite_number": "Nombre fini attendu.",
    "bool_type": "Valeur vrai ou faux attendue.",
    "bool_parsing": "Valeur vrai ou faux attendue.",
    "greater_than": "Valeur trop petite (doit dépasser {gt}).",
    "greater_than_equal": "Valeur trop petite (au moins {ge}).",
    "less_than": "Valeur trop grande (doit rester sous {lt}).",
    "less_than_equal": "Valeur trop grande (au plus {le}).",
    "uuid_type": "Identifiant (UUID) attendu.",
    "uuid_parsing": "Identifiant (UUID) attendu.",
    "uuid_version": "Identifiant (UUID) attendu.",
    "date_type": "Date attendue (AAAA-MM-JJ).",
    "date_parsing": "Date attendue (AAAA-MM-JJ).",
    "date_from_datetime_parsing": "Date attendue (AAAA-MM-JJ).",
    "date_from_datetime_inexact": "Date attendue (AAAA-MM-JJ), sans heure.",
    "datetime_type": "Date et heure attendues (ISO 8601).",
    "datetime_parsing": "Date et heure attendues (ISO 8601).",
    "datetime_from_date_parsing": "Date et heure attendues (ISO 8601).",
    "datetime_object_invalid": "Date et heure attendues (ISO 8601).",
    "enum": "Valeur non autorisée (valeurs possibles : {expected}).",
    "literal_error": "Valeur non autorisée (valeurs possibles : {expected}).",
    "dict_type": "Objet JSON attendu.",
    "model_type": "Objet JSON attendu.",
    "model_attributes_type": "Objet JSON attendu.",
    "list_type": "Liste attendue.",
    "tuple_type": "Liste attendue.",
    "json_invalid": "Corps de requête JSON invalide.",
    "json_type": "Corps de requête JSON invalide.",
}


def french_message(error: dict[str, Any]) -> str:
    """One pydantic error in French; a validator's own (French) message is kept as is."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])
    template = _MESSAGES.get(kind)
    if template is None:
        return "Valeur invalide."
    try:
        return template.format(**{k: str(v) for k, v in context.items()})
    except (KeyError, IndexError):
        return template.split(" (")[0].rstrip(".") + "."


def field_errors(errors: Sequence[Any]) -> list[FieldError]:
    return [
        FieldError(
            field=".".join(str(part) for part in error.get("loc", ())),
            message=french_message(error),
            type=str(error.get("type", "")),
        )
        for error in errors
    ]


def summary(errors: list[FieldError]) -> str:
    parts = [f"{e.field} : {e.message}" if e.field else e.message for e in errors[:DETAIL_ERRORS]]
    more = len(errors) - DETAIL_ERRORS
    if more > 0:
        parts.append(f"et {more} autre(s) erreur(s)")
    return f"{INVALID} — " + " ; ".join(parts) if parts else f"{INVALID}."


_STATUS_MESSAGES = {
    404: "Adresse inconnue.",
    405: "Méthode non autorisée pour cette adresse.",
}


def install_error_handlers(api: FastAPI, json_response: type[Response]) -> None:
    @api.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = field_errors(exc.errors())
        log.info("request refused on %s: %s", request.url.path, [e.type for e in errors])
        body = ErrorOut(detail=summary(errors), errors=errors)
        return json_response(body.model_dump(mode="json"), status_code=422)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail
        if not isinstance(detail, str) or detail == _default_phrase(exc.status_code):
            detail = _STATUS_MESSAGES.get(exc.status_code, "Requête refusée.")
        return json_response({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


def _default_phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
