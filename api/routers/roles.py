"""Roles and their permission rules, and the catalogue of what can be granted."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response, status
from pydantic import BaseModel, Field

from api.deps import Authorize, Ctx, Session
from api.routing import ResourceRouter
from api.schemas import Input, Items
from domain.access import RESOURCES
from domain.scope import SCOPE_NAMES
from repositories.models import Role
from services.roles import RoleService, Rule

router = ResourceRouter(tags=["roles"])

ROLE_NAME = r"^[a-z][a-z0-9_]{1,63}$"


class PolicyIn(Input):
    resource: str = Field(max_length=64)
    action: str = Field(max_length=64)
    scope: str = Field(max_length=16, description="own | team | zone | all")


class PolicyOut(BaseModel):
    resource: str
    action: str
    scope: str


class RoleCreate(Input):
    name: str = Field(pattern=ROLE_NAME, description="slug: lower-case letters, digits, underscore")
    label: str = Field(min_length=1, max_length=100)


class RoleUpdate(Input):
    label: str = Field(min_length=1, max_length=100)


class PoliciesIn(Input):
    policies: list[PolicyIn] = Field(max_length=500)


class RoleOut(BaseModel):
    name: str
    label: str
    builtin: bool
    policies: list[PolicyOut]


class CatalogResource(BaseModel):
    name: str
    actions: list[str]


class CatalogOut(BaseModel):
    resources: list[CatalogResource]
    scopes: list[str]


async def _service(session: Session, ctx: Ctx) -> RoleService:
    return RoleService(session, ctx.access)


Roles = Annotated[RoleService, Depends(_service)]
CanRead = Depends(Authorize("role", "read"))
CanManage = Depends(Authorize("role", "manage"))


def _out(role: Role, rules: list[Rule]) -> RoleOut:
    return RoleOut(
        name=role.name,
        label=role.label,
        builtin=role.builtin,
        policies=[PolicyOut(resource=r, action=a, scope=s) for r, a, s in rules],
    )


@router.get("/roles", operation_id="list_roles", response_model=Items[RoleOut], dependencies=[CanRead])
async def list_roles(roles: Roles) -> Items[RoleOut]:
    return Items[RoleOut](items=[_out(r, rules) for r, rules in await roles.all()])


@router.post(
    "/roles",
    operation_id="create_role",
    response_model=RoleOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[CanManage],
)
async def create_role(body: RoleCreate, roles: Roles, response: Response) -> RoleOut:
    """A new role starts with no rules: it may do nothing until policies are PUT."""
    role, rules = await roles.create(body.model_dump())
    response.headers["Location"] = f"/api/v1/roles/{role.name}"
    return _out(role, rules)


@router.get("/roles/{name}", operation_id="get_role", response_model=RoleOut, dependencies=[CanRead])
async def get_role(name: str, roles: Roles) -> RoleOut:
    return _out(*await roles.get(name))


@router.patch("/roles/{name}", operation_id="update_role", response_model=RoleOut, dependencies=[CanManage])
async def update_role(name: str, body: RoleUpdate, roles: Roles) -> RoleOut:
    return _out(*await roles.update_label(name, body.label))


@router.delete(
    "/roles/{name}",
    operation_id="delete_role",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[CanManage],
)
async def delete_role(name: str, roles: Roles) -> None:
    """Removes the role's rules and takes it from its users; API keys bound to it are revoked.
    Built-in roles cannot be deleted."""
    await roles.delete(name)


@router.put(
    "/roles/{name}/policies",
    operation_id="replace_role_policies",
    response_model=RoleOut,
    dependencies=[CanManage],
)
async def replace_role_policies(name: str, body: PoliciesIn, roles: Roles) -> RoleOut:
    """Replaces the role's whole rule set. Every process applies it within a second."""
    return _out(*await roles.replace_policies(name, [p.model_dump() for p in body.policies]))


@router.get(
    "/permissions/catalog",
    operation_id="permission_catalog",
    response_model=CatalogOut,
    dependencies=[CanRead],
)
async def permission_catalog() -> CatalogOut:
    return CatalogOut(
        resources=[CatalogResource(name=name, actions=list(actions)) for name, actions in RESOURCES.items()],
        scopes=list(SCOPE_NAMES),
    )
