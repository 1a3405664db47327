"""GB/T 2260 regions for cascading selects (SPA, mobile, integrations)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Items, Output
from repositories import regions as regions_repo

router = ResourceRouter(tags=["regions"])


class RegionOut(Output):
    code: str
    name: str
    level: int
    parent_code: str | None


@router.get(
    "/regions",
    operation_id="list_regions",
    response_model=Items[RegionOut],
    dependencies=[Depends(Authorize("region", "read"))],
)
async def list_regions(
    session: Session,
    response: Response,
    parent_code: Annotated[str | None, Query(max_length=12, pattern=r"^\d{6}$")] = None,
) -> Items[RegionOut]:
    """Provinces when `parent_code` is absent; else the children of that code."""
    response.headers["Cache-Control"] = "private, max-age=86400"
    rows = await regions_repo.children_of(session, parent_code)
    return Items[RegionOut](items=[RegionOut.model_validate(r) for r in rows])
