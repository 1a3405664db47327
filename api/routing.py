"""The one transaction boundary of the API (after polar's AutoCommitAPIRoute).

Each request gets one session. The handler runs; if it answers 2xx/3xx the session commits
*before* the response is sent, then the after-commit callbacks run; any error rolls back, so
nothing is half-written. POST requests with an `Idempotency-Key` store their response in the
same transaction (Stripe semantics: same key + same request → same response; same key +
different request → 422).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from api.deps import authenticate_optional
from api.errors import problem
from repositories import idempotency
from repositories.db import run_after_commit

_REPLAYED_HEADERS = ("content-type", "etag", "location")


class TransactionalRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            ctx = request.app.state.ctx
            # reads run in autocommit (one round trip per statement, replica-ready); writes get
            # one transaction
            session = ctx.read_sessions() if request.method in ("GET", "HEAD") else ctx.sessions()
            request.state.session = session
            try:
                key = request.headers.get("idempotency-key") if request.method == "POST" else None
                owner = None
                if key:
                    principal = await authenticate_optional(request)
                    owner = (
                        f"{principal.kind}:{principal.api_key_id or principal.user_id}"
                        if principal
                        else ("anonymous:" + (request.client.host if request.client else "-"))
                    )
                    if len(key) > 255:
                        return problem(
                            422,
                            "Invalid input",
                            "Idempotency-Key is too long",
                            "validation-error",
                            errors=[{"field": "Idempotency-Key", "message": "at most 255 characters"}],
                        )
                    body = _canonical(request.headers.get("content-type", ""), await request.body())
                    digest = hashlib.sha256(
                        request.method.encode()
                        + b" "
                        + request.url.path.encode()
                        + b"?"
                        + request.url.query.encode()
                        + b"\n"
                        + body
                    ).hexdigest()
                    stored = await idempotency.claim(
                        session, owner, key, request.method, request.url.path, digest
                    )
                    if stored is not None:
                        await session.rollback()
                        if stored.request_hash != digest:
                            return problem(
                                422,
                                "Idempotency-Key reused with a different request",
                                "This Idempotency-Key was already used for another request body or path",
                                "idempotency-mismatch",
                                errors=[
                                    {
                                        "field": "Idempotency-Key",
                                        "message": "already used with another request",
                                    }
                                ],
                            )
                        headers = dict(stored.headers or {})
                        headers["Idempotent-Replayed"] = "true"
                        return Response(
                            stored.body or b"", status_code=stored.status_code or 200, headers=headers
                        )
                response = await original(request)
                if response.status_code < 400:
                    if key and owner:
                        await idempotency.complete(
                            session,
                            owner,
                            key,
                            response.status_code,
                            bytes(response.body),
                            {k: v for k, v in response.headers.items() if k in _REPLAYED_HEADERS},
                        )
                    await session.commit()
                    await run_after_commit(session)
                else:
                    await session.rollback()
                return response
            except BaseException:
                await session.rollback()
                raise
            finally:
                await session.close()

        return handler


def _canonical(content_type: str, body: bytes) -> bytes:
    """The body as compared for Idempotency-Key reuse: a multipart upload's boundary is chosen
    afresh by the client on every send, so the same form re-sent must not look different."""
    if content_type.startswith("multipart/"):
        boundary = next(
            (
                p.split("=", 1)[1].strip('"')
                for p in content_type.split(";")
                if p.strip().startswith("boundary=")
            ),
            None,
        )
        if boundary:
            return body.replace(boundary.encode("latin-1"), b"BOUNDARY")
    return body


API_PREFIX = "/api/v1"


class ResourceRouter(APIRouter):
    """A resource module's router (mounted under API_PREFIX), its routes transactional.

    FastAPI tries every route of every included router in turn, and matches the chosen router
    twice; with a few hundred routes that cost 1.5-3 ms per request. A module answers only
    paths whose first segment after the prefix is one of its routes' first segments, so every
    other module is passed over with one set lookup."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", TransactionalRoute)
        super().__init__(**kwargs)
        self._heads: tuple[int, frozenset[str] | None] = (-1, None)

    def _first_segments(self) -> frozenset[str] | None:
        known, heads = self._heads
        if known != len(self.routes):
            segments = {str(getattr(route, "path", "")).lstrip("/").split("/", 1)[0] for route in self.routes}
            # a route starting with a parameter (or with no path) could match anything
            usable = all(seg and "{" not in seg for seg in segments)
            heads = frozenset(segments) if usable else None
            self._heads = (len(self.routes), heads)
        return heads

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        heads = self._first_segments()
        if heads is not None:
            path = scope.get("path", "")
            root = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            if not path.startswith(API_PREFIX + "/"):
                return Match.NONE, {}
            if path[len(API_PREFIX) + 1 :].split("/", 1)[0] not in heads:
                return Match.NONE, {}
        return super().matches(scope)
