"""Organisation: departments (tree), sales zones (战区) and teams (tree within a zone)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query, Response, status
from pydantic import Field, StringConstraints

from api.deps import Authorize, Ctx, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Input, Items, Output, Page, UserRef
from repositories.models import Department
from services.context import Actor
from services.org import OrgService, TeamView, ZoneView

router = ResourceRouter()

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ZoneCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


async def _service(session: Session, ctx: Ctx) -> OrgService:
    return OrgService(session, ctx.access)


Org = Annotated[OrgService, Depends(_service)]


# --- departments ----------------------------------------------------------------------------


class DepartmentCreate(Input):
    name: Name
    parent_id: UUID | None = None


class DepartmentUpdate(Input):
    name: Name = Field(None)  # type: ignore[assignment]
    parent_id: UUID | None = None


class DepartmentOut(Output):
    id: UUID
    name: str
    parent_id: UUID | None
    version: int


def _department(dept: Department, response: Response) -> DepartmentOut:
    response.headers["ETag"] = etag(dept.version)
    return DepartmentOut.model_validate(dept)


@router.get(
    "/departments", tags=["departments"], operation_id="list_departments", response_model=Items[DepartmentOut]
)
async def list_departments(
    org: Org, _: Annotated[Actor, Depends(Authorize("department", "read"))]
) -> Items[DepartmentOut]:
    """The whole tree (flat, each node with its parent_id)."""
    return Items[DepartmentOut](items=[DepartmentOut.model_validate(d) for d in await org.departments()])


@router.post(
    "/departments",
    tags=["departments"],
    operation_id="create_department",
    response_model=DepartmentOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_department(
    body: DepartmentCreate,
    org: Org,
    _: Annotated[Actor, Depends(Authorize("department", "create"))],
    response: Response,
) -> DepartmentOut:
    dept = await org.create_department(body.model_dump())
    response.headers["Location"] = f"/api/v1/departments/{dept.id}"
    return _department(dept, response)


@router.get(
    "/departments/{department_id}",
    tags=["departments"],
    operation_id="get_department",
    response_model=DepartmentOut,
)
async def get_department(
    department_id: UUID,
    org: Org,
    _: Annotated[Actor, Depends(Authorize("department", "read"))],
    response: Response,
) -> DepartmentOut:
    return _department(await org.department(department_id), response)


@router.patch(
    "/departments/{department_id}",
    tags=["departments"],
    operation_id="update_department",
    response_model=DepartmentOut,
)
async def update_department(
    department_id: UUID,
    body: DepartmentUpdate,
    org: Org,
    _: Annotated[Actor, Depends(Authorize("department", "update"))],
    expected: IfMatch,
    response: Response,
) -> DepartmentOut:
    dept = await org.update_department(department_id, body.model_dump(exclude_unset=True), expected)
    return _department(dept, response)


@router.delete(
    "/departments/{department_id}",
    tags=["departments"],
    operation_id="delete_department",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_department(
    department_id: UUID, org: Org, _: Annotated[Actor, Depends(Authorize("department", "delete"))]
) -> None:
    await org.delete_department(department_id)


# --- sales zones ----------------------------------------------------------------------------


class _ZoneFields(Input):
    province_codes: list[RegionCode] = Field(
        default_factory=list, max_length=100, description="GB/T 2260 province codes (level 1)"
    )
    city_codes: list[RegionCode] = Field(
        default_factory=list, max_length=500, description="GB/T 2260 city codes (level 2)"
    )
    leader_id: UUID | None = Field(None, description="an active user who leads the zone")
    weekly_quota: int = Field(
        500, ge=0, le=1_000_000, description="customers a manager may allocate per week"
    )


class ZoneCreate(_ZoneFields):
    name: Name
    code: ZoneCode


class ZoneUpdate(_ZoneFields):
    name: Name = Field(None)  # type: ignore[assignment]
    code: ZoneCode = Field(None)  # type: ignore[assignment]
    province_codes: list[RegionCode] = Field(None, max_length=100)  # type: ignore[assignment, arg-type]
    city_codes: list[RegionCode] = Field(None, max_length=500)  # type: ignore[assignment, arg-type]
    weekly_quota: int = Field(None, ge=0, le=1_000_000)  # type: ignore[assignment]


class ZoneOut(Output):
    id: UUID
    name: str
    code: str
    province_codes: list[str]
    city_codes: list[str]
    leader: UserRef | None
    weekly_quota: int
    created_at: datetime
    version: int


def _zone(view: ZoneView) -> ZoneOut:
    zone, leader_name = view
    return ZoneOut(
        id=zone.id,
        name=zone.name,
        code=zone.code,
        province_codes=list(zone.province_codes or []),
        city_codes=list(zone.city_codes or []),
        leader=UserRef(id=zone.leader_id, display_name=leader_name or "") if zone.leader_id else None,
        weekly_quota=zone.weekly_quota,
        created_at=zone.created_at,
        version=zone.version,
    )


def _zone_one(view: ZoneView, response: Response) -> ZoneOut:
    response.headers["ETag"] = etag(view[0].version)
    return _zone(view)


@router.get(
    "/sales-zones", tags=["sales-zones"], operation_id="list_sales_zones", response_model=Page[ZoneOut]
)
async def list_sales_zones(
    org: Org,
    actor: Annotated[Actor, Depends(Authorize("sales_zone", "read"))],
    q: Annotated[str | None, Query(max_length=100, description="part of the name or code")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[ZoneOut]:
    rows, next_cursor = await org.zones(actor, q=q, cursor=cursor, limit=limit)
    return Page[ZoneOut](items=[_zone(v) for v in rows], next_cursor=next_cursor)


@router.post(
    "/sales-zones",
    tags=["sales-zones"],
    operation_id="create_sales_zone",
    response_model=ZoneOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_sales_zone(
    body: ZoneCreate,
    org: Org,
    _: Annotated[Actor, Depends(Authorize("sales_zone", "create"))],
    response: Response,
) -> ZoneOut:
    view = await org.create_zone(body.model_dump())
    response.headers["Location"] = f"/api/v1/sales-zones/{view[0].id}"
    return _zone_one(view, response)


@router.get(
    "/sales-zones/{zone_id}", tags=["sales-zones"], operation_id="get_sales_zone", response_model=ZoneOut
)
async def get_sales_zone(
    zone_id: UUID,
    org: Org,
    actor: Annotated[Actor, Depends(Authorize("sales_zone", "read"))],
    response: Response,
) -> ZoneOut:
    return _zone_one(await org.zone(actor, zone_id), response)


@router.patch(
    "/sales-zones/{zone_id}", tags=["sales-zones"], operation_id="update_sales_zone", response_model=ZoneOut
)
async def update_sales_zone(
    zone_id: UUID,
    body: ZoneUpdate,
    org: Org,
    actor: Annotated[Actor, Depends(Authorize("sales_zone", "update"))],
    expected: IfMatch,
    response: Response,
) -> ZoneOut:
    view = await org.update_zone(actor, zone_id, body.model_dump(exclude_unset=True), expected)
    return _zone_one(view, response)


@router.delete(
    "/sales-zones/{zone_id}",
    tags=["sales-zones"],
    operation_id="delete_sales_zone",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_sales_zone(
    zone_id: UUID, org: Org, actor: Annotated[Actor, Depends(Authorize("sales_zone", "delete"))]
) -> None:
    await org.delete_zone(actor, zone_id)


# --- teams ----------------------------------------------------------------------------------


class TeamCreate(Input):
    name: Name
    zone_id: UUID
    parent_id: UUID | None = Field(None, description="parent team, in the same sales zone")
    manager_id: UUID | None = Field(None, description="an active user who manages the team")


class TeamUpdate(Input):
    name: Name = Field(None)  # type: ignore[assignment]
    zone_id: UUID = Field(None, description="only for a team without members or sub-teams")  # type: ignore[assignment]
    parent_id: UUID | None = None
    manager_id: UUID | None = None


class TeamOut(Output):
    id: UUID
    name: str
    zone_id: UUID
    parent_id: UUID | None
    manager: UserRef | None
    member_count: int
    version: int


def _team(view: TeamView) -> TeamOut:
    team, manager_name, members = view
    return TeamOut(
        id=team.id,
        name=team.name,
        zone_id=team.zone_id,
        parent_id=team.parent_id,
        manager=UserRef(id=team.manager_id, display_name=manager_name or "") if team.manager_id else None,
        member_count=members,
        version=team.version,
    )


def _team_one(view: TeamView, response: Response) -> TeamOut:
    response.headers["ETag"] = etag(view[0].version)
    return _team(view)


@router.get("/teams", tags=["teams"], operation_id="list_teams", response_model=Items[TeamOut])
async def list_teams(
    org: Org,
    actor: Annotated[Actor, Depends(Authorize("team", "read"))],
    zone_id: UUID | None = None,
) -> Items[TeamOut]:
    """Every visible team (flat tree: each with its parent_id), optionally of one zone."""
    return Items[TeamOut](items=[_team(v) for v in await org.teams(actor, zone_id)])


@router.post(
    "/teams",
    tags=["teams"],
    operation_id="create_team",
    response_model=TeamOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_team(
    body: TeamCreate,
    org: Org,
    actor: Annotated[Actor, Depends(Authorize("team", "create"))],
    response: Response,
) -> TeamOut:
    view = await org.create_team(actor, body.model_dump())
    response.headers["Location"] = f"/api/v1/teams/{view[0].id}"
    return _team_one(view, response)


@router.get("/teams/{team_id}", tags=["teams"], operation_id="get_team", response_model=TeamOut)
async def get_team(
    team_id: UUID, org: Org, actor: Annotated[Actor, Depends(Authorize("team", "read"))], response: Response
) -> TeamOut:
    return _team_one(await org.team(actor, team_id), response)


@router.patch("/teams/{team_id}", tags=["teams"], operation_id="update_team", response_model=TeamOut)
async def update_team(
    team_id: UUID,
    body: TeamUpdate,
    org: Org,
    actor: Annotated[Actor, Depends(Authorize("team", "update"))],
    expected: IfMatch,
    response: Response,
) -> TeamOut:
    view = await org.update_team(actor, team_id, body.model_dump(exclude_unset=True), expected)
    return _team_one(view, response)


@router.delete(
    "/teams/{team_id}", tags=["teams"], operation_id="delete_team", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_team(
    team_id: UUID, org: Org, actor: Annotated[Actor, Depends(Authorize("team", "delete"))]
) -> None:
    await org.delete_team(actor, team_id)
