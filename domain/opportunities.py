"""Opportunities (商机) and the pipeline: stages with win rates and exit criteria, moves between
stages, grades and the weighted pipeline (seed 000). No I/O: the service hands in what it read.

A stage's exit criteria must hold before an opportunity *leaves it forward*: moving from stage
i to a later stage j checks the criteria of every open stage from i up to (not including) j, so
skipping ahead cannot skip a check. Moving back, and losing, check nothing; winning is a move
forward past every open stage left.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.errors import DomainError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class OpportunityStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ForecastCategory(StrEnum):
    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"
    OMITTED = "omitted"


class OpportunitySource(StrEnum):
    LEAD = "lead"
    REGISTRATION = "registration"
    IMPORT = "import"
    MANUAL = "manual"


class SpecialKind(StrEnum):
    """Opportunities that need approval before they proceed (seed 001)."""

    KEY_CUSTOMER = "key_customer"
    MULTI_PARTY_BIDDING = "multi_party_bidding"
    CROSS_ZONE = "cross_zone"


class MemberRole(StrEnum):
    SALES = "sales"
    PRESALES = "presales"
    MARKETING = "marketing"
    SERVICE = "service"
    OTHER = "other"


class DocumentKind(StrEnum):
    SOLUTION = "solution"
    PROPOSAL = "proposal"
    TECHNICAL = "technical"
    QUOTE = "quote"
    OTHER = "other"


# the opportunity fields an exit criterion may require, with what "filled" means for each
REQUIRABLE_FIELDS: dict[str, str] = {
    "amount": "金额 / Amount (greater than 0)",
    "expected_close_date": "预计成交日期 / Expected close date",
    "products": "意向产品 / Products of interest",
    "next_step": "下一步 / Next step",
    "description": "描述 / Description",
    "grade": "等级 / Grade",
}


class InvalidStageSet(ValueError):
    """A stage set or exit criteria an admin sent is malformed; the message names the place."""


@dataclass(frozen=True, slots=True)
class ExitCriteria:
    required_fields: tuple[str, ...] = ()
    key_roles: tuple[str, ...] = ()  # decision-chain roles that must be identified
    documents: tuple[str, ...] = ()  # document kinds that must be uploaded
    checklist: tuple[str, ...] = ()  # items someone must tick
    min_contacts: int = 0  # customer contacts in the decision chain

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None, where: str = "exit_criteria") -> ExitCriteria:
        from domain.customers import DecisionRole

        raw = raw or {}
        unknown = set(raw) - {"required_fields", "key_roles", "documents", "checklist", "min_contacts"}
        if unknown:
            raise InvalidStageSet(f"{where}: unknown criteria {', '.join(sorted(unknown))}")

        def strings(name: str, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
            values = raw.get(name) or []
            if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
                raise InvalidStageSet(f"{where}.{name}: expected a list of non-empty strings")
            out = tuple(dict.fromkeys(v.strip() for v in values))
            if allowed is not None:
                bad = [v for v in out if v not in set(allowed)]
                if bad:
                    raise InvalidStageSet(f"{where}.{name}: unknown {', '.join(bad)}")
            return out

        minimum = raw.get("min_contacts", 0)
        if not isinstance(minimum, int) or isinstance(minimum, bool) or not 0 <= minimum <= 50:
            raise InvalidStageSet(f"{where}.min_contacts: expected a whole number from 0 to 50")
        checklist = strings("checklist")
        if any(len(item) > 200 for item in checklist):
            raise InvalidStageSet(f"{where}.checklist: an item is longer than 200 characters")
        return cls(
            required_fields=strings("required_fields", REQUIRABLE_FIELDS),
            key_roles=strings("key_roles", [r.value for r in DecisionRole]),
            documents=strings("documents", [k.value for k in DocumentKind]),
            checklist=checklist,
            min_contacts=minimum,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "required_fields": list(self.required_fields),
            "key_roles": list(self.key_roles),
            "documents": list(self.documents),
            "checklist": list(self.checklist),
            "min_contacts": self.min_contacts,
        }

    @property
    def empty(self) -> bool:
        return not (
            self.required_fields or self.key_roles or self.documents or self.checklist or self.min_contacts
        )


@dataclass(frozen=True, slots=True)
class Stage:
    id: UUID
    code: str
    name: str
    position: int
    kind: StageKind
    win_rate: Decimal  # percent
    forecast_category: str
    criteria: ExitCriteria
    protects_customer: bool = False
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the exit criteria look at on one opportunity."""

    fields: Mapping[str, Any]
    chain_roles: Sequence[str | None]  # each decision-chain contact's role in the deal
    document_kinds: frozenset[str]
    ticked: Mapping[str, Iterable[str]]  # stage code → checklist items ticked


@dataclass(frozen=True, slots=True)
class Missing:
    """One unmet exit criterion, as the 422 lists it."""

    stage: str  # the code of the stage whose criterion it is
    kind: str  # required_field | key_role | document | checklist | min_contacts
    item: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"stage": self.stage, "kind": self.kind, "item": self.item, "message": self.message}


def _filled(name: str, value: Any) -> bool:
    if name == "amount":
        return value is not None and Decimal(value) > 0
    if isinstance(value, (list, tuple, dict, str)):
        return bool(value.strip() if isinstance(value, str) else value)
    return value is not None


ROLE_NAMES = {
    "decision_maker": "决策者 / decision maker",
    "champion": "支持者 / champion",
    "influencer": "影响者 / influencer",
    "user": "使用者 / user",
    "gatekeeper": "把关者 / gatekeeper",
    "other": "其他 / other",
}


def unmet(stage: Stage, snap: Snapshot) -> list[Missing]:
    """What keeps an opportunity in `stage`: every unmet criterion, in a stable order."""
    c = stage.criteria
    out: list[Missing] = []
    for name in c.required_fields:
        if not _filled(name, snap.fields.get(name)):
            out.append(
                Missing(stage.code, "required_field", name, f"填写{REQUIRABLE_FIELDS.get(name, name)}")
            )
    roles = {r for r in snap.chain_roles if r}
    for role in c.key_roles:
        if role not in roles:
            out.append(
                Missing(
                    stage.code, "key_role", role, f"在决策链中确定{ROLE_NAMES.get(role, role)} / identify one"
                )
            )
    for kind in c.documents:
        if kind not in snap.document_kinds:
            out.append(Missing(stage.code, "document", kind, f"上传文档 / upload a {kind} document"))
    ticked = set(snap.ticked.get(stage.code, ()))
    for item in c.checklist:
        if item not in ticked:
            out.append(Missing(stage.code, "checklist", item, f"完成检查项 / tick: {item}"))
    have = len(snap.chain_roles)
    if c.min_contacts and have < c.min_contacts:
        out.append(
            Missing(
                stage.code,
                "min_contacts",
                str(c.min_contacts),
                f"决策链至少 {c.min_contacts} 位客户联系人（现有 {have}）/ at least {c.min_contacts} contacts",
            )
        )
    return out


class StageMoveError(DomainError):
    code = "invalid-stage-move"
    title = "The opportunity cannot move to that stage"


@dataclass(frozen=True, slots=True)
class Move:
    source: Stage
    target: Stage
    checked: tuple[Stage, ...]  # the stages whose exit criteria had to hold
    missing: tuple[Missing, ...]

    @property
    def forward(self) -> bool:
        return self.target.position > self.source.position

    @property
    def allowed(self) -> bool:
        return not self.missing


def plan_move(stages: Sequence[Stage], source: Stage, target: Stage, snap: Snapshot) -> Move:
    """What moving from `source` to `target` takes. Closed opportunities are reopened by moving
    them to an open stage (no criteria); a lost or won stage is an end state."""
    if target.id == source.id:
        raise StageMoveError(f"the opportunity is already in {source.name}")
    if not target.is_active:
        raise StageMoveError(f"{target.name} is no longer in use")
    if target.kind is StageKind.LOST or source.kind is not StageKind.OPEN:
        return Move(source, target, (), ())
    if target.kind is StageKind.OPEN and target.position < source.position:
        return Move(source, target, (), ())  # back: nothing to check
    limit = target.position if target.kind is StageKind.OPEN else 10_000
    passed = tuple(
        s
        for s in sorted(stages, key=lambda s: s.position)
        if s.kind is StageKind.OPEN and s.is_active and source.position <= s.position < limit
    )
    missing = tuple(m for s in passed for m in unmet(s, snap))
    return Move(source, target, passed, missing)


def weighted(amount: Decimal, win_rate: Decimal) -> Decimal:
    """Amount × win rate (percent), to the cent (seed 000: 1,000,000 × 10% = 100,000.00)."""
    return (amount * win_rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def weighted_pipeline(rows: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ amount × win rate over (amount, win rate) pairs: the funnel's weighted value."""
    return sum((weighted(a, r) for a, r in rows), Decimal("0.00"))


def grade_for(amount: Decimal, thresholds: Mapping[str, Any]) -> str:
    """A/B/C by amount (seed 000): at least A's threshold → A, at least B's → B, else C."""
    a, b = thresholds.get("A"), thresholds.get("B")
    if a is not None and amount >= Decimal(str(a)):
        return "A"
    if b is not None and amount >= Decimal(str(b)):
        return "B"
    return "C"


def validate_stage_set(stages: Sequence[Mapping[str, Any]]) -> None:
    """An admin's stage set: unique codes, at least one open stage, exactly one won and one lost
    end state, win rates 0–100 rising along the open stages."""
    if not stages:
        raise InvalidStageSet("stages: a business line needs stages")
    codes = [s["code"] for s in stages]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise InvalidStageSet(f"stages: code {', '.join(dupes)} is used twice")
    kinds = [StageKind(s["kind"]) for s in stages]
    if StageKind.OPEN not in kinds:
        raise InvalidStageSet("stages: at least one open stage is needed")
    for end in (StageKind.WON, StageKind.LOST):
        if kinds.count(end) != 1:
            raise InvalidStageSet(f"stages: exactly one {end.value} stage is needed")
    last = Decimal(-1)
    for i, s in enumerate(stages):
        rate = Decimal(str(s["win_rate"]))
        if not Decimal(0) <= rate <= HUNDRED:
            raise InvalidStageSet(f"stages[{i}].win_rate: between 0 and 100")
        if StageKind(s["kind"]) is StageKind.OPEN:
            if rate < last:
                raise InvalidStageSet(f"stages[{i}].win_rate: open stages' win rates must not fall")
            last = rate
        ExitCriteria.parse(s.get("exit_criteria"), f"stages[{i}].exit_criteria")


@dataclass(frozen=True, slots=True)
class DealData:
    """What winning records (seed 003: the won opportunity becomes a contract)."""

    amount: Decimal
    signed_on: date
    contract_number: str | None = None


@dataclass(slots=True)
class FunnelRow:
    """One stage of the funnel, as analytics aggregates it."""

    stage: Stage
    count: int = 0
    amount: Decimal = Decimal("0.00")
    reached: int = 0  # opportunities that reached this stage or beyond (conversion)
    avg_days: Decimal | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def weighted(self) -> Decimal:
        return weighted(self.amount, self.stage.win_rate)


def conversion(reached_here: int, reached_next: int) -> Decimal | None:
    """Share of the opportunities that reached a stage which went on to the next (percent)."""
    if reached_here == 0:
        return None
    return (Decimal(reached_next) * HUNDRED / Decimal(reached_here)).quantize(CENT, rounding=ROUND_HALF_UP)
