"""Business lines (业务线) and their stage sets: everyone reads them (the pipeline, the board,
the forms need them); admins create and edit lines and design the stages — win rates, forecast
categories, exit criteria (issue 6, seed 000)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Response, status
from pydantic import Field

from api.deps import Authorize, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Input, Items, Output
from domain.customers import DecisionRole
from domain.opportunities import DocumentKind, ExitCriteria, ForecastCategory, StageKind
from services.business_lines import BusinessLineService, LineView, criteria_options, thresholds
from services.context import Actor

router = ResourceRouter(tags=["business-lines"])

Reader = Annotated[Actor, Depends(Authorize("business_line", "read"))]
Manager = Annotated[Actor, Depends(Authorize("business_line", "manage"))]

CODE = r"^[a-z][a-z0-9_]{1,39}$"
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]


class GradeThresholdsIn(Input):
    """Grades by amount (seed 000): at least A → A, at least B → B, else C. A ≥ B > 0."""

    A: Amount
    B: Amount


class ExitCriteriaIn(Input):
    required_fields: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="opportunity fields that must be filled (criteria-options)",
    )
    key_roles: list[DecisionRole] = Field(
        default_factory=list, max_length=10, description="decision-chain roles that must be identified"
    )
    documents: list[DocumentKind] = Field(
        default_factory=list, max_length=10, description="document kinds that must be uploaded"
    )
    checklist: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20, description="items someone must tick"
    )
    min_contacts: int = Field(0, ge=0, le=50, description="customer contacts in the decision chain")


class PipelineStageIn(Input):
    id: UUID | None = Field(None, description="an existing stage of the line to update; absent: a new stage")
    code: str = Field(pattern=CODE, description="lower-case letters, digits, _; unique in the line")
    name: str = Field(min_length=1, max_length=100)
    kind: StageKind = StageKind.OPEN
    win_rate: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2, description="percent")
    forecast_category: ForecastCategory = ForecastCategory.PIPELINE
    exit_criteria: ExitCriteriaIn = Field(default_factory=ExitCriteriaIn)
    protects_customer: bool = Field(
        False, description="an opportunity here keeps its customer out of recycling"
    )
    is_active: bool = True


class PipelineStagesIn(Input):
    stages: list[PipelineStageIn] = Field(min_length=1, max_length=30, description="the whole set, in order")


class BusinessLineIn(Input):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    grade_thresholds: GradeThresholdsIn
    stages: list[PipelineStageIn] | None = Field(
        None, min_length=1, max_length=30, description="absent: a copy of the standard line's stages"
    )


class BusinessLineUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    is_active: bool | None = None
    is_default: bool | None = Field(
        None, description="true makes this the default line (the previous one stops being it)"
    )
    position: int | None = Field(None, ge=0, le=1000)
    grade_thresholds: GradeThresholdsIn | None = None


class ExitCriteriaOut(Output):
    required_fields: list[str]
    key_roles: list[str]
    documents: list[str]
    checklist: list[str]
    min_contacts: int


class PipelineStageOut(Output):
    id: UUID
    code: str
    name: str
    position: int
    kind: StageKind
    win_rate: Decimal = Field(description="percent, a decimal string")
    forecast_category: ForecastCategory
    exit_criteria: ExitCriteriaOut
    protects_customer: bool
    is_active: bool
    open_count: int = Field(description="open opportunities sitting in the stage")


class GradeThresholdsOut(Output):
    A: Decimal | None = None
    B: Decimal | None = None


class BusinessLineOut(Output):
    id: UUID
    code: str
    name: str
    description: str | None
    is_active: bool
    is_default: bool
    position: int
    grade_thresholds: GradeThresholdsOut
    version: int
    created_at: datetime
    updated_at: datetime
    stages: list[PipelineStageOut]


class CriteriaOption(Output):
    value: str
    label: str


class CriteriaOptionsOut(Output):
    required_fields: list[CriteriaOption]
    key_roles: list[CriteriaOption]
    documents: list[CriteriaOption]
    forecast_categories: list[CriteriaOption]
    stage_kinds: list[CriteriaOption]


def _out(view: LineView) -> dict[str, Any]:
    line = view.line
    return {
        **{k: getattr(line, k) for k in ("id", "code", "name", "description", "is_active", "is_default")},
        "position": line.position,
        "grade_thresholds": thresholds(line.grade_thresholds),
        "version": line.version,
        "created_at": line.created_at,
        "updated_at": line.updated_at,
        "stages": [
            {
                **{k: getattr(s, k) for k in ("id", "code", "name", "position", "kind", "win_rate")},
                "forecast_category": s.forecast_category,
                "exit_criteria": ExitCriteria.parse(s.exit_criteria).to_json(),
                "protects_customer": s.protects_customer,
                "is_active": s.is_active,
                "open_count": view.open_count(s.id),
            }
            for s in view.stages
        ],
    }


def _stages(items: list[PipelineStageIn]) -> list[dict[str, Any]]:
    return [i.model_dump() for i in items]


@router.get("/business-lines", operation_id="list_business_lines", response_model=Items[BusinessLineOut])
async def list_lines(session: Session, actor: Reader, active: bool = False) -> dict[str, Any]:
    """Every line with its stages in order (inactive stages included: opportunities may still
    sit there) and each stage's open opportunities; `active=true`: active lines only."""
    return {"items": [_out(v) for v in await BusinessLineService(session, actor).listing(active)]}


@router.get(
    "/business-lines/criteria-options",
    operation_id="business_line_criteria_options",
    response_model=CriteriaOptionsOut,
)
async def options(_: Reader) -> Any:
    """What exit criteria may require (fields, decision-chain roles, document kinds), the
    forecast categories and the stage kinds, with labels."""
    return criteria_options()


@router.post(
    "/business-lines",
    operation_id="create_business_line",
    response_model=BusinessLineOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_line(
    body: BusinessLineIn, session: Session, actor: Manager, response: Response
) -> dict[str, Any]:
    data = body.model_dump(exclude={"stages"})
    data["stages"] = _stages(body.stages) if body.stages is not None else None
    view = await BusinessLineService(session, actor).create(data)
    response.headers["ETag"] = etag(view.line.version)
    return _out(view)


@router.get("/business-lines/{line_id}", operation_id="get_business_line", response_model=BusinessLineOut)
async def get_line(line_id: UUID, session: Session, actor: Reader, response: Response) -> dict[str, Any]:
    view = await BusinessLineService(session, actor).get(line_id)
    response.headers["ETag"] = etag(view.line.version)
    return _out(view)


@router.patch(
    "/business-lines/{line_id}", operation_id="update_business_line", response_model=BusinessLineOut
)
async def update_line(
    line_id: UUID,
    body: BusinessLineUpdate,
    session: Session,
    actor: Manager,
    expected: IfMatch,
    response: Response,
) -> dict[str, Any]:
    """Setting `is_default` takes the mark from the previous default line; the default line
    cannot be deactivated."""
    changes = {
        k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "description"
    }
    view = await BusinessLineService(session, actor).update(line_id, changes, expected)
    response.headers["ETag"] = etag(view.line.version)
    return _out(view)


@router.delete(
    "/business-lines/{line_id}", operation_id="delete_business_line", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_line(line_id: UUID, session: Session, actor: Manager) -> Response:
    """Only a line no opportunity (and no sales target) uses; otherwise 409: deactivate it."""
    await BusinessLineService(session, actor).delete(line_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/business-lines/{line_id}/stages",
    operation_id="set_business_line_stages",
    response_model=BusinessLineOut,
)
async def set_stages(
    line_id: UUID,
    body: PipelineStagesIn,
    session: Session,
    actor: Manager,
    expected: IfMatch,
    response: Response,
) -> dict[str, Any]:
    """The whole stage set in order (positions become 1..n): stages with an `id` are updated,
    without one created; a stage left out is deleted when nothing refers to it, kept inactive
    when history does, and refused (409) while open opportunities sit there. The line's version
    (If-Match / ETag) changes with every edit of its stages."""
    view = await BusinessLineService(session, actor).set_stages(line_id, _stages(body.stages), expected)
    response.headers["ETag"] = etag(view.line.version)
    return _out(view)
