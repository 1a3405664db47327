"""Audit trail: every ORM write in a session becomes an audit_log row in the same flush.

Set-based writes (bulk UPDATE/INSERT) don't pass through the unit of work; services that use
them call `record()` themselves. The actor and request id come from a context variable that
the API (per request) and the worker (per job) set.
"""

from __future__ import annotations

import enum
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.orm.base import instance_state

from repositories.models import (
    ApiKey,
    ApprovalFlow,
    ApprovalFlowVersion,
    AppSetting,
    AuditEntry,
    BusinessLine,
    Channel,
    Contact,
    Customer,
    CustomerTag,
    CustomerTier,
    Department,
    FollowUp,
    Lead,
    LeadAction,
    MessageChannel,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityDocument,
    OpportunityMember,
    OpportunityRequirement,
    PipelineStage,
    Pool,
    Role,
    SalesTarget,
    SalesZone,
    SampleRequest,
    Tag,
    TagCategory,
    Task,
    Team,
    User,
    WebhookSubscription,
    table,
)


@dataclass(frozen=True, slots=True)
class AuditActor:
    actor_id: uuid.UUID | None
    kind: str = "user"  # user | api_key | system
    request_id: str | None = None


SYSTEM = AuditActor(None, "system")
current_actor: ContextVar[AuditActor] = ContextVar("current_actor", default=SYSTEM)

_SKIP = {"version", "updated_at", "created_at", "name_bigrams"}
_MASK = {"password_hash", "key_hash", "secret", "config"}  # config: a channel's SMTP password…

# class → (entity name, function giving the aggregate root id)
_AUDITED: dict[type, tuple[str, Any]] = {
    Customer: ("customer", lambda o: o.id),
    Contact: ("contact", lambda o: o.customer_id),
    FollowUp: ("follow_up", lambda o: o.customer_id),
    CustomerTag: ("customer_tag", lambda o: o.customer_id),
    User: ("user", lambda o: o.id),
    Team: ("team", lambda o: o.id),
    SalesZone: ("sales_zone", lambda o: o.id),
    Department: ("department", lambda o: o.id),
    Role: ("role", lambda o: o.name),
    ApiKey: ("api_key", lambda o: o.id),
    AppSetting: ("setting", lambda o: o.key),
    CustomerTier: ("customer_tier", lambda o: o.code),
    Tag: ("tag", lambda o: o.id),
    TagCategory: ("tag_category", lambda o: o.id),
    Channel: ("channel", lambda o: o.id),
    Lead: ("lead", lambda o: o.id),
    LeadAction: ("lead_action", lambda o: o.lead_id),
    Pool: ("pool", lambda o: o.id),
    WebhookSubscription: ("webhook", lambda o: o.id),
    ApprovalFlow: ("approval_flow", lambda o: o.id),
    ApprovalFlowVersion: ("approval_flow_version", lambda o: o.flow_id),
    MessageChannel: ("message_channel", lambda o: o.code),
    BusinessLine: ("business_line", lambda o: o.id),
    PipelineStage: ("pipeline_stage", lambda o: o.business_line_id),
    Opportunity: ("opportunity", lambda o: o.id),
    OpportunityMember: ("opportunity_member", lambda o: o.opportunity_id),
    OpportunityContact: ("opportunity_contact", lambda o: o.opportunity_id),
    OpportunityCompetitor: ("opportunity_competitor", lambda o: o.opportunity_id),
    OpportunityRequirement: ("opportunity_requirement", lambda o: o.opportunity_id),
    OpportunityDocument: ("opportunity_document", lambda o: o.opportunity_id),
    SampleRequest: ("sample_request", lambda o: o.opportunity_id),
    Task: ("task", lambda o: o.id),
    SalesTarget: ("sales_target", lambda o: o.id),
}


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _entity_id(obj: Any) -> str:
    if isinstance(obj, CustomerTag):
        return f"{obj.customer_id}:{obj.tag_id}"
    state = instance_state(obj)
    ident = state.identity or tuple(
        getattr(obj, str(c.key))
        for c in state.mapper.primary_key  # type: ignore[union-attr]
    )
    return ":".join(str(i) for i in ident)


def _columns(obj: Any) -> list[str]:
    return [a.key for a in instance_state(obj).mapper.column_attrs if a.key not in _SKIP]


def _value(key: str, value: Any) -> Any:
    return "***" if key in _MASK and value is not None else jsonable(value)


def _changes_for_update(obj: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key in _columns(obj):
        hist = get_history(obj, key)
        if not hist.has_changes():
            continue
        before = hist.deleted[0] if hist.deleted else None
        after = hist.added[0] if hist.added else None
        if before == after:
            continue
        out[key] = [_value(key, before), _value(key, after)]
    return out


def _snapshot(obj: Any, created: bool) -> dict[str, list[Any]]:
    out = {}
    for key in _columns(obj):
        value = getattr(obj, key, None)
        if value is None:
            continue
        out[key] = [None, _value(key, value)] if created else [_value(key, value), None]
    return out


def _entry(obj: Any, action: str, changes: dict[str, Any]) -> AuditEntry:
    entity, root = _AUDITED[type(obj)]
    actor = current_actor.get()
    root_id = root(obj)
    return AuditEntry(
        actor_id=actor.actor_id,
        actor_kind=actor.kind,
        entity=entity,
        entity_id=_entity_id(obj),
        action=action,
        changes=changes,
        root_entity_id=str(root_id) if root_id is not None else None,
        request_id=actor.request_id,
    )


def _before_flush(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    entries: list[AuditEntry] = []
    for obj in session.new:
        if type(obj) in _AUDITED:
            if hasattr(type(obj), "id") and obj.id is None:  # ids are needed before INSERT
                obj.id = uuid.uuid4()
            entries.append(_entry(obj, "create", _snapshot(obj, created=True)))
    for obj in session.dirty:
        if type(obj) in _AUDITED and session.is_modified(obj, include_collections=False):
            changes = _changes_for_update(obj)
            if changes:
                entries.append(_entry(obj, "update", changes))
    for obj in session.deleted:
        if type(obj) in _AUDITED:
            entries.append(_entry(obj, "delete", _snapshot(obj, created=False)))
    session.add_all(entries)


def install(session_class: type[Session] = Session) -> None:
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)


def record(
    session: AsyncSession,
    entity: str,
    entity_id: object,
    action: str,
    changes: dict[str, Any] | None = None,
    root_entity_id: object | None = None,
) -> None:
    """Explicit audit row for writes that bypass the unit of work (bulk SQL, casbin rules)."""
    actor = current_actor.get()
    session.add(
        AuditEntry(
            actor_id=actor.actor_id,
            actor_kind=actor.kind,
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            changes=jsonable(changes or {}),
            root_entity_id=str(root_entity_id if root_entity_id is not None else entity_id),
            request_id=actor.request_id,
        )
    )


async def record_many(
    session: AsyncSession, entity: str, action: str, entries: list[tuple[object, dict[str, Any]]]
) -> None:
    """One audit row per (entity id, changes) of a set-based write, in one multi-row INSERT."""
    if not entries:
        return
    actor = current_actor.get()
    rows = [
        {
            "actor_id": actor.actor_id,
            "actor_kind": actor.kind,
            "entity": entity,
            "entity_id": str(entity_id),
            "action": action,
            "changes": jsonable(changes),
            "root_entity_id": str(entity_id),
            "request_id": actor.request_id,
        }
        for entity_id, changes in entries
    ]
    await session.execute(insert(table(AuditEntry)), rows)


async def list_entries(
    session: AsyncSession,
    *,
    entity: str | None,
    entity_id: str | None,
    root_entity_id: str | None,
    actor_ids: frozenset[uuid.UUID] | None,
    before_id: int | None,
    limit: int,
) -> list[tuple[AuditEntry, str | None]]:
    """Newest first. `actor_ids` restricts to actions of those users (narrow scopes)."""
    stmt = select(AuditEntry, User.display_name).outerjoin(User, User.id == AuditEntry.actor_id)
    if root_entity_id is not None:
        stmt = stmt.where(AuditEntry.root_entity_id == root_entity_id)
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if actor_ids is not None:
        stmt = stmt.where(AuditEntry.actor_id.in_(sorted(actor_ids)))
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    stmt = stmt.order_by(AuditEntry.id.desc()).limit(limit)
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]
