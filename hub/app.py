"""The hub's HTTP API (Starlette). JSON in and out; request bodies may be gzip-compressed
(Content-Encoding: gzip) and responses are gzip-compressed when the client accepts it.

  POST /v1/enrol/challenge         {code} -> {challenge, expires_at}
  POST /v1/enrol                   {code, station_id, public_key, challenge, signature, prefix}
                                   -> {workshop_id, workshop, key_id, prefix}
  POST /v1/station/prefix          {prefix} -> {prefix}   (the asset-code prefix it may use)
  POST /v1/events                  {events: [...]} -> {accepted, duplicates, rejected, acked_up_to,
                                   head: {seq, hash}}  (the station's chain head the hub holds)
  GET  /v1/events?after=C&limit=N  -> {events, next_cursor, more}
  GET  /v1/devices/lookup?serial=S | ?imei=I -> {query, history: [{workshop, type, date}]}
  GET  /v1/health                  -> {status, schema}
  GET  /health                     -> 200 {status: "ok", database: "ok", schema, pid} when the
                                   database answers, 503 {status: "unavailable", database:
                                   REASON, pid} when it does not (systemd's check, a proxy's)

Every request but enrolment and health is signed by the station key (see
bench_app/wire/request_signing.py). A refused request answers {error, reason} with its HTTP
status and stores nothing; `error` is a stable code for programs, `reason` an English
sentence for people. Bodies are bounded before they are parsed: size (smaller for the
unsigned enrolment), nesting depth and the number of arrays and objects, so no input can
exhaust the hub's memory or stack."""

from __future__ import annotations

import contextlib
import json
import math
import os
import zlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench_app.errors import BenchError
from bench_app.sync.jsonguard import measure
from hub import protocol, service
from hub.db import HubDB
from hub.service import HubRefusal, StationIdentity

DB_ENV = "ETABLI_HUB_DB"  # the variable `etabli hub` also reads (hub/cli.py)


async def _raw_body(request: Request, limit: int = protocol.MAX_BODY_BYTES) -> bytes:
    """The body as sent, refused past `limit` bytes without reading the rest."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit() and len(declared) <= 18):
            raise HubRefusal(400, "bad_request", "Content-Length is not a number")
        if int(declared) > limit:
            raise HubRefusal(413, "too_large", _too_large(limit))
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise HubRefusal(413, "too_large", _too_large(limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"the request is larger than {limit // (1024 * 1024)} MiB"
    return f"the request is larger than {limit // 1024} KiB"


def _decoded(request: Request, raw: bytes, limit: int = protocol.MAX_BODY_BYTES) -> bytes:
    """The body decompressed, never past `limit` (a small gzip bomb stays small)."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise HubRefusal(415, "bad_encoding", f"unsupported Content-Encoding {encoding!r}")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise HubRefusal(400, "bad_gzip", f"the gzip body cannot be read: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise HubRefusal(413, "too_large", _too_large(limit) + " once decompressed")
    if not inflater.eof:
        raise HubRefusal(400, "bad_gzip", "the gzip body is truncated")
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json(data: bytes) -> Any:
    """The parsed body, after its shape was measured: too deep or too many arrays and
    objects is refused before the parser (or anything walking its result) runs."""
    return _json_deep(data)[0]


def _json_deep(data: bytes) -> tuple[Any, int, bool]:
    """`_json`'s parsed body, how deep it nests and whether every number in it fitted a
    float (a number past a float reads as infinity)."""
    shape = measure(data, max_containers=protocol.MAX_JSON_CONTAINERS)
    if shape.containers > protocol.MAX_JSON_CONTAINERS:
        raise HubRefusal(
            413,
            "too_complex",
            f"the JSON holds more than {protocol.MAX_JSON_CONTAINERS} arrays and objects",
        )
    if shape.depth > protocol.MAX_JSON_DEPTH:
        raise HubRefusal(
            400, "too_deep", f"the JSON nests deeper than {protocol.MAX_JSON_DEPTH} levels"
        )
    try:
        overflow: list[str] = []

        def number(text: str) -> float:  # called for fractions and exponents only
            value = float(text)
            if math.isinf(value):
                overflow.append(text)
            return value

        body = json.loads(data.decode("utf-8"), parse_constant=_no_constant, parse_float=number)
        return body, shape.depth, not overflow
    except (UnicodeDecodeError, ValueError) as exc:  # digits past Python's limit included
        raise HubRefusal(400, "bad_json", f"malformed JSON: {exc}") from None
    except RecursionError:  # measure() bounds depth; this stays a refusal whatever happens
        raise HubRefusal(400, "too_deep", "the JSON nests too deeply") from None


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
    # Digits only, and at most 19 of them: a database integer is 64 bits.
    if not (text.isascii() and text.isdigit()):
        if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
            raise HubRefusal(400, "bad_request", f"{name} must not be negative")
        raise HubRefusal(400, "bad_request", f"{name} must be a whole number")
    digits = text.lstrip("0") or "0"
    value = int(digits) if len(digits) <= 19 else protocol.MAX_INTEGER + 1
    if value > protocol.MAX_INTEGER:
        raise HubRefusal(
            400, "out_of_range", f"{name} must be at most {protocol.MAX_INTEGER} (2^63 - 1)"
        )
    return value


async def _enrol_body(request: Request) -> Any:
    raw = await _raw_body(request, protocol.MAX_ENROL_BODY_BYTES)
    return _json(_decoded(request, raw, protocol.MAX_ENROL_BODY_BYTES))


async def enrol_challenge(request: Request) -> Response:
    body = await _enrol_body(request)
    result = await run_in_threadpool(service.enrol_challenge, request.app.state.db, body)
    return JSONResponse(result, status_code=201)


async def enrol(request: Request) -> Response:
    body = await _enrol_body(request)
    result = await run_in_threadpool(service.enrol, request.app.state.db, body)
    return JSONResponse(result, status_code=201)


async def claim_prefix(request: Request) -> Response:
    raw = await _raw_body(request, protocol.MAX_ENROL_BODY_BYTES)
    station = await _station(request, raw)
    body = _json(_decoded(request, raw, protocol.MAX_ENROL_BODY_BYTES))
    result = await run_in_threadpool(service.claim_prefix, request.app.state.db, station, body)
    return JSONResponse(result)


async def push_events(request: Request) -> Response:
    raw = await _raw_body(request)
    station = await _station(request, raw)
    data = _decoded(request, raw)
    body, depth, finite = _json_deep(data)
    events = service.parse_push(body)
    follows = service.parse_follows(body)
    # if so, values and depths need no second walk
    plain = service.plain_body(data, depth, finite)
    result = await run_in_threadpool(
        service.push, request.app.state.db, station, events, plain=plain, follows=follows
    )
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


async def service_health(request: Request) -> Response:
    """Whether this worker can reach the database now: a query on a pooled connection (a
    broken one is dropped and the next request connects again)."""
    try:
        version = await run_in_threadpool(request.app.state.db.schema_version)
    except Exception as exc:  # any failure to reach the database is "unavailable"
        reason = exc.message.en if isinstance(exc, BenchError) else type(exc).__name__
        return JSONResponse(
            {"status": "unavailable", "database": reason, "pid": os.getpid()}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok", "schema": version, "pid": os.getpid()})


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubRefusal)
    return JSONResponse({"error": exc.code, "reason": exc.reason}, status_code=exc.status)


async def _bench_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BenchError)
    return JSONResponse({"error": exc.code, "reason": exc.message.en}, status_code=503)


async def _internal(request: Request, exc: Exception) -> Response:
    # A bug still answers JSON with a code; the traceback goes to the hub's log only.
    return JSONResponse(
        {"error": "internal", "reason": "the hub failed on this request"}, status_code=500
    )


def create_app(db: HubDB) -> Starlette:
    """The hub's web application on this database (the caller closes the database)."""
    app = Starlette(
        routes=[
            Route("/v1/enrol/challenge", enrol_challenge, methods=["POST"]),
            Route("/v1/enrol", enrol, methods=["POST"]),
            Route("/v1/station/prefix", claim_prefix, methods=["POST"]),
            Route("/v1/events", push_events, methods=["POST"]),
            Route("/v1/events", pull_events, methods=["GET"]),
            Route("/v1/devices/lookup", lookup_device, methods=["GET"]),
            Route("/v1/health", health, methods=["GET"]),
            Route("/health", service_health, methods=["GET"]),
        ],
        # Level 1, as the stations send: the default 9 took 10 ms of the event loop for the
        # answer to a batch of 2,000 events (their ids), for a few percent fewer bytes.
        middleware=[Middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)],
        exception_handlers={HubRefusal: _refused, BenchError: _bench_error, 500: _internal},
    )
    app.state.db = db
    return app


def app_from_environment() -> Starlette:
    """The hub for one worker process of `etabli hub --workers N` (uvicorn's factory): its
    own database connections, from $ETABLI_HUB_DB, closed when the worker stops."""
    db = HubDB(os.environ[DB_ENV])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            db.close()

    app = create_app(db)
    app.router.lifespan_context = lifespan
    return app
