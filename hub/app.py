"""The hub's HTTP API (Starlette). JSON in and out; request bodies may be gzip-compressed
(Content-Encoding: gzip) and responses are gzip-compressed when the client accepts it.

  POST /v1/enrol                   {code, station_id, public_key} -> {workshop_id, workshop, key_id}
  POST /v1/events                  {events: [...]} -> {accepted, duplicates, rejected, acked_up_to,
                                   head: {seq, hash}}  (the station's chain head the hub holds)
  GET  /v1/events?after=C&limit=N  -> {events, next_cursor, more}
  GET  /v1/devices/lookup?serial=S | ?imei=I -> {query, history: [{workshop, type, date}]}
  GET  /v1/health                  -> {status, schema}

Every request but enrol and health is signed by the station key (see hub.protocol).
A refused request answers {error, reason} with its HTTP status and stores nothing."""

from __future__ import annotations

import json
import zlib
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench_app.errors import BenchError
from hub import protocol, service
from hub.db import HubDB
from hub.service import HubRefusal, StationIdentity


async def _raw_body(request: Request) -> bytes:
    """The body as sent, refused past MAX_BODY_BYTES without reading the rest."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            too_big = int(declared) > protocol.MAX_BODY_BYTES
        except ValueError:
            raise HubRefusal(400, "bad_request", "Content-Length is not a number") from None
        if too_big:
            raise HubRefusal(413, "too_large", _too_large())
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > protocol.MAX_BODY_BYTES:
            raise HubRefusal(413, "too_large", _too_large())
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> str:
    return f"the request is larger than {protocol.MAX_BODY_BYTES // (1024 * 1024)} MiB"


def _decoded(request: Request, raw: bytes) -> bytes:
    """The body decompressed, never past MAX_BODY_BYTES (a small gzip bomb stays small)."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise HubRefusal(415, "bad_encoding", f"unsupported Content-Encoding {encoding!r}")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, protocol.MAX_BODY_BYTES + 1)
    except zlib.error as exc:
        raise HubRefusal(400, "bad_gzip", f"the gzip body cannot be read: {exc}") from None
    if len(out) > protocol.MAX_BODY_BYTES or inflater.unconsumed_tail:
        raise HubRefusal(413, "too_large", _too_large() + " once decompressed")
    if not inflater.eof:
        raise HubRefusal(400, "bad_gzip", "the gzip body is truncated")
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HubRefusal(400, "bad_json", f"malformed JSON: {exc}") from None


def _target(request: Request) -> str:
    query = request.scope.get("query_string", b"").decode("latin-1")
    path = str(request.scope["path"])
    return f"{path}?{query}" if query else path


async def _station(request: Request, raw: bytes) -> StationIdentity:
    db: HubDB = request.app.state.db
    headers = {k.lower(): v for k, v in request.headers.items()}
    return await run_in_threadpool(
        service.authenticate, db, request.method, _target(request), headers, raw
    )


def _int_param(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise HubRefusal(400, "bad_request", f"{name} must be a whole number") from None
    if value < 0:
        raise HubRefusal(400, "bad_request", f"{name} must not be negative")
    return value


async def enrol(request: Request) -> Response:
    raw = await _raw_body(request)
    body = _json(_decoded(request, raw))
    result = await run_in_threadpool(service.enrol, request.app.state.db, body)
    return JSONResponse(result, status_code=201)


async def push_events(request: Request) -> Response:
    raw = await _raw_body(request)
    station = await _station(request, raw)
    events = service.parse_push(_json(_decoded(request, raw)))
    result = await run_in_threadpool(service.push, request.app.state.db, station, events)
    return JSONResponse(result.to_json())


async def pull_events(request: Request) -> Response:
    raw = await _raw_body(request)
    station = await _station(request, raw)
    after = _int_param(request, "after", 0)
    limit = _int_param(request, "limit", protocol.DEFAULT_PULL_LIMIT)
    result = await run_in_threadpool(service.pull, request.app.state.db, station, after, limit)
    return JSONResponse(result)


async def lookup_device(request: Request) -> Response:
    raw = await _raw_body(request)
    await _station(request, raw)
    asked = [k for k in ("serial", "imei") if request.query_params.get(k)]
    if len(asked) != 1:
        raise HubRefusal(400, "bad_request", "give exactly one of serial or imei")
    kind = asked[0]
    result = await run_in_threadpool(
        service.lookup_device, request.app.state.db, kind, request.query_params[kind]
    )
    return JSONResponse(result)


async def health(request: Request) -> Response:
    version = await run_in_threadpool(request.app.state.db.schema_version)
    return JSONResponse({"status": "ok", "schema": version})


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubRefusal)
    return JSONResponse({"error": exc.code, "reason": exc.reason}, status_code=exc.status)


async def _bench_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BenchError)
    return JSONResponse({"error": exc.code, "reason": exc.message.en}, status_code=503)


def create_app(db: HubDB) -> Starlette:
    """The hub's web application on this database (the caller closes the database)."""
    app = Starlette(
        routes=[
            Route("/v1/enrol", enrol, methods=["POST"]),
            Route("/v1/events", push_events, methods=["POST"]),
            Route("/v1/events", pull_events, methods=["GET"]),
            Route("/v1/devices/lookup", lookup_device, methods=["GET"]),
            Route("/v1/health", health, methods=["GET"]),
        ],
        middleware=[Middleware(GZipMiddleware, minimum_size=1024)],
        exception_handlers={HubRefusal: _refused, BenchError: _bench_error},
    )
    app.state.db = db
    return app
