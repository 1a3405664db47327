"""Sign-in (OAuth2 password flow), token refresh/rotation, logout and the caller's profile."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Form, Request, status
from pydantic import BaseModel

from api.deps import Ctx, CurrentPrincipal, Session
from api.routing import ResourceRouter
from api.schemas import Input
from services.auth import AuthService
from services.users import UserService

router = ResourceRouter(tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str


class RefreshIn(Input):
    refresh_token: str


class MeUser(BaseModel):
    id: UUID
    username: str
    display_name: str
    mobile: str | None
    email: str | None
    is_active: bool
    team_id: UUID | None
    department_id: UUID | None
    zone_ids: list[UUID]
    manager_id: UUID | None


class MeOut(BaseModel):
    user: MeUser
    roles: list[str]
    permissions: dict[str, dict[str, str]]
    auth: str


async def _service(session: Session, ctx: Ctx) -> AuthService:
    return AuthService(session, ctx.sessions, ctx.codec, ctx.guard, ctx.settings)


Auth = Annotated[AuthService, Depends(_service)]


@router.post("/auth/token", operation_id="auth_token", response_model=TokenOut)
async def token(
    request: Request,
    auth: Auth,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> TokenOut:
    ip = request.client.host if request.client else "unknown"
    pair = await auth.login(username, password, ip)
    return TokenOut(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )


@router.post("/auth/refresh", operation_id="auth_refresh", response_model=TokenOut)
async def refresh(body: RefreshIn, auth: Auth) -> TokenOut:
    pair = await auth.refresh(body.refresh_token)
    return TokenOut(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )


@router.post("/auth/logout", operation_id="auth_logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshIn, auth: Auth) -> None:
    await auth.logout(body.refresh_token)


@router.get("/me", operation_id="me", response_model=MeOut)
async def me(principal: CurrentPrincipal, session: Session, ctx: Ctx) -> MeOut:
    user = await UserService(session, ctx.access).get(principal.user_id)
    perms = ctx.access.permissions(principal)
    return MeOut(
        user=MeUser(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            mobile=user.mobile,
            email=user.email,
            is_active=user.is_active,
            team_id=user.team_id,
            department_id=user.department_id,
            zone_ids=sorted(ctx.access.org.zones_of(user.id)),
            manager_id=ctx.access.org.manager_of(user.id),
        ),
        roles=ctx.access.roles(principal),
        permissions={res: {act: lvl.label for act, lvl in acts.items()} for res, acts in perms.items()},
        auth=principal.kind,
    )
