"""Admin settings: customer rules (min contacts) and the five customer tiers (客户分层)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import Field

from api.deps import Authorize, Session
from api.routing import TransactionalRoute
from api.schemas import Input, Items, Output
from repositories import settings as settings_repo
from services.context import Actor
from services.settings import SettingsService

router = APIRouter(tags=["settings"], route_class=TransactionalRoute)


class CustomerRules(Output):
    min_contacts_enterprise: int = Field(description="enterprise customers need at least this many contacts")


class CustomerRulesUpdate(Input):
    min_contacts_enterprise: int = Field(ge=0, le=20)


class TierOut(Output):
    code: str
    name: str
    sort_order: int
    no_follow_up_days: int


class TierUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=50)
    no_follow_up_days: int | None = Field(None, ge=1, le=3650)


@router.get("/settings/customer-rules", operation_id="get_customer_rules", response_model=CustomerRules)
async def get_rules(
    session: Session, _: Annotated[Actor, Depends(Authorize("setting", "read"))]
) -> CustomerRules:
    return CustomerRules.model_validate(await SettingsService(session).customer_rules())


@router.put("/settings/customer-rules", operation_id="update_customer_rules", response_model=CustomerRules)
async def put_rules(
    body: CustomerRulesUpdate, session: Session, _: Annotated[Actor, Depends(Authorize("setting", "update"))]
) -> CustomerRules:
    return CustomerRules.model_validate(
        await SettingsService(session).update_customer_rules(body.model_dump())
    )


@router.get("/customer-tiers", operation_id="list_customer_tiers", response_model=Items[TierOut])
async def list_tiers(  # reference data for every customer form and filter: customer:read
    session: Session, _: Annotated[Actor, Depends(Authorize("customer", "read"))]
) -> Items[TierOut]:
    return Items[TierOut](items=[TierOut.model_validate(t) for t in await settings_repo.tiers(session)])


@router.patch("/customer-tiers/{code}", operation_id="update_customer_tier", response_model=TierOut)
async def update_tier(
    body: TierUpdate,
    session: Session,
    _: Annotated[Actor, Depends(Authorize("setting", "update"))],
    code: Annotated[str, Path(pattern=r"^[A-Z]$")],
) -> TierOut:
    tier = await SettingsService(session).update_tier(code, body.model_dump(exclude_unset=True))
    return TierOut.model_validate(tier)
