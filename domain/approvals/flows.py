"""Approval flows: the kinds, enums and errors, the facts a request is judged on, conditions,
flow definitions (steps, approver specs, modes) and choosing the flow for a request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.errors import Conflict, PermissionDenied, RuleViolation

# --- enums ------------------------------------------------------------------------------------


class RequestKind(StrEnum):
    CUSTOMER_LEVEL_CHANGE = "customer_level_change"
    CUSTOMER_FINANCE_CHANGE = "customer_finance_change"
    SPECIAL_OPPORTUNITY = "special_opportunity"
    SAMPLE = "sample"
    QUOTE = "quote"
    CONTRACT = "contract"
    CONTRACT_CHANGE = "contract_change"
    PAYMENT = "payment"


class Mode(StrEnum):
    ANY = "any"  # 或签: the first decision closes the step
    ALL = "all"  # 会签: everyone must approve, one rejection rejects


class ApproverKind(StrEnum):
    USERS = "users"  # named users
    ROLE = "role"  # everyone with a role, company-wide (e.g. finance)
    TEAM_ROLE = "team_role"  # users with a role in the applicant's team
    ZONE_ROLE = "zone_role"  # users with a role in the request's zone (e.g. the zone's legal)
    MANAGER = "manager"  # the applicant's manager, or `levels` up the management chain
    OWNER_MANAGER = "owner_manager"  # the record owner's manager
    PREVIOUS_APPROVER_MANAGER = "previous_approver_manager"  # managers of who approved the last step


class SelfApproval(StrEnum):
    SKIP = "skip"  # the applicant is dropped from the approvers
    AUTO_APPROVE = "auto_approve"  # the applicant's approval is recorded automatically


class RejectTarget(StrEnum):
    APPLICANT = "applicant"  # the request ends REJECTED; the applicant may resubmit
    PREVIOUS_STEP = "previous_step"  # the previous decided step opens again


class Operator(StrEnum):
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    EQ = "eq"
    NE = "ne"
    IN = "in"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class StepOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    SKIPPED = "skipped"
    WITHDRAWN = "withdrawn"


# --- errors -----------------------------------------------------------------------------------


class InvalidFlow(RuleViolation):
    code = "invalid-approval-flow"
    title = "Invalid approval flow"


class RequestNotPending(Conflict):
    code = "approval-not-pending"
    title = "The approval request is no longer pending"


class AlreadyDecided(Conflict):
    """The approver already decided this step, or the step they were asked for was decided by
    someone else meanwhile (two approvers of an any-of step at once: one counts, one gets 409)."""

    code = "approval-already-decided"
    title = "Already decided"


class NotAnApprover(PermissionDenied):
    code = "not-an-approver"
    title = "You are not an approver of this step"


class NotTheApplicant(PermissionDenied):
    code = "not-the-applicant"
    title = "Only the applicant may do this"


class ApproverNotAllowed(RuleViolation):
    """Delegating to / adding someone who cannot approve (inactive, on leave, the applicant,
    already on the step)."""

    code = "approver-not-allowed"
    title = "This user cannot approve this step"


# --- facts and conditions ---------------------------------------------------------------------


def _no_float(value: object, what: str) -> None:
    if isinstance(value, float):
        raise TypeError(f"{what}: use Decimal, never float")


@dataclass(frozen=True, slots=True)
class Facts:
    """What flows and step conditions look at. Money and percentages are Decimal."""

    kind: str
    amount: Decimal | None = None
    category: str | None = None
    customer_level: str | None = None
    zone_id: UUID | None = None
    discount_pct: Decimal | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _no_float(self.amount, "amount")
        _no_float(self.discount_pct, "discount_pct")
        for name, value in self.extra.items():
            _no_float(value, name)

    def get(self, name: str) -> Any:
        if name in _FACT_FIELDS:
            return getattr(self, name)
        return self.extra.get(name)


_FACT_FIELDS = frozenset({"kind", "amount", "category", "customer_level", "zone_id", "discount_pct"})


@dataclass(frozen=True, slots=True)
class Condition:
    """`field operator value`, e.g. Condition("amount", Operator.GT, Decimal("1000000")).
    A fact that is missing (None) never satisfies a condition."""

    field: str
    op: Operator
    value: Any

    def __post_init__(self) -> None:
        if self.op is Operator.IN:
            if not isinstance(self.value, tuple | frozenset):
                raise InvalidFlow(f"condition on {self.field}: `in` takes a tuple or frozenset")
            for v in self.value:
                _no_float(v, self.field)
        else:
            _no_float(self.value, self.field)

    def holds(self, facts: Facts) -> bool:
        actual = facts.get(self.field)
        if actual is None:
            return False
        match self.op:
            case Operator.GT:
                return bool(actual > self.value)
            case Operator.GTE:
                return bool(actual >= self.value)
            case Operator.LT:
                return bool(actual < self.value)
            case Operator.LTE:
                return bool(actual <= self.value)
            case Operator.EQ:
                return bool(actual == self.value)
            case Operator.NE:
                return bool(actual != self.value)
            case Operator.IN:
                return actual in self.value
        raise AssertionError(self.op)  # pragma: no cover


def all_hold(conditions: Iterable[Condition], facts: Facts) -> bool:
    return all(c.holds(facts) for c in conditions)


@dataclass(frozen=True, slots=True)
class FlowMatch:
    """Which requests of the flow's kind it applies to; each part optional (None = any).
    Amounts and discounts are half-open ranges: `min <= value < max`."""

    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    categories: frozenset[str] | None = None
    customer_levels: frozenset[str] | None = None
    zone_ids: frozenset[UUID] | None = None
    discount_min: Decimal | None = None
    discount_max: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("amount_min", "amount_max", "discount_min", "discount_max"):
            _no_float(getattr(self, name), name)

    def matches(self, facts: Facts) -> bool:
        return (
            _in_range(facts.amount, self.amount_min, self.amount_max)
            and _in_range(facts.discount_pct, self.discount_min, self.discount_max)
            and _in_set(facts.category, self.categories)
            and _in_set(facts.customer_level, self.customer_levels)
            and _in_set(facts.zone_id, self.zone_ids)
        )


def _in_range(value: Decimal | None, low: Decimal | None, high: Decimal | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value < high)


def _in_set(value: object, allowed: frozenset[Any] | None) -> bool:
    return allowed is None or value in allowed


# --- flow definitions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApproverSpec:
    kind: ApproverKind
    user_ids: tuple[UUID, ...] = ()
    role: str | None = None
    levels: int = 1

    def __post_init__(self) -> None:
        if self.kind is ApproverKind.USERS and not self.user_ids:
            raise InvalidFlow("named approvers: at least one user")
        if self.kind in (ApproverKind.ROLE, ApproverKind.TEAM_ROLE, ApproverKind.ZONE_ROLE) and not self.role:
            raise InvalidFlow(f"{self.kind} approvers need a role")
        if self.levels < 1:
            raise InvalidFlow("manager levels start at 1")

    @classmethod
    def users(cls, *user_ids: UUID) -> ApproverSpec:
        return cls(ApproverKind.USERS, user_ids=tuple(user_ids))

    @classmethod
    def role_holders(cls, role: str) -> ApproverSpec:
        return cls(ApproverKind.ROLE, role=role)

    @classmethod
    def team_role(cls, role: str) -> ApproverSpec:
        return cls(ApproverKind.TEAM_ROLE, role=role)

    @classmethod
    def zone_role(cls, role: str) -> ApproverSpec:
        return cls(ApproverKind.ZONE_ROLE, role=role)

    @classmethod
    def manager(cls, levels: int = 1) -> ApproverSpec:
        return cls(ApproverKind.MANAGER, levels=levels)

    @classmethod
    def owner_manager(cls) -> ApproverSpec:
        return cls(ApproverKind.OWNER_MANAGER)

    @classmethod
    def previous_approver_manager(cls) -> ApproverSpec:
        return cls(ApproverKind.PREVIOUS_APPROVER_MANAGER)


@dataclass(frozen=True, slots=True)
class Step:
    approvers: tuple[ApproverSpec, ...]  # their union, in order, de-duplicated
    mode: Mode = Mode.ANY
    conditions: tuple[Condition, ...] = ()  # all must hold, else the step is skipped
    time_limit_hours: int | None = None
    escalate_to_manager: bool = False
    reject_to: RejectTarget = RejectTarget.APPLICANT
    self_approval: SelfApproval = SelfApproval.SKIP
    name: str = ""

    def __post_init__(self) -> None:
        if not self.approvers:
            raise InvalidFlow("a step needs at least one approver rule")
        if self.time_limit_hours is not None and self.time_limit_hours <= 0:
            raise InvalidFlow("a time limit is a positive number of hours")
        if self.escalate_to_manager and self.time_limit_hours is None:
            raise InvalidFlow("escalation needs a time limit")


@dataclass(frozen=True, slots=True)
class Flow:
    """One version of a flow. Editing a flow makes a new value with a higher version."""

    id: UUID
    kind: str
    steps: tuple[Step, ...]
    version: int = 1
    priority: int = 0
    match: FlowMatch = field(default_factory=FlowMatch)
    name: str = ""

    def __post_init__(self) -> None:
        if not self.steps:
            raise InvalidFlow("a flow needs at least one step")
        if self.version < 1:
            raise InvalidFlow("versions start at 1")

    def applies_to(self, facts: Facts) -> bool:
        return self.kind == facts.kind and self.match.matches(facts)


def select_flow(flows: Iterable[Flow], facts: Facts) -> Flow | None:
    """The matching flow with the highest priority; ties go to the latest version, then the
    lowest id, so the choice never depends on the order the flows were loaded in."""
    matching = [f for f in flows if f.applies_to(facts)]
    if not matching:
        return None
    return min(matching, key=lambda f: (-f.priority, -f.version, f.id))
