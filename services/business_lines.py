"""Business lines (业务线 / 销售流程) and their stage sets, as admins keep them (seed 000: the
1-3-5-7-10 line, the complex-sale line).

A stage set is replaced as a whole, in order: stages sent with an `id` are updated, stages
without one are created, and stages left out go away — deleted when nothing refers to them,
kept inactive when history does (an opportunity, a stage change), refused while open
opportunities still sit there. Every change of the stages bumps the line's version (the
ETag), so two admins editing the same line cannot overwrite each other.

Exactly one line is the default (new opportunities go there unless told otherwise): making a
line the default takes the mark from the previous one; the default line can neither be
deactivated nor deleted.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import DecisionRole
from domain.errors import Conflict, DuplicateRecord, FieldError, NotFound, RuleViolation, check_version
from domain.opportunities import (
    REQUIRABLE_FIELDS,
    ROLE_NAMES,
    DocumentKind,
    ExitCriteria,
    ForecastCategory,
    InvalidStageSet,
    StageKind,
    validate_stage_set,
)
from repositories import business_lines as repo
from repositories.business_lines import StageCount
from repositories.db import advisory_xact_lock
from repositories.models import BusinessLine, PipelineStage
from services.context import Actor
from services.outbox import emit

STANDARD_LINE = uuid.UUID("5a7e0c1e-1e7a-4c55-9d0f-0000000000b1")  # the shipped 1-3-5-7-10 line

DOCUMENT_LABELS = {
    DocumentKind.SOLUTION: "方案 / Solution",
    DocumentKind.PROPOSAL: "提案 / Proposal",
    DocumentKind.TECHNICAL: "技术文档 / Technical",
    DocumentKind.QUOTE: "报价单 / Quote",
    DocumentKind.OTHER: "其他 / Other",
}
FORECAST_LABELS = {
    ForecastCategory.PIPELINE: "管道 / Pipeline",
    ForecastCategory.BEST_CASE: "最佳情况 / Best case",
    ForecastCategory.COMMIT: "承诺 / Commit",
    ForecastCategory.CLOSED: "已成交 / Closed",
    ForecastCategory.OMITTED: "排除 / Omitted",
}
KIND_LABELS = {StageKind.OPEN: "进行中 / Open", StageKind.WON: "赢单 / Won", StageKind.LOST: "输单 / Lost"}


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class CriteriaOptions:
    """What a stage's exit criteria and forecast may name (the stage designer's choices)."""

    required_fields: list[Option]
    key_roles: list[Option]
    documents: list[Option]
    forecast_categories: list[Option]
    stage_kinds: list[Option]


def criteria_options() -> CriteriaOptions:
    return CriteriaOptions(
        required_fields=[Option(k, v) for k, v in REQUIRABLE_FIELDS.items()],
        key_roles=[Option(r.value, ROLE_NAMES.get(r.value, r.value)) for r in DecisionRole],
        documents=[Option(k.value, DOCUMENT_LABELS[k]) for k in DocumentKind],
        forecast_categories=[Option(c.value, FORECAST_LABELS[c]) for c in ForecastCategory],
        stage_kinds=[Option(k.value, KIND_LABELS[k]) for k in StageKind],
    )


@dataclass(frozen=True, slots=True)
class LineView:
    line: BusinessLine
    stages: list[PipelineStage]
    counts: Mapping[uuid.UUID, StageCount]

    def open_count(self, stage_id: uuid.UUID) -> int:
        count = self.counts.get(stage_id)
        return count.open if count else 0


def plain_decimal(value: Decimal) -> str:
    """1E+6 → "1000000", 200000.50 → "200000.5": the stored form of a grade threshold."""
    return format(value.normalize(), "f")


def thresholds(raw: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """A line's stored grade thresholds as Decimals (missing ones left out)."""
    return {k: Decimal(str(v)) for k, v in (raw or {}).items() if k in ("A", "B") and v is not None}


def _check_thresholds(values: Mapping[str, Decimal]) -> dict[str, str]:
    a, b = values["A"], values["B"]
    if b <= 0:
        raise FieldError("grade_thresholds.B", "must be greater than 0")
    if a < b:
        raise FieldError("grade_thresholds.A", "must be at least the B threshold")
    return {"A": plain_decimal(a), "B": plain_decimal(b)}


_STAGE_PATH = re.compile(r"^stages\[(\d+)\]")


def _field_error(exc: InvalidStageSet, index_map: Sequence[int]) -> FieldError:
    """The domain's "stages[2].win_rate: …" as a 422 on the field `stages.<i>.win_rate`, where
    <i> is the index in the list the admin sent."""
    text = str(exc)
    where, _, message = text.partition(": ")
    m = _STAGE_PATH.match(where)
    if m:
        i = int(m.group(1))
        original = index_map[i] if i < len(index_map) else i
        where = f"stages.{original}{where[m.end() :]}"
    return FieldError(where, message or text)


def validate_items(items: Sequence[Mapping[str, Any]]) -> list[ExitCriteria]:
    """The whole set as sent: ids and codes unique, the active stages a valid set (one won,
    one lost, open stages first with rising win rates), every stage's criteria known. Returns
    each item's parsed criteria."""
    seen_ids: dict[uuid.UUID, int] = {}
    seen_codes: dict[str, int] = {}
    for j, item in enumerate(items):
        if item.get("id") is not None:
            if item["id"] in seen_ids:
                raise FieldError(f"stages.{j}.id", f"the same stage as stages.{seen_ids[item['id']]}")
            seen_ids[item["id"]] = j
        if item["code"] in seen_codes:
            raise FieldError(
                f"stages.{j}.code", f"code {item['code']} is used by stages.{seen_codes[item['code']]} too"
            )
        seen_codes[item["code"]] = j
    criteria = []
    for j, item in enumerate(items):
        try:
            criteria.append(ExitCriteria.parse(item.get("exit_criteria"), f"stages[{j}].exit_criteria"))
        except InvalidStageSet as exc:
            raise _field_error(exc, range(len(items))) from exc
    active = [j for j, item in enumerate(items) if item.get("is_active", True)]
    try:
        validate_stage_set([items[j] for j in active])
    except InvalidStageSet as exc:
        raise _field_error(exc, active) from exc
    ended = False
    for j in active:
        kind = StageKind(items[j]["kind"])
        if kind is StageKind.OPEN and ended:
            raise FieldError(f"stages.{j}.kind", "open stages come before the won and lost stages")
        ended = ended or kind is not StageKind.OPEN
    return criteria


class BusinessLineService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    # --- reads ---------------------------------------------------------------------------------

    async def listing(self, active_only: bool = False) -> list[LineView]:
        lines = await repo.all_lines(self.session, active_only)
        ids = [line.id for line in lines]
        rows = await repo.stage_rows(self.session, ids) if ids else []
        counts = await repo.stage_counts(self.session, ids)
        by_line: dict[uuid.UUID, list[PipelineStage]] = {i: [] for i in ids}
        for row in rows:
            by_line[row.business_line_id].append(row)
        return [LineView(line, by_line[line.id], counts) for line in lines]

    async def get(self, line_id: uuid.UUID) -> LineView:
        line = await repo.get(self.session, line_id)
        if line is None:
            raise NotFound("business line", line_id)
        return await self._view(line)

    async def _view(self, line: BusinessLine) -> LineView:
        rows = await repo.stage_rows(self.session, [line.id])
        return LineView(line, rows, await repo.stage_counts(self.session, [line.id]))

    async def _locked(self, line_id: uuid.UUID) -> BusinessLine:
        line = await repo.get_for_update(self.session, line_id)
        if line is None:
            raise NotFound("business line", line_id)
        return line

    # --- line writes ---------------------------------------------------------------------------

    async def _check_unique(
        self, code: str | None, name: str | None, line_id: uuid.UUID | None = None
    ) -> None:
        for other in await repo.by_code_or_name(self.session, code, name):
            if other.id == line_id:
                continue
            if code is not None and other.code == code:
                raise DuplicateRecord("code", f"a business line with code {code} exists", other.id)
            raise DuplicateRecord("name", f"a business line named {name} exists", other.id)

    async def create(self, data: Mapping[str, Any]) -> LineView:
        """A new line; without stages it starts with a copy of the standard line's."""
        await self._check_unique(data["code"], data["name"])
        grades = _check_thresholds(data["grade_thresholds"])
        items = data.get("stages")
        if items is None:
            template = await repo.get(self.session, STANDARD_LINE) or await repo.default_line(self.session)
            rows = await repo.stage_rows(self.session, [template.id]) if template else []
            items = [_copy(r) for r in rows if r.is_active]
        criteria = validate_items(items)
        line = BusinessLine(
            id=uuid.uuid4(),
            code=data["code"],
            name=data["name"],
            description=data.get("description"),
            is_active=True,
            is_default=False,
            position=await repo.next_position(self.session),
            grade_thresholds=grades,
        )
        self.session.add(line)
        await self.session.flush()
        for position, (item, crit) in enumerate(zip(items, criteria, strict=True), start=1):
            self.session.add(_new_stage(line.id, position, item, crit))
        await self.session.flush()
        self._emit(line, "created")
        return await self._view(line)

    async def update(self, line_id: uuid.UUID, changes: Mapping[str, Any], expected: int | None) -> LineView:
        line = await self._locked(line_id)
        check_version(line.version, expected)
        if "name" in changes and changes["name"] != line.name:
            await self._check_unique(None, changes["name"], line.id)
        active = changes.get("is_active", line.is_active)
        if changes.get("is_default") is False and line.is_default:
            raise FieldError(
                "is_default", "one line is always the default: make another line the default instead"
            )
        if changes.get("is_default") and not line.is_default:
            if not active:
                raise FieldError("is_default", "an inactive line cannot be the default")
            await advisory_xact_lock(self.session, "business_lines:default")
            for other in await repo.defaults(self.session):
                other.is_default = False
            await self.session.flush()
            line.is_default = True
        if not active and line.is_default:
            raise FieldError(
                "is_active", "the default line cannot be deactivated: make another line the default first"
            )
        for key in ("name", "description", "is_active", "position"):
            if key in changes:
                setattr(line, key, changes[key])
        if "grade_thresholds" in changes:
            line.grade_thresholds = _check_thresholds(changes["grade_thresholds"])
        await self.session.flush()
        self._emit(line, "updated")
        return await self._view(line)

    async def delete(self, line_id: uuid.UUID) -> None:
        line = await self._locked(line_id)
        if line.is_default:
            raise RuleViolation("the default line cannot be deleted: make another line the default first")
        used = await repo.opportunity_count(self.session, line.id)
        if used:
            raise Conflict(
                f"{used} opportunities use {line.name}; deactivate the line instead", opportunity_count=used
            )
        targets = await repo.target_count(self.session, line.id)
        if targets:
            raise Conflict(
                f"{targets} sales targets are set for {line.name}; deactivate the line instead",
                target_count=targets,
            )
        for row in await repo.stage_rows(self.session, [line.id]):
            await self.session.delete(row)
        await self.session.flush()
        self._emit(line, "deleted")
        await self.session.delete(line)
        await self.session.flush()

    # --- the stage set ---------------------------------------------------------------------------

    async def set_stages(
        self, line_id: uuid.UUID, items: Sequence[Mapping[str, Any]], expected: int | None
    ) -> LineView:
        """Replace the line's stage set with `items`, in order (see the module's docstring)."""
        line = await self._locked(line_id)
        check_version(line.version, expected)
        criteria = validate_items(items)
        existing = {row.id: row for row in await repo.stage_rows(self.session, [line.id])}
        for j, item in enumerate(items):
            if item.get("id") is not None and item["id"] not in existing:
                raise FieldError(f"stages.{j}.id", "no such stage in this business line")
        counts = await repo.stage_counts(self.session, [line.id])
        kept = {item["id"] for item in items if item.get("id") is not None}
        left_out = [row for row in existing.values() if row.id not in kept]

        def still_open(row: PipelineStage) -> None:
            n = counts.get(row.id, StageCount()).open
            if n:
                raise Conflict(
                    f"{n} open opportunities sit in the stage {row.name}; move them to another stage first",
                    stage_id=str(row.id),
                    stage_code=row.code,
                    stage_name=row.name,
                    open_count=n,
                )

        for row in left_out:
            still_open(row)
        for j, item in enumerate(items):
            found = existing.get(item["id"]) if item.get("id") is not None else None
            if found is None:
                continue
            if found.is_active and not item.get("is_active", True):
                still_open(found)
            if StageKind(item["kind"]) != StageKind(found.kind) and counts.get(found.id, StageCount()).total:
                raise Conflict(
                    f"opportunities sit in the stage {found.name}: its kind cannot change",
                    field=f"stages.{j}.kind",
                    stage_id=str(found.id),
                )

        referenced = await repo.referenced_stages(self.session, [row.id for row in left_out])
        changed = False
        retired = sorted((r for r in left_out if r.id in referenced), key=lambda r: r.position)
        for row in left_out:
            if row.id not in referenced:
                await self.session.delete(row)
                changed = True
        await self.session.flush()

        held = {row.code: row for row in retired}
        for j, item in enumerate(items):
            if item["code"] in held:
                raise FieldError(
                    f"stages.{j}.code",
                    f"code {item['code']} belongs to the removed stage {held[item['code']].name}, "
                    "kept inactive because history refers to it",
                )
        # codes swapped between kept stages: park them first (one code per line at any moment)
        current = {row.code: row.id for row in existing.values() if row.id in kept}
        moving = [
            (existing[item["id"]], item["code"])
            for item in items
            if item.get("id") is not None and existing[item["id"]].code != item["code"]
        ]
        if any(current.get(code) not in (None, row.id) for row, code in moving):
            for row, _ in moving:
                row.code = f"~{row.id.hex}"
            await self.session.flush()

        for position, (item, crit) in enumerate(zip(items, criteria, strict=True), start=1):
            found = existing.get(item["id"]) if item.get("id") is not None else None
            if found is None:
                self.session.add(_new_stage(line.id, position, item, crit))
                changed = True
                continue
            values = _values(position, item, crit)
            for key, value in values.items():
                if getattr(found, key) != value:
                    setattr(found, key, value)
                    changed = True
        for position, row in enumerate(retired, start=len(items) + 1):
            if row.is_active or row.position != position:
                row.is_active = False
                row.position = position
                changed = True
        if changed:
            line.updated_at = datetime.now(UTC)  # a new version (ETag) of the line
        await self.session.flush()
        if changed:
            self._emit(line, "stages")
        return await self._view(line)

    def _emit(self, line: BusinessLine, change: str) -> None:
        emit(
            self.session,
            "business_line.changed",
            {"id": line.id, "code": line.code, "name": line.name, "version": line.version, "change": change},
            entity="business_line",
            entity_id=line.id,
            actor_id=self.actor.user_id,
        )


def _values(position: int, item: Mapping[str, Any], criteria: ExitCriteria) -> dict[str, Any]:
    return {
        "code": item["code"],
        "name": item["name"],
        "position": position,
        "kind": StageKind(item["kind"]).value,
        "win_rate": Decimal(str(item["win_rate"])),
        "forecast_category": ForecastCategory(
            item.get("forecast_category") or ForecastCategory.PIPELINE
        ).value,
        "exit_criteria": criteria.to_json(),
        "protects_customer": bool(item.get("protects_customer", False)),
        "is_active": bool(item.get("is_active", True)),
    }


def _new_stage(
    line_id: uuid.UUID, position: int, item: Mapping[str, Any], criteria: ExitCriteria
) -> PipelineStage:
    return PipelineStage(id=uuid.uuid4(), business_line_id=line_id, **_values(position, item, criteria))


def _copy(row: PipelineStage) -> dict[str, Any]:
    """A stage of another line as a new stage's input (the default stage set of a new line)."""
    return {
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "win_rate": row.win_rate,
        "forecast_category": row.forecast_category,
        "exit_criteria": row.exit_criteria,
        "protects_customer": row.protects_customer,
        "is_active": True,
    }
