"""Public pools (公海): the pools, their customers, claim / release / lock, allocation, and the
claim rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Query, Response, status
from pydantic import Field, model_validator

from api.deps import Authorize, IfMatch, Session, etag
from api.routers.customers import detail_out
from api.routing import ResourceRouter
from api.schemas import Input, Items, NamedRef, Output, Page
from api.schemas_customers import CustomerOut
from domain.customers import CustomerLevel
from domain.scope import ScopeLevel
from repositories import pools as repo
from repositories.db import after_commit
from services.context import Actor
from services.customer_recycling import CustomerRecyclingService, recycle_rules, update_recycle_rules
from services.customers import CustomerService
from services.pool_admin import PoolAdminService
from services.pools import PoolService, TransferService, pool_rules, update_pool_rules

router = ResourceRouter(tags=["pools"])


class PoolOut(Output):
    id: UUID
    name: str
    zone_id: UUID | None = Field(description="the zone whose pool this is; null: company-wide")
    is_default: bool
    description: str | None
    is_active: bool
    customers: int = Field(description="customers waiting in the pool")
    version: int = Field(description="send it back as If-Match when editing the pool")


class PoolIn(Input):
    name: str = Field(min_length=1, max_length=100)
    zone_id: UUID | None = None
    description: str | None = Field(None, max_length=1000)


class PoolUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=1000)
    is_active: bool | None = Field(None, description="false: deactivate (never a default pool)")
    move_to_pool_id: UUID | None = Field(
        None, description="deactivating a pool that holds customers: the active pool they move to"
    )


class PoolPermissionIn(Input):
    role: str = Field(min_length=1, max_length=64)
    can_view: bool = False
    can_claim: bool = Field(False, description="needs can_view")
    can_allocate: bool = Field(False, description="needs can_view")


class PoolPermissionsIn(Input):
    roles: list[PoolPermissionIn] = Field(
        max_length=100,
        description="only these roles may view / claim / allocate; empty: back to each role's pool policy",
    )


class PoolPermission(Output):
    role: str
    label: str
    can_view: bool
    can_claim: bool
    can_allocate: bool


class PoolPermissions(Output):
    pool_id: UUID
    custom: bool = Field(description="true: the pool's own permissions; false: each role's pool policy")
    roles: list[PoolPermission] = Field(description="every role")


class PoolTargetRuleIn(Input):
    industries: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100, description="empty: any industry"
    )
    tiers: list[Annotated[str, Field(min_length=1, max_length=8)]] = Field(
        default_factory=list, max_length=20, description="customer tier codes; empty: any"
    )
    levels: list[Literal["normal", "KA", "SKA"]] = Field(default_factory=list, description="empty: any level")
    zone_ids: list[UUID] = Field(default_factory=list, max_length=100, description="empty: any zone")
    pool_id: UUID = Field(description="an active pool")


class PoolTargetRule(Output):
    industries: list[str]
    tiers: list[str]
    levels: list[str]
    zone_ids: list[UUID]
    pool_id: UUID


class PoolTargets(Output):
    rules: list[PoolTargetRule] = Field(
        description="in order: the first whose conditions all hold names the pool; none: the "
        "customer's zone's default pool, then the company pool"
    )


class PoolTargetsIn(Input):
    rules: list[PoolTargetRuleIn] = Field(max_length=100)


class PoolCustomer(Output):
    id: UUID
    name: str
    kind: str
    level: str
    tier: str | None
    industry: str | None
    province_code: str | None
    city_code: str | None
    last_followed_up_at: datetime | None
    recycle_count: int
    previous_owner: NamedRef | None = Field(description="shown to managers and above")
    updated_at: datetime


class ReleaseIn(Input):
    reason: str = Field(min_length=1, max_length=500)


class Released(Output):
    customer_id: UUID
    pool_id: UUID | None


class LockIn(Input):
    locked: bool


class AllocateIn(Input):
    user_ids: list[UUID] = Field(min_length=1, max_length=100)
    count: int | None = Field(None, ge=1, le=5000, description="this many customers at random…")
    customer_ids: list[UUID] | None = Field(None, min_length=1, max_length=5000, description="…or these")

    @model_validator(mode="after")
    def _one_of(self) -> AllocateIn:
        if (self.count is None) == (self.customer_ids is None):
            raise ValueError("give either count or customer_ids")
        return self


class AllocateOut(Output):
    allocated: dict[str, list[UUID]] = Field(description="rep id → the customers they received")


class Limits(Output):
    max_owned: int = Field(description="customers a rep may own")
    max_daily_claims: int = Field(description="claims a day (China time)")
    reclaim_cooldown_days: int = Field(description="days before re-claiming a customer that left you")
    max_locked: int = Field(description="locked customers a rep may have")


class LimitsIn(Input):
    max_owned: int | None = Field(None, ge=0, le=100_000)
    max_daily_claims: int | None = Field(None, ge=0, le=10_000)
    reclaim_cooldown_days: int | None = Field(None, ge=0, le=365)
    max_locked: int | None = Field(None, ge=0, le=10_000)


class PoolRules(Output):
    defaults: Limits
    by_role: dict[str, dict[str, int]] = Field(description="role → the limits that differ for it")
    by_user: dict[str, dict[str, int]] = Field(description="user id → the limits that differ for them")


class PoolRulesIn(Input):
    defaults: LimitsIn | None = None
    by_role: dict[str, LimitsIn] | None = None
    by_user: dict[UUID, LimitsIn] | None = None


def _pool(pool: Any, count: int) -> dict[str, Any]:
    return {**{k: getattr(pool, k) for k in PoolOut.model_fields if k != "customers"}, "customers": count}


@router.get("/pools", operation_id="list_pools", response_model=Items[PoolOut])
async def list_pools(
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("pool", "read"))],
    status: Annotated[
        Literal["active", "inactive", "all"],
        Query(description="pool administrators only; everyone else sees active pools"),
    ] = "active",
) -> dict[str, Any]:
    """The pools the caller may see (their zones', and company-wide ones, as the pools' view
    permissions allow), with their sizes."""
    return {"items": [_pool(p, n) for p, n in await PoolService(session, actor).visible(status)]}


@router.post(
    "/pools", operation_id="create_pool", response_model=PoolOut, status_code=status.HTTP_201_CREATED
)
async def create_pool(
    body: PoolIn, session: Session, actor: Annotated[Actor, Depends(Authorize("pool", "manage"))]
) -> dict[str, Any]:
    """An extra pool (e.g. by industry); every zone has its default pool already."""
    return _pool(await PoolService(session, actor).create(body.model_dump()), 0)


@router.patch("/pools/{pool_id}", operation_id="update_pool", response_model=PoolOut)
async def update_pool(
    pool_id: UUID,
    body: PoolUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("pool", "manage"))],
    expected: IfMatch,
    response: Response,
) -> dict[str, Any]:
    """Rename, describe, deactivate or reactivate a pool. A default pool cannot be deactivated
    (422); a pool still holding customers only with `move_to_pool_id` (else 409 with the count);
    a pool target rules send customers to only after the rules change (409)."""
    data = body.model_dump(exclude_unset=True)
    move_to = data.pop("move_to_pool_id", None)
    service = PoolAdminService(session, actor)
    pool = await service.update(pool_id, data, expected, move_to)
    response.headers["ETag"] = etag(pool.version)
    return _pool(pool, await service.count(pool.id))


@router.get(
    "/pools/{pool_id}/permissions", operation_id="get_pool_permissions", response_model=PoolPermissions
)
async def get_pool_permissions(
    pool_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("pool", "manage"))]
) -> dict[str, Any]:
    """公海池权限设置: who may view, claim from and allocate the pool, per role."""
    return await PoolAdminService(session, actor).permissions(pool_id)


@router.put(
    "/pools/{pool_id}/permissions", operation_id="update_pool_permissions", response_model=PoolPermissions
)
async def put_pool_permissions(
    pool_id: UUID,
    body: PoolPermissionsIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("pool", "manage"))],
) -> dict[str, Any]:
    """Replace the pool's permissions: only the roles listed may view / claim / allocate (still
    within their zones and their role's pool policy); an empty list returns the pool to each
    role's pool policy."""
    items = [r.model_dump() for r in body.roles]
    return await PoolAdminService(session, actor).set_permissions(pool_id, items)


@router.get(
    "/pools/{pool_id}/customers", operation_id="list_pool_customers", response_model=Page[PoolCustomer]
)
async def pool_customers(
    pool_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("pool", "read"))],
    level: Literal["normal", "KA", "SKA"] | None = None,
    tier: Annotated[str | None, Query(pattern=r"^[A-Z]$")] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    province_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    city_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    followed_before: datetime | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """What a rep chooses by: level, tier, industry, region, last follow-up, times recycled and
    (for managers and above) the previous owner."""
    filters = {
        "level": level,
        "tier": tier,
        "industry": industry,
        "province_code": province_code,
        "city_code": city_code,
        "followed_before": followed_before,
        "q": q,
    }
    rows, next_cursor = await PoolService(session, actor).customers(pool_id, filters, cursor, limit)
    org = actor.access.org
    show_owner = actor.scope_for("customer", "read").level >= ScopeLevel.TEAM  # managers and above
    items = []
    for r in rows:
        prev = org.users.get(r.previous_owner_id) if r.previous_owner_id and show_owner else None
        items.append(
            {
                **{k: getattr(r, k) for k in PoolCustomer.model_fields if k != "previous_owner"},
                "previous_owner": {"id": prev.id, "name": prev.display_name} if prev else None,
            }
        )
    return {"items": items, "next_cursor": next_cursor}


@router.post("/pools/{pool_id}/allocate", operation_id="allocate_pool_customers", response_model=AllocateOut)
async def allocate(
    pool_id: UUID,
    body: AllocateIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("pool", "allocate"))],
) -> dict[str, Any]:
    """Managers hand N pool customers (or chosen ones) to chosen reps at random and evenly —
    counts differ by at most 1 — within the zone's weekly quota."""
    out = await PoolService(session, actor).allocate(
        pool_id, list(dict.fromkeys(body.user_ids)), body.customer_ids, body.count
    )
    return {"allocated": {str(k): v for k, v in out.items()}}


@router.post("/customers/{customer_id}/claim", operation_id="claim_customer", response_model=CustomerOut)
async def claim_customer(
    customer_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("pool", "claim"))]
) -> dict[str, Any]:
    """Take a customer from a pool you may see (领取), within the claim rules. Of two reps
    claiming one customer at once exactly one wins; the other gets 409."""
    claimed = await PoolService(session, actor).claim(customer_id)
    service = CustomerService(session, actor)
    return await detail_out(service, await service.detail(claimed))


@router.post("/customers/{customer_id}/release", operation_id="release_customer", response_model=Released)
async def release_customer(
    customer_id: UUID,
    body: ReleaseIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "update"))],
) -> dict[str, Any]:
    """Give a customer back (释放), with a reason (kept in its history): to the pool the target
    rules name for it (settings: pool targets), else its zone's pool, else the company pool."""
    customer = await PoolService(session, actor).release(customer_id, body.reason)
    return {"customer_id": customer.id, "pool_id": customer.pool_id}


@router.post("/customers/{customer_id}/lock", operation_id="lock_customer", response_model=CustomerOut)
async def lock_customer(
    customer_id: UUID,
    body: LockIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "update"))],
) -> dict[str, Any]:
    """Lock (exempt from recycling, within the locked-customer cap) or unlock a customer."""
    customer = await PoolService(session, actor).set_lock(customer_id, body.locked)
    service = CustomerService(session, actor)
    return await detail_out(service, await service.detail(customer.id))


@router.get("/settings/pool-rules", operation_id="get_pool_rules", response_model=PoolRules)
async def get_pool_rules(
    session: Session, _: Annotated[Actor, Depends(Authorize("setting", "read"))]
) -> dict[str, Any]:
    return await pool_rules(session)


@router.put("/settings/pool-rules", operation_id="update_pool_rules", response_model=PoolRules)
async def put_pool_rules(
    body: PoolRulesIn, session: Session, actor: Annotated[Actor, Depends(Authorize("setting", "update"))]
) -> dict[str, Any]:
    """Claim rules: the defaults, and limits that differ per role or per user (a group sent
    replaces the stored one; fields left out of `defaults` keep their value)."""
    updated = await update_pool_rules(session, body.model_dump(exclude_none=True))
    after_commit(session, actor.access.reference_changed)  # claims read the cached rules
    return updated


@router.get("/settings/pool-targets", operation_id="get_pool_targets", response_model=PoolTargets)
async def get_pool_targets(
    session: Session, actor: Annotated[Actor, Depends(Authorize("setting", "read"))]
) -> dict[str, Any]:
    return {"rules": await PoolAdminService(session, actor).target_rules()}


@router.put("/settings/pool-targets", operation_id="update_pool_targets", response_model=PoolTargets)
async def put_pool_targets(
    body: PoolTargetsIn, session: Session, actor: Annotated[Actor, Depends(Authorize("setting", "update"))]
) -> dict[str, Any]:
    """Where released and recycled customers go: an ordered list replaced as a whole; each
    condition (industries, tiers, levels, zones) empty means any."""
    rules = [r.model_dump() for r in body.rules]
    return {"rules": await PoolAdminService(session, actor).set_target_rules(rules)}


class RecycleIn(Input):
    dry_run: bool = Field(True, description="list who would be recycled, changing nothing")


class DueCustomer(Output):
    customer_id: UUID
    name: str
    owner_id: UUID
    due_at: datetime
    rule: str


class RecycleOut(Output):
    dry_run: bool
    count: int
    reminded: int = Field(description="owners' customers newly within the reminder period")
    customers: list[DueCustomer] = Field(description="dry run: who would go (first 1,000)")
    by_owner: dict[str, int] = Field(description="run: previous owner → customers recycled")


ProtectionKind = Literal["contract", "opportunity"]


class RecycleRules(Output):
    no_deal_days: int | None = Field(
        description="recycle a customer with no won deal this many days after the claim; null: off "
        "(a tier may set its own)"
    )
    contract_ended_days: int | None = Field(
        description="recycle a customer this many days after its last contract ended; null: off "
        "(a tier may set its own)"
    )
    exempt: list[ProtectionKind] = Field(
        description="protections that keep a customer from recycling: an effective contract, "
        "an opportunity in a late stage"
    )
    remind_days_before: int = Field(description="owners are reminded this many days before")


class RecycleRulesIn(Input):
    no_deal_days: int | None = Field(None, ge=1, le=3650)
    contract_ended_days: int | None = Field(None, ge=0, le=3650)
    exempt: list[ProtectionKind] | None = Field(None, max_length=2)
    remind_days_before: int | None = Field(None, ge=0, le=90)


@router.post("/customers/recycle", operation_id="recycle_customers", response_model=RecycleOut)
async def recycle_customers(
    body: RecycleIn, session: Session, _: Annotated[Actor, Depends(Authorize("setting", "update"))]
) -> dict[str, Any]:
    """Run customer recycling now (admins; the worker runs it nightly at CRM_RECYCLE_AT China
    time). Tier days apply per customer tier (settings: customer tiers); the no-deal rule and the
    reminder notice are the recycle rules. Idempotent: a second run right after finds nothing."""
    run = await CustomerRecyclingService(session).run(dry_run=body.dry_run)
    return {
        "dry_run": run.dry_run,
        "count": run.count,
        "reminded": run.reminded,
        "customers": [
            {"customer_id": r.id, "name": r.name, "owner_id": r.owner_id, "due_at": r.due_at, "rule": r.rule}
            for r in run.preview
        ],
        "by_owner": {str(owner): n for owner, n in run.by_owner},
    }


@router.get("/settings/recycle-rules", operation_id="get_recycle_rules", response_model=RecycleRules)
async def get_recycle_rules(
    session: Session, _: Annotated[Actor, Depends(Authorize("setting", "read"))]
) -> dict[str, Any]:
    return await recycle_rules(session)


@router.put("/settings/recycle-rules", operation_id="update_recycle_rules", response_model=RecycleRules)
async def put_recycle_rules(
    body: RecycleRulesIn, session: Session, actor: Annotated[Actor, Depends(Authorize("setting", "update"))]
) -> dict[str, Any]:
    """Fields left out keep their value; `no_deal_days: null` turns the no-deal rule off."""
    updated = await update_recycle_rules(session, body.model_dump(exclude_unset=True))
    after_commit(session, actor.access.reference_changed)  # "days until recycle" use the rules
    return updated


class LostRow(Output):
    owner: NamedRef
    how: Literal["release", "recycle", "transfer"]
    rule: str | None
    count: int


@router.get("/analytics/lost-customers", operation_id="lost_customers", response_model=Items[LostRow])
async def lost_customers(
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "read"))],
    from_: Annotated[datetime, Query(alias="from")],
    to: datetime,
) -> dict[str, Any]:
    """遗失看板: how many customers the caller (a rep) or the people they manage lost in the
    period, how (released, recycled, transferred) and by which rule."""
    org = actor.access.org
    scope = actor.scope
    if scope.level is ScopeLevel.ALL:
        users = list(org.users)
    elif scope.level is ScopeLevel.OWN:
        users = [actor.user_id]
    else:
        users = sorted(scope.team_user_ids | {u for u in org.users if org.zones_of(u) & set(scope.zone_ids)})
    rows = await repo.lost_by(session, users, from_, to)
    return {
        "items": [
            {
                "owner": {"id": r[0], "name": org.users[r[0]].display_name if r[0] in org.users else "—"},
                "how": r[1],
                "rule": r[2],
                "count": int(r[3]),
            }
            for r in rows
        ]
    }


class TransferFilter(Input):
    levels: list[CustomerLevel] | None = Field(None, max_length=3)
    tiers: list[str] | None = Field(None, max_length=10)
    industries: list[str] | None = Field(None, max_length=50)
    province_codes: list[str] | None = Field(None, max_length=40)


class TransferIn(Input):
    from_user_id: UUID
    to_user_id: UUID
    customer_ids: list[UUID] | None = Field(
        None, min_length=1, max_length=10_000, description="these; left out: all the rep's customers"
    )
    filter: TransferFilter | None = Field(
        None, description="instead of customer_ids: the rep's customers matching all of these"
    )
    with_leads: bool = Field(True, description="their open leads go along")
    reason: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _ids_or_filter(self) -> TransferIn:
        if self.customer_ids is not None and self.filter is not None:
            raise ValueError("give customer_ids or filter, not both")
        return self


class TransferOut(Output):
    customers: list[UUID]
    leads: list[UUID]


@router.post("/customers/transfer", operation_id="transfer_customers", response_model=TransferOut)
async def transfer_customers(
    body: TransferIn, session: Session, actor: Annotated[Actor, Depends(Authorize("customer", "update"))]
) -> dict[str, Any]:
    """A manager moves a rep's customers — all, or chosen ones — to another rep of the teams
    they manage, with their open leads (when someone leaves, or territories change)."""
    where = body.filter.model_dump(exclude_none=True, mode="json") if body.filter else None
    customers, leads = await TransferService(session, actor).transfer(
        body.from_user_id, body.to_user_id, body.customer_ids, body.with_leads, body.reason, where
    )
    return {"customers": customers, "leads": leads}
