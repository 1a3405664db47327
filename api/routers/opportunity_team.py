"""Working an opportunity together (seed 002): the cross-department team (跨部门商机团队), the
decision chain (决策链) and the competitors (竞争对手分析), plus the catalogue of known
competitors.

Everything under /opportunities/{id} answers 404 to whoever does not see the opportunity (its
owner's managers by data scope, or its team) and 403 to whoever sees it but may not change it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Query, status
from pydantic import AwareDatetime, Field

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Input, Items, Output, Page, UserRef
from api.schemas_customers import ContactCreate
from domain.customers import Attitude, DecisionRole
from domain.opportunities import MemberRole
from services.competitors import CompetitorService
from services.context import Actor
from services.decision_chain import Chart, DecisionChainService
from services.opportunity_team import OpportunityTeamService

router = ResourceRouter()

# the gate only authenticates and checks the role may read opportunities; OpportunityAccess
# decides per opportunity (404 unseen, 403 seen but not changeable)
Reader = Annotated[Actor, Depends(Authorize("opportunity", "read"))]
Writer = Annotated[Actor, Depends(Authorize("opportunity", "update"))]

Influence = Literal["high", "medium", "low"]
Relationship = Literal["close", "normal", "weak", "unknown"]
BidStatus = Literal["active", "eliminated", "won", "lost"]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. CNY")]
Money = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=2, description='a decimal string, e.g. "1234567.89"')
]


# --- team ---------------------------------------------------------------------------------------


class PersonCard(Output):
    """Shown to everyone who sees the opportunity: teammates share phone and e-mail (seed 002)."""

    user_id: UUID
    display_name: str
    team_name: str | None
    department_name: str | None
    phone: str | None = Field(description="the user's mobile: shown because they are on the team")
    email: str | None = Field(description="shown because they are on the team")
    is_active: bool


class MemberOut(PersonCard):
    role: MemberRole
    note: str | None
    added_by: UserRef | None
    added_at: datetime


class TeamOut(Output):
    owner: PersonCard | None = Field(description="the owner is on the team implicitly (not in items)")
    items: list[MemberOut]


class MemberIn(Input):
    user_id: UUID
    role: MemberRole
    note: str | None = Field(None, max_length=200)


class MemberPatch(Input):
    role: MemberRole = Field(None)  # type: ignore[assignment]
    note: str | None = Field(None, max_length=200)


def _card(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in PersonCard.model_fields}


def _member(row: Any) -> MemberOut:
    return MemberOut.model_validate(
        {
            **_card(row),
            "role": row.role,
            "note": row.note,
            "added_by": {"id": row.added_by, "display_name": row.added_by_name or ""}
            if row.added_by
            else None,
            "added_at": row.added_at,
        }
    )


@router.get(
    "/opportunities/{opportunity_id}/members",
    operation_id="list_opportunity_members",
    response_model=TeamOut,
    tags=["opportunity-team"],
)
async def list_members(opportunity_id: UUID, session: Session, actor: Reader) -> TeamOut:
    """The owner's card and the members', with their phone and e-mail (teammates see each
    other's contact details so they can work together outside the CRM)."""
    owner, members = await OpportunityTeamService(session, actor).team(opportunity_id)
    return TeamOut(
        owner=PersonCard.model_validate(_card(owner)) if owner else None, items=[_member(m) for m in members]
    )


@router.post(
    "/opportunities/{opportunity_id}/members",
    operation_id="add_opportunity_member",
    response_model=MemberOut,
    status_code=status.HTTP_201_CREATED,
    tags=["opportunity-team"],
)
async def add_member(opportunity_id: UUID, body: MemberIn, session: Session, actor: Reader) -> MemberOut:
    """Adds an active user to the team (notified; outbox `opportunity.member_added`). 409 if
    already a member; 422 for the owner (always on the team) or an unknown/inactive user."""
    row = await OpportunityTeamService(session, actor).add(opportunity_id, body.user_id, body.role, body.note)
    return _member(row)


@router.patch(
    "/opportunities/{opportunity_id}/members/{user_id}",
    operation_id="update_opportunity_member",
    response_model=MemberOut,
    tags=["opportunity-team"],
)
async def update_member(
    opportunity_id: UUID, user_id: UUID, body: MemberPatch, session: Session, actor: Reader
) -> MemberOut:
    row = await OpportunityTeamService(session, actor).update(
        opportunity_id, user_id, body.model_dump(exclude_unset=True)
    )
    return _member(row)


@router.delete(
    "/opportunities/{opportunity_id}/members/{user_id}",
    operation_id="remove_opportunity_member",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["opportunity-team"],
)
async def remove_member(opportunity_id: UUID, user_id: UUID, session: Session, actor: Reader) -> None:
    """A member may leave; removing someone else needs the right to update the opportunity."""
    await OpportunityTeamService(session, actor).remove(opportunity_id, user_id)


# --- decision chain -----------------------------------------------------------------------------


class ChainEntryOut(Output):
    id: UUID
    contact_id: UUID
    name: str
    title: str | None
    department: str | None
    mobile: str | None
    email: str | None
    reports_to_id: UUID | None = Field(description="the contact's manager (the customer's org chart)")
    role: DecisionRole | None
    attitude: Attitude | None
    satisfaction: int | None = Field(description="1–5")
    influence: Influence | None
    covered_by_id: UUID | None = Field(description="who on our side covers this contact")
    covered_by_name: str | None
    last_touch_at: datetime | None = Field(
        description="the later of the value set here and the contact's latest follow-up on this customer"
    )
    notes: str | None
    created_at: datetime
    updated_at: datetime


class ChartNode(Output):
    id: UUID = Field(description="the contact id")
    entry_id: UUID
    name: str
    title: str | None
    department: str | None
    role: DecisionRole | None
    attitude: Attitude | None
    influence: Influence | None


class ChartEdge(Output):
    source: UUID = Field(description="the manager's contact id")
    target: UUID = Field(description="the contact id reporting to it")
    direct: bool = Field(description="false: they report through people who are not in the chain")


class ChartOut(Output):
    nodes: list[ChartNode]
    edges: list[ChartEdge]
    roots: list[UUID] = Field(description="contacts with nobody above them in the chain")


class DecisionChainOut(Output):
    items: list[ChainEntryOut]
    chart: ChartOut


class _ChainFields(Input):
    role: DecisionRole | None = None
    attitude: Attitude | None = None
    satisfaction: int | None = Field(None, ge=1, le=5)
    influence: Influence | None = None
    covered_by_id: UUID | None = Field(None, description="the owner or a team member")
    last_touch_at: AwareDatetime | None = None
    notes: str | None = Field(None, max_length=1000)


class ChainEntryIn(_ChainFields):
    """Exactly one of `contact_id` (a contact of the opportunity's customer) or `new_contact`
    (created on the customer, validated like POST /customers/{id}/contacts)."""

    contact_id: UUID | None = None
    new_contact: ContactCreate | None = None


class ChainEntryPatch(_ChainFields):
    pass


def _chart(chart: Chart) -> ChartOut:
    return ChartOut.model_validate({"nodes": chart.nodes, "edges": chart.edges, "roots": chart.roots})


@router.get(
    "/opportunities/{opportunity_id}/decision-chain",
    operation_id="get_decision_chain",
    response_model=DecisionChainOut,
    tags=["decision-chain"],
)
async def get_decision_chain(opportunity_id: UUID, session: Session, actor: Reader) -> DecisionChainOut:
    entries, chart = await DecisionChainService(session, actor).chain(opportunity_id)
    return DecisionChainOut(
        items=[ChainEntryOut.model_validate(e._mapping) for e in entries], chart=_chart(chart)
    )


@router.post(
    "/opportunities/{opportunity_id}/decision-chain",
    operation_id="add_decision_chain_entry",
    response_model=ChainEntryOut,
    status_code=status.HTTP_201_CREATED,
    tags=["decision-chain"],
)
async def add_decision_chain_entry(
    opportunity_id: UUID, body: ChainEntryIn, session: Session, actor: Reader
) -> ChainEntryOut:
    data = body.model_dump(exclude_unset=True, exclude={"new_contact"})
    new_contact = body.new_contact.model_dump(exclude_unset=True) if body.new_contact else None
    row = await DecisionChainService(session, actor).add(opportunity_id, data, new_contact)
    return ChainEntryOut.model_validate(row._mapping)


@router.patch(
    "/opportunities/{opportunity_id}/decision-chain/{entry_id}",
    operation_id="update_decision_chain_entry",
    response_model=ChainEntryOut,
    tags=["decision-chain"],
)
async def update_decision_chain_entry(
    opportunity_id: UUID, entry_id: UUID, body: ChainEntryPatch, session: Session, actor: Reader
) -> ChainEntryOut:
    row = await DecisionChainService(session, actor).update(
        opportunity_id, entry_id, body.model_dump(exclude_unset=True)
    )
    return ChainEntryOut.model_validate(row._mapping)


@router.delete(
    "/opportunities/{opportunity_id}/decision-chain/{entry_id}",
    operation_id="delete_decision_chain_entry",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["decision-chain"],
)
async def delete_decision_chain_entry(
    opportunity_id: UUID, entry_id: UUID, session: Session, actor: Reader
) -> None:
    """Takes the contact out of this deal's chain (the customer's contact stays)."""
    await DecisionChainService(session, actor).remove(opportunity_id, entry_id)


# --- competitors --------------------------------------------------------------------------------


class CompetitorOut(Output):
    id: UUID
    name: str
    website: str | None
    notes: str | None
    open_count: int = Field(description="open opportunities (that you see) it bids on")
    lost_to_count: int = Field(description="opportunities (that you see) lost to it")
    created_at: datetime


class CompetitorIn(Input):
    name: str = Field(min_length=1, max_length=200)
    website: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=5000)


class BidOut(Output):
    id: UUID
    competitor_id: UUID
    name: str = Field(description="the competitor's name")
    product: str | None
    strengths: str | None
    weaknesses: str | None
    relationship: Relationship | None = Field(description="their relationship with the customer")
    quote_amount: Decimal | None = Field(description="their quote, a decimal string")
    quote_currency: str
    status: BidStatus
    created_at: datetime
    updated_at: datetime


class _BidFields(Input):
    product: str | None = Field(None, max_length=200)
    strengths: str | None = Field(None, max_length=1000)
    weaknesses: str | None = Field(None, max_length=1000)
    relationship: Relationship | None = None
    quote_amount: Money | None = None
    quote_currency: Currency = Field(None)  # type: ignore[assignment]
    status: BidStatus = Field(None)  # type: ignore[assignment,arg-type]


class BidIn(_BidFields):
    """Exactly one of `competitor_id` or `competitor_name` (found by its normalised name, or
    created). quote_currency defaults to CNY, status to active."""

    competitor_id: UUID | None = None
    competitor_name: str | None = Field(None, min_length=1, max_length=200)


class BidPatch(_BidFields):
    pass


def _bid(row: Any) -> BidOut:
    entry = row[0]
    return BidOut.model_validate(
        {**{k: getattr(entry, k) for k in BidOut.model_fields if k != "name"}, "name": row.name}
    )


@router.get(
    "/competitors", operation_id="list_competitors", response_model=Page[CompetitorOut], tags=["competitors"]
)
async def list_competitors(
    session: Session,
    actor: Reader,
    q: Annotated[str | None, Query(max_length=100, description="name contains")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[CompetitorOut]:
    """Known competitors by name, with how many open opportunities each bids on and how many
    it won from us (counted over the opportunities the caller sees)."""
    rows, next_cursor = await CompetitorService(session, actor).search(q or None, cursor, limit)
    return Page[CompetitorOut](
        items=[CompetitorOut.model_validate(r._mapping) for r in rows], next_cursor=next_cursor
    )


@router.post(
    "/competitors",
    operation_id="create_competitor",
    response_model=CompetitorOut,
    status_code=status.HTTP_201_CREATED,
    tags=["competitors"],
)
async def create_competitor(body: CompetitorIn, session: Session, actor: Writer) -> CompetitorOut:
    """409 with `existing_id` when a competitor of the same normalised name exists
    (华为技术有限公司 = 华为技术 = ＨＵＡＷＥＩ… case, width, spaces and legal form don't count)."""
    c = await CompetitorService(session, actor).create(body.name, body.website, body.notes)
    return CompetitorOut(
        id=c.id,
        name=c.name,
        website=c.website,
        notes=c.notes,
        open_count=0,
        lost_to_count=0,
        created_at=c.created_at,
    )


@router.get(
    "/opportunities/{opportunity_id}/competitors",
    operation_id="list_opportunity_competitors",
    response_model=Items[BidOut],
    tags=["competitors"],
)
async def list_opportunity_competitors(
    opportunity_id: UUID, session: Session, actor: Reader
) -> Items[BidOut]:
    rows = await CompetitorService(session, actor).entries(opportunity_id)
    return Items[BidOut](items=[_bid(r) for r in rows])


@router.post(
    "/opportunities/{opportunity_id}/competitors",
    operation_id="add_opportunity_competitor",
    response_model=BidOut,
    status_code=status.HTTP_201_CREATED,
    tags=["competitors"],
)
async def add_opportunity_competitor(
    opportunity_id: UUID, body: BidIn, session: Session, actor: Reader
) -> BidOut:
    """409 if the competitor is already listed on the opportunity."""
    row = await CompetitorService(session, actor).add(opportunity_id, body.model_dump(exclude_unset=True))
    return _bid(row)


@router.patch(
    "/opportunities/{opportunity_id}/competitors/{entry_id}",
    operation_id="update_opportunity_competitor",
    response_model=BidOut,
    tags=["competitors"],
)
async def update_opportunity_competitor(
    opportunity_id: UUID, entry_id: UUID, body: BidPatch, session: Session, actor: Reader
) -> BidOut:
    row = await CompetitorService(session, actor).update(
        opportunity_id, entry_id, body.model_dump(exclude_unset=True)
    )
    return _bid(row)


@router.delete(
    "/opportunities/{opportunity_id}/competitors/{entry_id}",
    operation_id="delete_opportunity_competitor",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["competitors"],
)
async def delete_opportunity_competitor(
    opportunity_id: UUID, entry_id: UUID, session: Session, actor: Reader
) -> None:
    await CompetitorService(session, actor).remove(opportunity_id, entry_id)
