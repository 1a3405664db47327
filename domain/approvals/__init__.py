"""Approval chains without a database: flow definitions, approver resolution and the state machine
of a running request (issue 5).

A `Flow` is an immutable value (one version of an admin-defined flow): an ordered list of `Step`s,
chosen for a request by `select_flow` from the request's `Facts`. A running request is an
immutable `ApprovalState` that holds the very `Flow` value it started with, so editing a flow
(which makes a new version) never changes a request in flight. Every transition (`start`,
`decide`, `withdraw`, `delegate`, `add_approver`, `resubmit`, `escalate`) returns a new state or
raises a typed error; the service persists the state, writes the timeline, notifies through the
outbox and, on APPROVED, applies the change.

Organisation lookups go through the small `OrgView` protocol; the service adapts the per-process
org snapshot (`services.authz.OrgSnapshot`) and the role assignments to it.
"""

from domain.approvals.flows import (
    AlreadyDecided,
    ApproverKind,
    ApproverNotAllowed,
    ApproverSpec,
    Condition,
    Decision,
    Facts,
    Flow,
    FlowMatch,
    InvalidFlow,
    Mode,
    NotAnApprover,
    NotTheApplicant,
    Operator,
    RejectTarget,
    RequestKind,
    RequestNotPending,
    RequestStatus,
    SelfApproval,
    Step,
    StepOutcome,
    all_hold,
    select_flow,
)
from domain.approvals.resolution import ApprovalContext, OrgView, Resolution, resolve_approvers
from domain.approvals.runs import (
    ApprovalState,
    StepRun,
    Vote,
    add_approver,
    decide,
    delegate,
    due_at,
    escalate,
    resubmit,
    start,
    withdraw,
)
from domain.approvals.serialize import facts_from_json, facts_to_json, state_from_json, state_to_json

__all__ = [
    "AlreadyDecided",
    "ApprovalContext",
    "ApprovalState",
    "ApproverKind",
    "ApproverNotAllowed",
    "ApproverSpec",
    "Condition",
    "Decision",
    "Facts",
    "Flow",
    "FlowMatch",
    "InvalidFlow",
    "Mode",
    "NotAnApprover",
    "NotTheApplicant",
    "Operator",
    "OrgView",
    "RejectTarget",
    "RequestKind",
    "RequestNotPending",
    "RequestStatus",
    "Resolution",
    "SelfApproval",
    "Step",
    "StepOutcome",
    "StepRun",
    "Vote",
    "add_approver",
    "all_hold",
    "decide",
    "delegate",
    "due_at",
    "escalate",
    "facts_from_json",
    "facts_to_json",
    "resolve_approvers",
    "resubmit",
    "select_flow",
    "start",
    "state_from_json",
    "state_to_json",
    "withdraw",
]
