"""Request limits enforced before any endpoint runs: body size per endpoint, strict JSON.

The body-size limit is a plain ASGI middleware: it reads the body itself (trusting neither a
Content-Length nor its absence), answers 413 once the endpoint's limit is passed, and hands
the buffered body to the application otherwise. FastAPI would buffer it anyway before
validating it, so nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
MIB = 1024 * KIB

# A web form: a description of at most DESCRIPTION_MAX characters (up to 6 bytes each once
# JSON-escaped) and a journey of at most JOURNEY_MAX_STEPS steps fit well under this.
INTAKE_BODY_LIMIT = 256 * KIB
# A push of 500 operations (the batch cap), each at most a lead's worth of fields.
PUSH_BODY_LIMIT = 16 * MIB
# Every other endpoint takes a few identifiers or a date.
DEFAULT_BODY_LIMIT = 128 * KIB

BODY_LIMITS: dict[str, int] = {
    "/api/v1/sync/push": PUSH_BODY_LIMIT,
    "/api/v1/intake/leads": INTAKE_BODY_LIMIT,
}

# Past the limit the rest of the body is still read (and dropped) so that the client, which
# writes its whole body before reading the answer, gets the 413 instead of a reset
# connection; beyond this much the connection is simply closed.
DRAIN_LIMIT = 64 * MIB


def body_limit(path: str) -> int:
    return BODY_LIMITS.get(path, DEFAULT_BODY_LIMIT)


def too_large_message(limit: int) -> str:
    return f"Requête trop volumineuse : au plus {limit // KIB} Kio pour cette adresse."


class BodySizeLimit:
    """413 for a request body larger than its endpoint's limit."""

    def __init__(self, app: ASGIApp, limits: Callable[[str], int] = body_limit) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits(scope["path"])
        declared = _content_length(scope)
        chunks: list[bytes] = []
        size = 0
        too_large = declared is not None and declared > limit
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            more = message.get("more_body", False)
            if size > limit:
                too_large = True
            if too_large:
                if size > DRAIN_LIMIT:
                    break
                continue
            chunks.append(chunk)
        if too_large:
            await _refuse(send, limit, close=more)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int, close: bool) -> None:
    body = orjson.dumps({"detail": too_large_message(limit)})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class StrictJSONRequest(Request):
    """A request whose JSON body is parsed by orjson: a lone surrogate, NaN or Infinity is a
    decoding error (422) instead of a string the database cannot store or a number no column
    holds. orjson's error is a json.JSONDecodeError, which FastAPI turns into a 422."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


# Paths whose handler checks every value itself: the push refuses a bad operation alone (a
# lone surrogate in one operation must not fail its whole batch, sync.wire_schema refuses it).
PER_OPERATION_PATHS = frozenset({"/api/v1/sync/push"})


class PerOperationJSONRequest(Request):
    """A body read by the standard parser, which keeps lone surrogates, NaN and Infinity for
    the handler to refuse per operation; bytes that are not UTF-8 are a decoding error (422)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise json.JSONDecodeError("body is not UTF-8", "", exc.start) from None
            self._json = json.loads(text)
        return self._json


class StrictJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.path in PER_OPERATION_PATHS:

            async def per_operation(request: Request) -> Response:
                return await handler(PerOperationJSONRequest(request.scope, request.receive))

            return per_operation

        async def strict(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict
