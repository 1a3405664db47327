"""The bare baseline for the HTTP benchmark: FastAPI + an asyncpg pool, no auth, no ORM, no
scope. Run with the same uvicorn settings as the real app:

    DATABASE_URL=... uvicorn bench.bare_app:create_app --factory --workers 1
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
from fastapi import FastAPI, Request, Response

_COLUMNS = (
    "id, kind, name, name_bigrams, short_name, industry, uscc, country, province_code, city_code, district_code, "
    "address, size, company_type, phone, fax, email, website, parent_id, gender, birthday, mobile, id_type, "
    "id_number, occupation, position, education, owner_id, zone_id, level, tier, notes, last_followed_up_at, "
    "created_by, created_at, updated_at, version"
)
ONE = f"SELECT {_COLUMNS} FROM customers WHERE id = $1"
PAGE = (
    "SELECT " + ", ".join(f"c.{c.strip()}" for c in _COLUMNS.split(",")) + ", u.display_name AS owner_name, "
    "z.name AS zone_name FROM customers c LEFT JOIN users u ON u.id = c.owner_id "
    "LEFT JOIN sales_zones z ON z.id = c.zone_id WHERE c.owner_id = $1 "
    "ORDER BY c.updated_at DESC, c.id DESC LIMIT $2"
)


def _json(data: object, status_code: int = 200) -> Response:
    # asyncpg's UUIDs are not uuid.UUID for orjson: default=str
    return Response(orjson.dumps(data, default=str), status_code=status_code, media_type="application/json")


def _url() -> str:
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/crm_bench")
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            _url(),
            min_size=2,
            max_size=20,
            server_settings={"timezone": "UTC", "application_name": "crm-bench-bare"},
        )
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/customers/{customer_id}")
    async def get_customer(customer_id: uuid.UUID, request: Request) -> Response:
        row = await request.app.state.pool.fetchrow(ONE, customer_id)
        if row is None:
            return _json({"detail": "not found"}, status_code=404)
        return _json(dict(row))

    @app.get("/customers")
    async def list_customers(owner_id: uuid.UUID, request: Request, limit: int = 50) -> Response:
        rows = await request.app.state.pool.fetch(PAGE, owner_id, limit + 1)
        cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            raw = orjson.dumps([{"t": last["updated_at"].isoformat()}, str(last["id"])])
            cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return _json({"items": [dict(r) for r in rows], "next_cursor": cursor})

    return app
