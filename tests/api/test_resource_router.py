"""api.routing.ResourceRouter: a module passes over paths outside its first segments, and still
answers everything it owns (methods, parameters, a path shared with another module)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from api.routing import API_PREFIX, ResourceRouter


def _app() -> FastAPI:
    customers = ResourceRouter(route_class=APIRoute)
    opportunities = ResourceRouter(route_class=APIRoute)
    team = ResourceRouter(route_class=APIRoute)  # a second module under the same first segment
    anything = ResourceRouter(route_class=APIRoute)  # a route starting with a parameter

    @customers.get("/customers/{cid}")
    async def customer(cid: str) -> dict[str, str]:
        return {"module": "customers", "id": cid}

    @opportunities.post("/opportunities/{oid}/stage")
    async def move(oid: str) -> dict[str, str]:
        return {"module": "opportunities", "id": oid}

    @team.get("/opportunities/{oid}/members")
    async def members(oid: str) -> dict[str, str]:
        return {"module": "team", "id": oid}

    @anything.get("/{kind}/summary")
    async def summary(kind: str) -> dict[str, str]:
        return {"module": "anything", "kind": kind}

    v1 = APIRouter(prefix=API_PREFIX)
    for router in (customers, opportunities, team, anything):
        v1.include_router(router)
    app = FastAPI()
    app.include_router(v1)
    return app


async def test_each_path_reaches_its_module_and_only_its_module() -> None:
    app = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get(f"{API_PREFIX}/customers/c1")
        assert r.json() == {"module": "customers", "id": "c1"}
        r = await c.post(f"{API_PREFIX}/opportunities/o1/stage")
        assert r.json() == {"module": "opportunities", "id": "o1"}
        r = await c.get(f"{API_PREFIX}/opportunities/o1/members")
        assert r.json() == {"module": "team", "id": "o1"}
        # the path exists for another method: 405, not 404
        assert (await c.get(f"{API_PREFIX}/opportunities/o1/stage")).status_code == 405
        # a module whose first segment is a parameter is never passed over
        r = await c.get(f"{API_PREFIX}/leads/summary")
        assert r.json() == {"module": "anything", "kind": "leads"}
        assert (await c.get(f"{API_PREFIX}/nothing/here")).status_code == 404
        assert (await c.get("/customers/c1")).status_code == 404  # outside the prefix
