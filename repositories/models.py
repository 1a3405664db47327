"""SQLAlchemy mappings: the tables. Relationships use lazy="raise" (async sessions load explicitly)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    FetchedValue,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {uuid.UUID: UUID(as_uuid=True), dict[str, Any]: JSONB}
    __mapper_args__ = {"eager_defaults": True}


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def _updated() -> Mapped[datetime]:
    return mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class Versioned:
    """Optimistic locking: `version` is the ETag; SQLAlchemy bumps it and checks it on UPDATE."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # eager_defaults: server-set columns (updated_at…) come back with RETURNING, so
        # responses can be built after a flush without another SELECT
        return {"version_id_col": cls.__table__.c.version, "eager_defaults": True}  # type: ignore[attr-defined]


# --- organisation -------------------------------------------------------------------------


class Region(Base):
    """GB/T 2260 administrative divisions: province (1) → city (2) → district (3)."""

    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)


class Department(Versioned, Base):
    __tablename__ = "departments"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), index=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class SalesZone(Versioned, Base):
    """战区: a region with its own pool, reps, managers and weekly allocation quota."""

    __tablename__ = "sales_zones"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    province_codes: Mapped[list[str]] = mapped_column(ARRAY(String(12)), nullable=False, server_default="{}")
    city_codes: Mapped[list[str]] = mapped_column(ARRAY(String(12)), nullable=False, server_default="{}")
    leader_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    weekly_quota: Mapped[int] = mapped_column(Integer, nullable=False, server_default="500")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Team(Versioned, Base):
    __tablename__ = "teams"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    zone_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales_zones.id"), nullable=False, index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    manager_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (UniqueConstraint("zone_id", "name", name="uq_teams_zone_name"),)


class User(Versioned, Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = _uuid_pk()
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    wecom_user_id: Mapped[str | None] = mapped_column(String(64))  # 企业微信 userid, for WeCom notices
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    on_leave: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), index=True)
    zone_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"
    )
    password_changed_at: Mapped[datetime] = _created()
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        Index("uq_users_username_lower", func.lower(username), unique=True),
        Index("uq_users_mobile", "mobile", unique=True, postgresql_where=text("mobile IS NOT NULL")),
    )


class TeamMembership(Base):
    """History of a user's team: one open row (ended_at NULL) per user."""

    __tablename__ = "team_memberships"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), nullable=False)
    started_at: Mapped[datetime] = _created()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (Index("ix_team_memberships_user", "user_id", "started_at"),)


# --- identity -------------------------------------------------------------------------------


class RefreshToken(Base):
    """Rotating refresh tokens, stored hashed. A family shares the login; reuse of a rotated
    token revokes the whole family (theft detection)."""

    __tablename__ = "refresh_tokens"
    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Role(Base):
    """Role metadata; the role's rules live in casbin_rule."""

    __tablename__ = "roles"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    builtin: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[datetime] = _created()


class CasbinRule(Base):
    """Table of casbin-async-sqlalchemy-adapter (same columns as the adapter's own model)."""

    __tablename__ = "casbin_rule"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ptype: Mapped[str | None] = mapped_column(String(255))
    v0: Mapped[str | None] = mapped_column(String(255))
    v1: Mapped[str | None] = mapped_column(String(255))
    v2: Mapped[str | None] = mapped_column(String(255))
    v3: Mapped[str | None] = mapped_column(String(255))
    v4: Mapped[str | None] = mapped_column(String(255))
    v5: Mapped[str | None] = mapped_column(String(255))

    def __str__(self) -> str:
        """The policy line the adapter hands to Casbin ("p, role, resource, action, scope")."""
        parts = [self.ptype or ""]
        for value in (self.v0, self.v1, self.v2, self.v3, self.v4, self.v5):
            if value is None:
                break
            parts.append(value)
        return ", ".join(parts)


class AppSetting(Base):
    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    updated_at: Mapped[datetime] = _updated()


# --- cross-cutting --------------------------------------------------------------------------


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_kind: Mapped[str] = mapped_column(String(16), nullable=False, server_default="user")
    entity: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(100), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    # the customer (or other aggregate root) a child row belongs to, so a customer's history
    # includes its contacts, follow-ups and tags
    root_entity_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id", "id"),
        Index("ix_audit_log_root", "root_entity_id", "id"),
        Index("ix_audit_log_actor", "actor_id", "id"),
    )


class IdempotencyKey(Base):
    """Stripe semantics: same key + same request → same response; other body → 422."""

    __tablename__ = "idempotency_keys"
    principal: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    method: Mapped[str] = mapped_column(String(8), nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    response_body: Mapped[bytes | None] = mapped_column()
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _created()
    __table_args__ = (Index("ix_idempotency_keys_created", "created_at"),)


# --- customers ------------------------------------------------------------------------------


class CustomerTier(Base):
    """客户分层: 5 configurable tiers, each with its own no-follow-up days before recycling."""

    __tablename__ = "customer_tiers"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    sort_order: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    no_follow_up_days: Mapped[int] = mapped_column(Integer, nullable=False)
    # this tier's own no-deal and contract-ended days; NULL: the recycle rules' value
    no_deal_days: Mapped[int | None] = mapped_column(Integer)
    contract_ended_days: Mapped[int | None] = mapped_column(Integer)
    # who belongs in the tier (seed 001, admin-edited; customer levels: CustomerLevelDefinition)
    description: Mapped[str | None] = mapped_column(Text)
    criteria: Mapped[str | None] = mapped_column(Text)


class Customer(Versioned, Base):
    __tablename__ = "customers"
    id: Mapped[uuid.UUID] = _uuid_pk()
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # crm_bigrams(name) and crm_company_key(name), set by the customers_name_keys trigger when
    # the name is written (never by the application)
    name_bigrams: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        nullable=True,
        deferred=True,
        server_default=FetchedValue(),
        server_onupdate=FetchedValue(),
    )
    # the normalised company name (domain.leads.normalize_company_name, in SQL): leads match
    # existing customers on it
    name_key: Mapped[str | None] = mapped_column(
        Text, nullable=True, deferred=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    short_name: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    uscc: Mapped[str | None] = mapped_column(String(18))
    country: Mapped[str] = mapped_column(String(2), nullable=False, server_default="CN")
    province_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    city_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    address: Mapped[str | None] = mapped_column(String(300))
    size: Mapped[str | None] = mapped_column(String(16))
    company_type: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    fax: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    # individual customers
    gender: Mapped[str | None] = mapped_column(String(8))
    birthday: Mapped[date | None] = mapped_column(Date)
    mobile: Mapped[str | None] = mapped_column(String(20))
    id_type: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(40))
    occupation: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100))
    education: Mapped[str | None] = mapped_column(String(50))
    # ownership and classification: set by services only
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    zone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sales_zones.id"))
    level: Mapped[str] = mapped_column(String(8), nullable=False, server_default="normal")
    tier: Mapped[str | None] = mapped_column(ForeignKey("customer_tiers.code"))
    notes: Mapped[str | None] = mapped_column(Text)
    # financial information (开票信息, seed 003): changed only through an approved
    # customer_finance_change request (services/approval_kinds.py)
    billing_title: Mapped[str | None] = mapped_column(String(200))
    tax_number: Mapped[str | None] = mapped_column(String(20))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    billing_address: Mapped[str | None] = mapped_column(String(300))
    billing_phone: Mapped[str | None] = mapped_column(String(20))
    last_followed_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the public pool (公海): set while nobody owns the customer; services only
    pool_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pools.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the owner's since
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # exempt from recycling
    previous_owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recycle_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint("kind IN ('enterprise', 'individual')", name="kind"),
        Index(
            "ix_customers_pool",
            "pool_id",
            "updated_at",
            "id",
            postgresql_where=text("owner_id IS NULL"),
        ),
        Index("ix_customers_locked", "owner_id", postgresql_where=text("locked_at IS NOT NULL")),
        CheckConstraint("level IN ('normal', 'KA', 'SKA')", name="level"),
        Index("uq_customers_uscc", "uscc", unique=True, postgresql_where=text("uscc IS NOT NULL")),
        Index("uq_customers_mobile", "mobile", unique=True, postgresql_where=text("mobile IS NOT NULL")),
        Index("ix_customers_name_bigrams", "name_bigrams", postgresql_using="gin"),
        Index("ix_customers_name_key", "name_key"),
        Index("ix_customers_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_customers_zone_updated", "zone_id", "updated_at", "id"),
        Index("ix_customers_updated", "updated_at", "id"),
        Index("ix_customers_created", "created_at", "id"),
        Index("ix_customers_name", "name", "id"),
        Index("ix_customers_last_follow", "last_followed_up_at", "id"),
        Index("ix_customers_level", "level", "id"),
        Index("ix_customers_tier", "tier", "id"),
        Index("ix_customers_parent", "parent_id"),
        # the list's common filter combinations inside a zone / an owner's book (bench: a
        # director's level+tier+follow-up filter at 1M customers 215 ms → 4 ms p95)
        Index("ix_customers_zone_filters", "zone_id", "level", "tier", "last_followed_up_at"),
        Index("ix_customers_owner_filters", "owner_id", "level", "tier", "last_followed_up_at"),
    )


class Contact(Versioned, Base):
    __tablename__ = "contacts"
    id: Mapped[uuid.UUID] = _uuid_pk()
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    title: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))
    mobile: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    wechat: Mapped[str | None] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(8))
    reports_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    decision_role: Mapped[str | None] = mapped_column(String(20))
    attitude: Mapped[str | None] = mapped_column(String(12))
    is_key_person: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (Index("ix_contacts_mobile", "mobile"),)


class FollowUp(Versioned, Base):
    """跟进记录: on a customer, and optionally about one of its opportunities."""

    __tablename__ = "follow_ups"
    id: Mapped[uuid.UUID] = _uuid_pk()
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    happened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_follow_up_on: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # the opportunity it was about (a visit, a call…), if any: shown on both timelines
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("opportunities.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        Index("ix_follow_ups_customer_happened", "customer_id", "happened_at", "id"),
        Index(
            "ix_follow_ups_opportunity",
            "opportunity_id",
            "happened_at",
            "id",
            postgresql_where=text("opportunity_id IS NOT NULL"),
        ),
    )


class TagCategory(Base):
    __tablename__ = "tag_categories"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)
    created_at: Mapped[datetime] = _created()


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[uuid.UUID] = _uuid_pk()
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tag_categories.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    color: Mapped[str | None] = mapped_column(String(16))
    weight: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    created_at: Mapped[datetime] = _created()
    __table_args__ = (UniqueConstraint("category_id", "name", name="uq_tags_category_name"),)


class CustomerTag(Base):
    """A tag on a customer, with how often it was applied (次数) and its weight (权重)."""

    __tablename__ = "customer_tags"
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    weight: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    last_tagged_at: Mapped[datetime] = _created()
    last_tagged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (Index("ix_customer_tags_tag", "tag_id", "customer_id"),)


# --- leads ----------------------------------------------------------------------------------


class Channel(Versioned, Base):
    """来源渠道: where leads come from; its weight is the first dimension of a lead's score."""

    __tablename__ = "channels"
    id: Mapped[uuid.UUID] = _uuid_pk()
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    weight: Mapped[int] = mapped_column(Integer, nullable=False, server_default="10")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Lead(Versioned, Base):
    __tablename__ = "leads"
    id: Mapped[uuid.UUID] = _uuid_pk()
    company_name: Mapped[str] = mapped_column(String(200), nullable=False)
    company_key: Mapped[str] = mapped_column(String(200), nullable=False)  # normalised, for de-dup
    uscc: Mapped[str | None] = mapped_column(String(18))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    city_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    industry: Mapped[str | None] = mapped_column(String(100))
    company_size: Mapped[str | None] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(100))
    channel_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("channels.id"))
    campaign: Mapped[str | None] = mapped_column(String(100))
    utm: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="new")
    invalid_reason: Mapped[str | None] = mapped_column(String(200))
    # set by services only
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    zone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sales_zones.id"))
    # where an unowned lead waits: the zone's pool (reps of the zone may claim it), the zone
    # leader's queue (dispatched by hand) or the default queue; NULL while someone owns it
    queue: Mapped[str | None] = mapped_column(String(8))
    import_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lead_imports.id", ondelete="SET NULL"))
    grade: Mapped[str] = mapped_column(String(1), nullable=False, server_default="D")
    score: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    score_breakdown: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    routing_trace: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    last_contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # when the current owner got the lead (the clock of "not contacted within N hours")
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        Index(
            "ix_leads_recycle",
            "assigned_at",
            postgresql_where=text("status = 'new' AND owner_id IS NOT NULL AND last_contacted_at IS NULL"),
        ),
        CheckConstraint("status IN ('new', 'contacted', 'qualified', 'converted', 'invalid')", name="status"),
        CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name="grade"),
        CheckConstraint("queue IN ('pool', 'leader', 'default')", name="queue"),
        Index(
            "ix_leads_pool",
            "zone_id",
            "grade",
            "created_at",
            postgresql_where=text("owner_id IS NULL AND queue = 'pool'"),
        ),
        Index("ix_leads_import", "import_id", postgresql_where=text("import_id IS NOT NULL")),
        Index("ix_leads_owner_status", "owner_id", "status", "grade", "created_at"),
        Index("ix_leads_zone_status", "zone_id", "status", "grade", "created_at"),
        Index("ix_leads_dedup_company", "company_key", "product", "created_at"),
        Index("ix_leads_mobile", "mobile", "created_at", postgresql_where=text("mobile IS NOT NULL")),
        Index("ix_leads_email", "email", "created_at", postgresql_where=text("email IS NOT NULL")),
        Index("ix_leads_uscc", "uscc", "created_at", postgresql_where=text("uscc IS NOT NULL")),
        Index("ix_leads_grade_created", "grade", "created_at", "id"),
        Index("ix_leads_created", "created_at", "id"),
        Index(
            "ix_leads_duplicate_of", "duplicate_of_id", postgresql_where=text("duplicate_of_id IS NOT NULL")
        ),
        Index("ix_leads_channel", "channel_id", "created_at"),
    )


class LeadAction(Base):
    """A key action on a lead (form submit, call, visit, meeting): the score's third dimension."""

    __tablename__ = "lead_actions"
    id: Mapped[uuid.UUID] = _uuid_pk()
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    happened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    __table_args__ = (Index("ix_lead_actions_lead", "lead_id", "happened_at"),)


# --- lead routing ---------------------------------------------------------------------------


class AssignmentRule(Versioned, Base):
    """分配规则: ordered conditions on a new lead's fields → who (or which queue) gets it."""

    __tablename__ = "assignment_rules"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    action_type: Mapped[str] = mapped_column(String(24), nullable=False)
    action_target: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    required_fields: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False, server_default="{}")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint(
            "action_type IN ('user', 'team_round_robin', 'team_weighted', 'team_least_loaded', "
            "'zone_pool', 'zone_leader_queue')",
            name="action_type",
        ),
        Index("ix_assignment_rules_position", "position"),
    )


class LeadForm(Versioned, Base):
    """A web form or landing page that posts leads to /public/forms/{key}/leads."""

    __tablename__ = "lead_forms"
    id: Mapped[uuid.UUID] = _uuid_pk()
    key: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"), nullable=False)
    product: Mapped[str | None] = mapped_column(String(100))
    allowed_origins: Mapped[list[str]] = mapped_column(
        ARRAY(String(200)), nullable=False, server_default="{}"
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class LeadClaim(Base):
    """A rep took a lead from the pool (the daily claim cap counts these)."""

    __tablename__ = "lead_claims"
    id: Mapped[uuid.UUID] = _uuid_pk()
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    claimed_at: Mapped[datetime] = _created()
    __table_args__ = (Index("ix_lead_claims_user", "user_id", "claimed_at"),)


class LeadImport(Versioned, Base):
    """A bulk lead import: the uploaded file, its column mapping, and the job's progress. The
    job checkpoints `next_row` with each chunk it commits, so a crashed run resumes where it
    stopped and never imports a row twice."""

    __tablename__ = "lead_imports"
    id: Mapped[uuid.UUID] = _uuid_pk()
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    file_format: Mapped[str] = mapped_column(String(4), nullable=False)  # csv | xlsx
    encoding: Mapped[str | None] = mapped_column(String(16))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    headers: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    sample: Mapped[list[Any]] = mapped_column(JSONB, nullable=False, server_default="[]")
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    defaults: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="uploaded")
    total: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    processed: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    created: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_row: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint("status IN ('uploaded', 'queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_lead_imports_creator", "created_by", "created_at"),
        Index(
            "ix_lead_imports_unfinished",
            "updated_at",
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )


class LeadImportError(Base):
    """One problem with one row of an import (row numbers as the spreadsheet shows them)."""

    __tablename__ = "lead_import_errors"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lead_imports.id", ondelete="CASCADE"), nullable=False
    )
    row: Mapped[int] = mapped_column(Integer, nullable=False)
    column: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text, nullable=False)
    __table_args__ = (Index("ix_lead_import_errors_import", "import_id", "row"),)


class Notification(Base):
    """An in-app notice for one user (lead assigned to you, your lead was recycled, a duplicate of
    your lead came in…), written in the same transaction as the change it reports."""

    __tablename__ = "notifications"
    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str | None] = mapped_column(Text)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    # set when the worker has handed it to the outbound channels (e-mail, SMS, WeCom, log)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_notifications_user", "user_id", "created_at", "id"),
        Index("ix_notifications_unread", "user_id", postgresql_where=text("read_at IS NULL")),
        Index("ix_notifications_pending", "created_at", postgresql_where=text("dispatched_at IS NULL")),
    )


# --- opportunities and the pipeline (issue 6) -----------------------------------------------


class BusinessLine(Versioned, Base):
    """业务线 / 销售流程: a stage set of its own (seed 000: "1-3-5-7-10", the complex-sale line)."""

    __tablename__ = "business_lines"
    id: Mapped[uuid.UUID] = _uuid_pk()
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    # grade thresholds (seed 000): {"A": "1000000", "B": "200000"}; below B → C
    grade_thresholds: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        Index("uq_business_lines_default", "is_default", unique=True, postgresql_where=text("is_default")),
    )


class PipelineStage(Base):
    """One stage of a business line. `kind` open | won | lost (the end states); `win_rate` a
    percentage (0–100, Decimal); `exit_criteria` what must hold before an opportunity leaves it
    (domain.opportunities.ExitCriteria as JSON); `protects_customer`: an opportunity here keeps
    its customer out of recycling (a late stage, seed 004)."""

    __tablename__ = "pipeline_stages"
    id: Mapped[uuid.UUID] = _uuid_pk()
    business_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("business_lines.id", ondelete="CASCADE"), nullable=False
    )
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False, server_default="open")
    win_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)
    forecast_category: Mapped[str] = mapped_column(String(12), nullable=False, server_default="pipeline")
    exit_criteria: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    protects_customer: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    __table_args__ = (
        UniqueConstraint("business_line_id", "code", name="uq_pipeline_stages_line_code"),
        CheckConstraint("kind IN ('open', 'won', 'lost')", name="kind"),
        CheckConstraint("win_rate >= 0 AND win_rate <= 100", name="win_rate"),
        CheckConstraint(
            "forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')",
            name="forecast_category",
        ),
        Index("ix_pipeline_stages_line", "business_line_id", "position"),
    )


class Competitor(Base):
    """竞争对手: one row per competing company (the loss board counts losses per competitor)."""

    __tablename__ = "competitors"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)  # normalised name
    website: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class Opportunity(Versioned, Base):
    """商机. Owner, zone and team are set by services (creation, routing, reassignment), never by
    the client; `status` follows the stage's kind; `furthest_position` is the furthest stage
    position reached (the funnel's conversion counts it)."""

    __tablename__ = "opportunities"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    )
    business_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business_lines.id"), nullable=False)
    stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipeline_stages.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, server_default="open")
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False, server_default="0")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="CNY")
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    # products of interest (意向产品) until products exist: [{"name", "quantity", "notes"}]
    products: Mapped[list[Any]] = mapped_column(JSONB, nullable=False, server_default="[]")
    product: Mapped[str | None] = mapped_column(String(100))  # the main product (registration conflicts)
    source: Mapped[str] = mapped_column(String(16), nullable=False, server_default="manual")
    lead_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    grade: Mapped[str | None] = mapped_column(String(8))
    priority: Mapped[str] = mapped_column(String(8), nullable=False, server_default="normal")  # key | normal
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    zone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sales_zones.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    # where an unowned (registered, unroutable) opportunity waits: the zone leader's queue
    queue: Mapped[str | None] = mapped_column(String(8))
    routing_trace: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    next_step: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    # special opportunities (key customer, multi-party bidding, cross-zone) wait for approval
    special_kind: Mapped[str | None] = mapped_column(String(24))
    approval_status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="none")
    # registration (商机报备): an open opportunity for the same customer and product already exists
    conflict_with_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("opportunities.id", ondelete="SET NULL")
    )
    conflict_status: Mapped[str | None] = mapped_column(String(10))  # open | accepted | merged | rejected
    # the checklist items ticked: {"<stage code>": {"<item>": {"by": uuid, "at": iso}}}
    checklist: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    stage_entered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    furthest_position: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    # the end: won (deal data) or lost (reason, the competitor who won)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    won_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    won_on: Mapped[date | None] = mapped_column(Date)
    contract_number: Mapped[str | None] = mapped_column(String(60))
    lost_reason: Mapped[str | None] = mapped_column(String(40))
    lost_note: Mapped[str | None] = mapped_column(String(1000))
    lost_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("competitors.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint("status IN ('open', 'won', 'lost')", name="status"),
        CheckConstraint("source IN ('lead', 'registration', 'import', 'manual')", name="source"),
        CheckConstraint(
            "approval_status IN ('none', 'pending', 'approved', 'rejected')", name="approval_status"
        ),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("queue IN ('leader')", name="queue"),
        Index("ix_opportunities_owner", "owner_id", "status", "business_line_id", "updated_at", "id"),
        Index("ix_opportunities_zone", "zone_id", "status", "business_line_id", "updated_at", "id"),
        Index("ix_opportunities_team", "team_id", "status", "updated_at"),
        Index("ix_opportunities_customer", "customer_id", "status"),
        Index("ix_opportunities_updated", "updated_at", "id"),
        Index("ix_opportunities_created", "created_at", "id"),
        Index("ix_opportunities_close", "expected_close_date", "id"),
        Index("ix_opportunities_closed", "status", "closed_at"),
        Index("ix_opportunities_stage", "stage_id", "status"),
        # the funnel reads opportunity_funnel_deltas, not these rows: no covering funnel index
        # (each would cost every stage move one more index entry)
        Index("ix_opportunities_queue", "zone_id", "created_at", postgresql_where=text("queue IS NOT NULL")),
        Index(
            "ix_opportunities_conflict",
            "conflict_with_id",
            postgresql_where=text("conflict_with_id IS NOT NULL"),
        ),
        Index("ix_opportunities_lost_to", "lost_to_id", postgresql_where=text("lost_to_id IS NOT NULL")),
        Index("ix_opportunities_lead", "lead_id", postgresql_where=text("lead_id IS NOT NULL")),
    )


class OpportunityMember(Base):
    """跨部门商机团队 (seed 002): members see the opportunity (and each other's phone and e-mail)."""

    __tablename__ = "opportunity_members"
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(
        String(20), nullable=False
    )  # sales | presales | marketing | service | other
    note: Mapped[str | None] = mapped_column(String(200))
    added_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = _created()
    __table_args__ = (Index("ix_opportunity_members_user", "user_id", "opportunity_id"),)


class OpportunityStageChange(Base):
    """Stage history: who moved it, when, from where, and how long it sat in the stage it left.
    Owner, zone, team and line are the opportunity's at the move (analytics filter on them)."""

    __tablename__ = "opportunity_stage_changes"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
    )
    business_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business_lines.id"), nullable=False)
    from_stage_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pipeline_stages.id"))
    to_stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipeline_stages.id"), nullable=False)
    seconds_in_from: Mapped[int | None] = mapped_column(BigInteger)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    zone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sales_zones.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    moved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    moved_at: Mapped[datetime] = _created()
    note: Mapped[str | None] = mapped_column(String(1000))
    __table_args__ = (
        Index("ix_opportunity_stage_changes_opp", "opportunity_id", "id"),
        # the funnel's average days in stage: an index-only pass over the period's moves
        Index(
            "ix_opportunity_stage_changes_line",
            "business_line_id",
            "moved_at",
            postgresql_include=[
                "from_stage_id",
                "seconds_in_from",
                "owner_id",
                "zone_id",
                "team_id",
                "opportunity_id",
            ],
        ),
    )


class OpportunityFunnelDelta(Base):
    """The funnel's running totals (商机漏斗): per business line, currency, stage, furthest
    position, status, owner, zone and team, how many opportunities and what amount. Written only
    by PostgreSQL (statement triggers on opportunities add one row per group a statement
    changed, never updating one, so writers do not queue on shared rows) and folded back into
    one row per group by the worker (repositories.pipeline_funnel.compact). The funnel sums these
    few thousand rows instead of the line's opportunities."""

    __tablename__ = "opportunity_funnel_deltas"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    business_line_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    stage_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    furthest_position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False)
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    zone_id: Mapped[uuid.UUID | None] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(24, 2), nullable=False)
    __table_args__ = (Index("ix_opportunity_funnel_deltas_line", "business_line_id", "currency"),)


class OpportunityAssignment(Base):
    """转派 history: each change of owner with its reason (creation and routing included)."""

    __tablename__ = "opportunity_assignments"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
    )
    from_owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    to_owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = _created()
    __table_args__ = (Index("ix_opportunity_assignments_opp", "opportunity_id", "id"),)


class OpportunityContact(Base):
    """决策链: a customer contact's part in this deal (copied from the customer's contacts when the
    opportunity is created, then kept per opportunity)."""

    __tablename__ = "opportunity_contacts"
    id: Mapped[uuid.UUID] = _uuid_pk()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    )
    role: Mapped[str | None] = mapped_column(String(20))  # domain.customers.DecisionRole
    attitude: Mapped[str | None] = mapped_column(String(12))  # supporter | neutral | opponent
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)  # 1–5
    influence: Mapped[str | None] = mapped_column(String(8))  # high | medium | low
    covered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    last_touch_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        UniqueConstraint("opportunity_id", "contact_id", name="uq_opportunity_contacts_pair"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        Index("ix_opportunity_contacts_contact", "contact_id"),
    )


class OpportunityCompetitor(Base):
    """A competitor bidding on this opportunity: their product, strengths, relationship with the
    customer, their quote, and where they stand."""

    __tablename__ = "opportunity_competitors"
    id: Mapped[uuid.UUID] = _uuid_pk()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
    )
    competitor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("competitors.id"), nullable=False)
    product: Mapped[str | None] = mapped_column(String(200))
    strengths: Mapped[str | None] = mapped_column(String(1000))
    weaknesses: Mapped[str | None] = mapped_column(String(1000))
    relationship: Mapped[str | None] = mapped_column(String(12))  # close | normal | weak | unknown
    quote_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    quote_currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="CNY")
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="active")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        UniqueConstraint("opportunity_id", "competitor_id", name="uq_opportunity_competitors_pair"),
        CheckConstraint("status IN ('active', 'eliminated', 'won', 'lost')", name="status"),
        Index("ix_opportunity_competitors_competitor", "competitor_id"),
    )


class OpportunityRequirement(Versioned, Base):
    """需求跟进 (seed 002): an itemised customer need, assigned to a team member, confirmed with the
    customer and answered."""

    __tablename__ = "opportunity_requirements"
    id: Mapped[uuid.UUID] = _uuid_pk()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    detail: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8), nullable=False, server_default="medium")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="open")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint("status IN ('open', 'confirmed', 'responded', 'closed')", name="status"),
        CheckConstraint("priority IN ('high', 'medium', 'low')", name="priority"),
        Index("ix_opportunity_requirements_opp", "opportunity_id", "created_at"),
        Index("ix_opportunity_requirements_assignee", "assignee_id", "status"),
    )


class OpportunityDocument(Base):
    """Solution documents (方案) with versions: each upload of a document is a new row with the
    next version number of its `document_id`; the bytes live in file storage under `storage_key`."""

    __tablename__ = "opportunity_documents"
    id: Mapped[uuid.UUID] = _uuid_pk()
    document_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(
        String(20), nullable=False
    )  # solution | proposal | technical | quote | other
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    version_number: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(300), nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = _created()
    __table_args__ = (
        UniqueConstraint("document_id", "version_number", name="uq_opportunity_documents_version"),
        Index("ix_opportunity_documents_opp", "opportunity_id", "kind", "uploaded_at"),
    )


class SampleRequest(Base):
    """送样 / POC (seed 002): approved through the `sample` flow, tiered by quantity."""

    __tablename__ = "sample_requests"
    id: Mapped[uuid.UUID] = _uuid_pk()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(8), nullable=False, server_default="sample")  # sample | poc
    product: Mapped[str] = mapped_column(String(200), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    purpose: Mapped[str] = mapped_column(String(1000), nullable=False)
    ship_to: Mapped[str | None] = mapped_column(String(300))
    needed_by: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    approval_request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="SET NULL")
    )
    requested_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'withdrawn', 'shipped')", name="status"
        ),
        Index("ix_sample_requests_opp", "opportunity_id", "created_at"),
    )


class Task(Base):
    """A to-do for one user: join a colleague's visit, answer a requirement… (notified when made)."""

    __tablename__ = "tasks"
    id: Mapped[uuid.UUID] = _uuid_pk()
    assignee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # join_visit | requirement | other
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    detail: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(8), nullable=False, server_default="open")
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE")
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    follow_up_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("follow_ups.id", ondelete="SET NULL"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'declined')", name="status"),
        Index("ix_tasks_assignee", "assignee_id", "status", "due_at"),
        Index("ix_tasks_opportunity", "opportunity_id", postgresql_where=text("opportunity_id IS NOT NULL")),
    )


class SalesTarget(Versioned, Base):
    """销售目标: a month's target for a rep, a team or a zone (set by their managers)."""

    __tablename__ = "sales_targets"
    id: Mapped[uuid.UUID] = _uuid_pk()
    scope_type: Mapped[str] = mapped_column(String(8), nullable=False)  # user | team | zone
    scope_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    month: Mapped[date] = mapped_column(Date, nullable=False)  # the first day of the month
    business_line_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("business_lines.id", ondelete="CASCADE")
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="CNY")
    set_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint("scope_type IN ('user', 'team', 'zone')", name="scope_type"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("extract(day from month) = 1", name="month"),
        Index(
            "uq_sales_targets_scope_month",
            "scope_type",
            "scope_id",
            "month",
            text("coalesce(business_line_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
            unique=True,
        ),
        Index("ix_sales_targets_month", "month", "scope_type"),
    )


def table(model: type[Base]) -> Table:
    """A model's Table, for Core statements (multi-row INSERTs that skip the ORM)."""
    return model.__table__  # type: ignore[return-value]


class Pool(Versioned, Base):
    """公海池: where unowned customers wait to be claimed or allocated. Every sales zone has its
    default pool; admins may add more (by industry, say) and send customers there."""

    __tablename__ = "pools"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    zone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sales_zones.id", ondelete="CASCADE"))
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        # one default pool per zone, and one company-wide default (zone NULL)
        Index(
            "uq_pools_default_zone",
            "zone_id",
            unique=True,
            postgresql_where=text("is_default AND zone_id IS NOT NULL"),
        ),
        Index(
            "uq_pools_default_company",
            "is_default",
            unique=True,
            postgresql_where=text("is_default AND zone_id IS NULL"),
        ),
    )


class PoolPermission(Base):
    """公海池权限设置 (seed 004): which roles may view, claim from and allocate a pool. A pool
    without rows follows each role's pool policy; with rows, only the roles listed with the flag
    may (still within their zones)."""

    __tablename__ = "pool_permissions"
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(
        ForeignKey("roles.name", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True
    )
    can_view: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    can_claim: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    can_allocate: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))


class PoolTargetRule(Base):
    """Where a released or recycled customer goes: the first rule (by position) whose conditions
    all hold — an empty list matches anything — names the pool; none: the zone's default pool,
    then the company pool. The recycle statement joins this table."""

    __tablename__ = "pool_target_rules"
    id: Mapped[uuid.UUID] = _uuid_pk()
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    industries: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False, server_default="{}")
    tiers: Mapped[list[str]] = mapped_column(ARRAY(String(8)), nullable=False, server_default="{}")
    levels: Mapped[list[str]] = mapped_column(ARRAY(String(8)), nullable=False, server_default="{}")
    zone_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"
    )
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = _created()
    __table_args__ = (UniqueConstraint("position"),)


class OwnershipEvent(Base):
    """A customer changing hands: claimed, released, recycled, allocated, transferred. The daily
    claim cap, the re-claim cooldown and the rep's lost-customer board (遗失看板) read these."""

    __tablename__ = "customer_ownership_events"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    from_owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    to_owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    pool_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pools.id"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    rule: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    __table_args__ = (
        CheckConstraint("kind IN ('claim', 'release', 'recycle', 'allocate', 'transfer')", name="kind"),
        Index("ix_ownership_to", "to_owner_id", "kind", "at"),
        Index("ix_ownership_from", "from_owner_id", "at"),
        Index("ix_ownership_customer", "customer_id", "at"),
        Index("ix_ownership_pool_kind", "pool_id", "kind", "at"),
    )


class RecycleReminder(Base):
    """A reminder sent to an owner that a customer falls due for recycling on `due_on`: one per
    customer, owner and due date, so a re-run of the reminder job never repeats it."""

    __tablename__ = "recycle_reminders"
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    created_at: Mapped[datetime] = _created()


# --- outbox, webhooks, message channels -----------------------------------------------------


class OutboxEvent(Base):
    """A business event (customer claimed, lead assigned…), written in the same transaction as
    the change; the worker fans it out to webhook subscriptions and marks it dispatched."""

    __tablename__ = "outbox_events"
    id: Mapped[uuid.UUID] = _uuid_pk()  # the event id receivers de-duplicate on
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False), nullable=False, unique=True)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    occurred_at: Mapped[datetime] = _created()
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_outbox_events_pending", "seq", postgresql_where=text("dispatched_at IS NULL")),
        Index("ix_outbox_events_occurred", "occurred_at"),
    )


class WebhookSubscription(Versioned, Base):
    """An integration's endpoint: which event types it wants, and the secret it verifies the
    HMAC-SHA256 signature with."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (Index("ix_webhook_subscriptions_types", "event_types", postgresql_using="gin"),)


class WebhookDelivery(Base):
    """One event to one endpoint: retried with exponential backoff until delivered or failed."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[uuid.UUID] = _uuid_pk()
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outbox_events.id", ondelete="CASCADE"), nullable=False
    )
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # set by a manual re-delivery until its first attempt is logged
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[datetime] = _created()
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_event"),
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_webhook_deliveries_log", "subscription_id", "created_at", "id"),
        Index("ix_webhook_deliveries_event", "event_id"),
    )


class WebhookAttempt(Base):
    """The delivery log: every HTTP attempt with its status code (or error) and duration."""

    __tablename__ = "webhook_attempts"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False
    )
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = _created()
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    response_body: Mapped[str | None] = mapped_column(Text)  # the first 1,000 characters
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)


class MessageChannel(Base):
    """An outbound channel for notifications (log, email, sms, wecom): on or off, which
    notification kinds it carries (empty: all) and its settings (SMTP server, gateway…)."""

    __tablename__ = "message_channels"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    kinds: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (CheckConstraint("code IN ('log', 'email', 'sms', 'wecom')", name="code"),)


class MessageDelivery(Base):
    """One notification sent through one channel to its user (retried like webhooks)."""

    __tablename__ = "message_deliveries"
    id: Mapped[uuid.UUID] = _uuid_pk()
    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False
    )
    channel: Mapped[str] = mapped_column(ForeignKey("message_channels.code"), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed', 'skipped')", name="status"),
        UniqueConstraint("notification_id", "channel", name="uq_message_deliveries_channel"),
        Index("ix_message_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_message_deliveries_log", "created_at", "id"),
    )


# --- customer levels ---


class CustomerLevelDefinition(Base):
    """客户等级 (seed 001): normal / KA / SKA, each with the criteria that qualify a customer —
    company size, opportunity volume (annual amount), cooperation depth. Admins edit the
    criteria; a customer's level changes through a level-change request (CustomerLevelRequest)."""

    __tablename__ = "customer_levels"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)  # zh
    name_en: Mapped[str] = mapped_column(String(50), nullable=False)
    sort_order: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    # company sizes (domain.customers.CompanySize values) that qualify; empty: any size
    company_sizes: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    # minimum annual opportunity / contract amount, CNY
    min_annual_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    min_cooperation_years: Mapped[int | None] = mapped_column(SmallInteger)
    cooperation_depth: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint("code IN ('normal', 'KA', 'SKA')", name="code"),
        CheckConstraint("min_annual_amount IS NULL OR min_annual_amount >= 0", name="min_annual_amount"),
    )


# --- recycling protections ----------------------------------------------------------------------


class CustomerProtection(Base):
    """Why an owned customer is not recycled while it lasts: an effective contract (which also
    counts as the won deal of the no-deal rule, and starts the contract-ended clock when it
    ends) or an opportunity in a late stage. Written by the services that own those records."""

    __tablename__ = "customer_protections"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    source_id: Mapped[str] = mapped_column(String(80), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint("source IN ('contract', 'opportunity')", name="source"),
        UniqueConstraint("source", "source_id", name="uq_customer_protections_source"),
    )


# --- approval flows ------------------------------------------------------------------------------


class ApprovalFlow(Versioned, Base):
    """An admin-defined approval flow for one kind of request (level change, sample, quote,
    contract…). Its steps live in versions: editing makes a new version, and a request keeps
    the version it was submitted under."""

    __tablename__ = "approval_flows"
    id: Mapped[uuid.UUID] = _uuid_pk()
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        UniqueConstraint("name", name="uq_approval_flows_name"),
        Index("ix_approval_flows_kind", "kind", "is_active"),
    )


class ApprovalFlowVersion(Base):
    """One immutable version of a flow: its match conditions and steps as JSON."""

    __tablename__ = "approval_flow_versions"
    id: Mapped[uuid.UUID] = _uuid_pk()
    flow_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("approval_flows.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    __table_args__ = (UniqueConstraint("flow_id", "number", name="uq_approval_flow_versions_number"),)


# --- approval requests ---------------------------------------------------------------------------


class ApprovalRequest(Base):
    """A running (or finished) approval: the change it asks for, the facts its flow was chosen
    on, and the engine's state (domain.approvals.ApprovalState as JSON) under the flow version it
    was submitted with. While pending, the subject is locked for the kind's fields: one pending
    request per (subject, kind)."""

    __tablename__ = "approval_requests"
    id: Mapped[uuid.UUID] = _uuid_pk()
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    flow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approval_flows.id"), nullable=False)
    flow_version: Mapped[int] = mapped_column(Integer, nullable=False)
    subject_type: Mapped[str] = mapped_column(String(24), nullable=False)
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(String(1000), nullable=False)
    # {field: [before, after]}: what approval applies, and the diff the approvers see
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    state: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    # the open step (denormalised from state for lists and the deadline sweep)
    current_step: Mapped[int | None] = mapped_column(SmallInteger)
    step_name: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    admin_queue: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    round: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")
    submitted_at: Mapped[datetime] = _created()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = _updated()
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="status"),
        Index(
            "uq_approval_requests_pending_subject",
            "subject_type",
            "subject_id",
            "kind",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_approval_requests_applicant", "applicant_id", "submitted_at", "id"),
        Index("ix_approval_requests_subject", "subject_id", "submitted_at"),
        Index("ix_approval_requests_submitted", "submitted_at", "id"),
        Index("ix_approval_requests_kind_status", "kind", "status", "submitted_at"),
        Index(
            "ix_approval_requests_due",
            "due_at",
            postgresql_where=text("status = 'pending' AND due_at IS NOT NULL"),
        ),
        Index(
            "ix_approval_requests_admin_queue",
            "submitted_at",
            "id",
            postgresql_where=text("status = 'pending' AND admin_queue"),
        ),
    )


class ApprovalTask(Base):
    """One approver's place on one step run: the inbox. `pending` until they decide, or until
    the step closes without them (someone else decided an any-of step, the applicant withdrew,
    they delegated or were escalated past): `closed`."""

    __tablename__ = "approval_tasks"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), nullable=False
    )
    approver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    step_index: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    round: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    note: Mapped[str | None] = mapped_column(String(24))  # why closed
    comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = _created()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'closed')", name="status"),
        Index(
            "ix_approval_tasks_pending",
            "approver_id",
            "created_at",
            "id",
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_approval_tasks_done",
            "approver_id",
            "decided_at",
            "id",
            postgresql_where=text("status IN ('approved', 'rejected')"),
        ),
        Index("ix_approval_tasks_request", "request_id", "status"),
    )


class ApprovalEvent(Base):
    """The request's timeline: submitted, each step opened / decided / skipped, delegated,
    approver added, reminded, escalated, withdrawn, resubmitted, applied."""

    __tablename__ = "approval_events"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = _created()
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(24), nullable=False)
    step_index: Mapped[int | None] = mapped_column(SmallInteger)
    round: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")
    comment: Mapped[str | None] = mapped_column(String(1000))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    __table_args__ = (Index("ix_approval_events_request", "request_id", "id"),)
