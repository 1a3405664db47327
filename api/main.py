"""The FastAPI application: /api/v1 routers plus the built SPA."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, ORJSONResponse, Response
from fastapi.staticfiles import StaticFiles

from api import errors, openapi
from api import logging as api_logging
from api.context import build_context
from api.routers import (
    analytics,
    api_keys,
    approval_flows,
    approvals,
    assignment_rules,
    audit_log,
    auth,
    business_lines,
    contacts,
    customer_levels,
    customers,
    imports,
    lead_forms,
    leads,
    notifications,
    opportunities,
    opportunity_team,
    opportunity_work,
    org,
    pipeline,
    pools,
    regions,
    roles,
    tags,
    tasks,
    users,
    webhooks,
)
from api.routers import (
    settings as settings_router,
)
from api.routing import API_PREFIX
from config import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
GC_THRESHOLD = 20_000


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    api_logging.configure(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ctx = await build_context(settings)
        # What startup built (the routes, the ORM mappers, the policies) lives as long as the
        # process: out of the collector's reach, and collections less often. A request allocates
        # thousands of objects; at the default threshold (700) the collector ran several times
        # per request and a full pass over everything paused a request by milliseconds.
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, 20, 20)
        try:
            yield
        finally:
            await app.state.ctx.close()

    app = FastAPI(
        title="L2C CRM API",
        version="1.0.0",
        description="Leads-to-Cash sales CRM. Errors are RFC 9457 problem+json; lists use keyset "
        "pagination ({items, next_cursor}); writes accept Idempotency-Key; updates accept If-Match.",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    errors.install(app)
    openapi.install(app)
    app.add_middleware(api_logging.RequestLogMiddleware)

    v1 = APIRouter(prefix=API_PREFIX)
    for module in (
        auth,
        users,
        regions,
        customers,
        contacts,
        tags,
        audit_log,
        org,
        roles,
        api_keys,
        settings_router,
        leads,
        lead_forms,
        assignment_rules,
        analytics,
        imports,
        notifications,
        pools,
        customer_levels,
        webhooks,
        approval_flows,
        approvals,
        business_lines,
        opportunities,
        opportunity_team,
        pipeline,
        opportunity_work,
        tasks,
    ):
        v1.include_router(module.router)

    @v1.get("/health", tags=["system"], operation_id="health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(v1)
    _mount_spa(app, ROOT / settings.frontend_dist)
    return app


def _mount_spa(app: FastAPI, dist: Path) -> None:
    """Serve the built SPA; every non-API path falls back to index.html (client routing)."""
    index = dist / "index.html"
    root = dist.resolve()
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def spa(path: str) -> Response:
        if path.startswith("api/"):
            return ORJSONResponse(
                {"type": "https://l2c-crm.dev/problems/not-found", "title": "Not found", "status": 404},
                status_code=404,
                media_type="application/problem+json",
            )
        candidate = root / path
        if path and ".." not in path.split("/") and candidate.is_file():  # noqa: ASYNC240 (stat only)
            return FileResponse(candidate)
        if index.is_file():  # noqa: ASYNC240
            return FileResponse(index)
        return ORJSONResponse({"detail": "SPA not built: run `make frontend`"}, status_code=404)
