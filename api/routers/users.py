"""User administration: accounts, roles, team moves (with history)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query, Response, status
from pydantic import EmailStr, Field, field_validator

from api.deps import Authorize, Ctx, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Input, Items, MobileNumber, NamedRef, Output, Page
from repositories.models import User
from services.context import Actor
from services.users import UserService

router = ResourceRouter(tags=["users"])

USERNAME = r"^[A-Za-z0-9_.\-]{3,64}$"


class _UserFields(Input):
    display_name: str = Field(min_length=1, max_length=100)
    mobile: MobileNumber = None
    email: EmailStr | None = None
    department_id: UUID | None = None
    zone_ids: list[UUID] = Field(default_factory=list, description="sales zones the user covers (directors)")
    roles: list[str] = Field(default_factory=list)


class UserCreate(_UserFields):
    username: str = Field(pattern=USERNAME)
    password: str = Field(min_length=8, max_length=128)
    team_id: UUID | None = None


class UserUpdate(_UserFields):
    display_name: str = Field(None, min_length=1, max_length=100)  # type: ignore[assignment]
    zone_ids: list[UUID] | None = Field(None)  # type: ignore[assignment]
    roles: list[str] | None = Field(None)  # type: ignore[assignment]
    is_active: bool | None = None
    on_leave: bool | None = None

    @field_validator("zone_ids", "roles", "display_name", "is_active", "on_leave")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value

    password: str | None = Field(None, min_length=8, max_length=128)


class UserMove(Input):
    team_id: UUID
    reason: str = Field(min_length=1, max_length=500)


class UserOut(Output):
    id: UUID
    username: str
    display_name: str
    mobile: str | None
    email: str | None
    is_active: bool
    on_leave: bool
    team_id: UUID | None
    department_id: UUID | None
    zone_ids: list[UUID]
    roles: list[str] = []
    manager_id: UUID | None = None
    created_at: datetime
    version: int


class MembershipOut(Output):
    team: NamedRef
    started_at: datetime
    ended_at: datetime | None
    reason: str | None


async def _service(session: Session, ctx: Ctx) -> UserService:
    return UserService(session, ctx.access)


Users = Annotated[UserService, Depends(_service)]


async def _present(users: UserService, rows: list[User]) -> list[UserOut]:
    roles = await users.roles_of([u.id for u in rows])
    out = []
    for user in rows:
        item = UserOut.model_validate(user)
        item.roles = roles[user.id]
        item.manager_id = users.manager_of(user)
        out.append(item)
    return out


async def _one(users: UserService, user: User, response: Response) -> UserOut:
    response.headers["ETag"] = etag(user.version)
    return (await _present(users, [user]))[0]


@router.get("/users", operation_id="list_users", response_model=Page[UserOut])
async def list_users(
    users: Users,
    _: Annotated[Actor, Depends(Authorize("user", "read"))],
    q: Annotated[str | None, Query(max_length=100)] = None,
    team_id: UUID | None = None,
    zone_id: UUID | None = None,
    role: Annotated[str | None, Query(max_length=64)] = None,
    is_active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[UserOut]:
    rows, next_cursor = await users.search(
        q=q, team_id=team_id, zone_id=zone_id, role=role, is_active=is_active, cursor=cursor, limit=limit
    )
    return Page[UserOut](items=await _present(users, rows), next_cursor=next_cursor)


@router.post(
    "/users", operation_id="create_user", response_model=UserOut, status_code=status.HTTP_201_CREATED
)
async def create_user(
    body: UserCreate,
    users: Users,
    actor: Annotated[Actor, Depends(Authorize("user", "create"))],
    response: Response,
) -> UserOut:
    user = await users.create(actor.user_id, body.model_dump(), grantor=actor)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return await _one(users, user, response)


@router.get("/users/{user_id}", operation_id="get_user", response_model=UserOut)
async def get_user(
    user_id: UUID, users: Users, _: Annotated[Actor, Depends(Authorize("user", "read"))], response: Response
) -> UserOut:
    return await _one(users, await users.get(user_id), response)


@router.patch("/users/{user_id}", operation_id="update_user", response_model=UserOut)
async def update_user(
    user_id: UUID,
    body: UserUpdate,
    users: Users,
    actor: Annotated[Actor, Depends(Authorize("user", "update"))],
    expected: IfMatch,
    response: Response,
) -> UserOut:
    user = await users.update(user_id, body.model_dump(exclude_unset=True), expected, grantor=actor)
    return await _one(users, user, response)


@router.post("/users/{user_id}/move", operation_id="move_user", response_model=UserOut)
async def move_user(
    user_id: UUID,
    body: UserMove,
    users: Users,
    actor: Annotated[Actor, Depends(Authorize("user", "update"))],
    response: Response,
) -> UserOut:
    user = await users.move(actor.user_id, user_id, body.team_id, body.reason)
    return await _one(users, user, response)


@router.get(
    "/users/{user_id}/memberships", operation_id="list_user_memberships", response_model=Items[MembershipOut]
)
async def list_memberships(
    user_id: UUID, users: Users, _: Annotated[Actor, Depends(Authorize("user", "read"))]
) -> Items[MembershipOut]:
    rows = await users.memberships(user_id)
    return Items[MembershipOut](
        items=[
            MembershipOut(
                team=NamedRef(id=m.team_id, name=name),
                started_at=m.started_at,
                ended_at=m.ended_at,
                reason=m.reason,
            )
            for m, name in rows
        ]
    )
