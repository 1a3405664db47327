"""Customers (客户): create/update with the rules of seed 003, scoped reads, export."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import CustomerFilters, CustomerKind, contact_warnings, would_create_cycle
from domain.errors import DuplicateRecord, FieldError, NotFound, check_version
from domain.scope import ScopeLevel
from repositories import customers as repo
from repositories import regions as regions_repo
from repositories import settings as settings_repo
from repositories.models import Contact, Customer
from services.approval_kinds import LOCKING_KINDS
from services.approvals import assert_unlocked
from services.context import Actor

ENTERPRISE_ONLY = ("short_name", "uscc", "size", "company_type", "fax", "website", "parent_id")
INDIVIDUAL_ONLY = (
    "gender",
    "birthday",
    "mobile",
    "id_type",
    "id_number",
    "occupation",
    "position",
    "education",
)


class CustomerService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    # --- reads ------------------------------------------------------------------------------

    async def get(self, customer_id: uuid.UUID) -> Customer:
        customer = await repo.get_visible(self.session, customer_id, self.actor.scope)
        if customer is None:
            raise NotFound("customer", customer_id)
        return customer

    async def detail(self, customer_id: uuid.UUID) -> dict[str, Any]:
        data = await repo.detail(self.session, customer_id, self.actor.scope)
        if data is None:
            raise NotFound("customer", customer_id)
        kind = CustomerKind(data["customer"].kind)
        data["warnings"] = contact_warnings(kind, data["contact_count"], data["min_contacts"])
        return data

    def resolve_filters(self, filters: CustomerFilters, team_id: uuid.UUID | None) -> CustomerFilters:
        """A team filter means the customers owned by its members and sub-teams' members."""
        if team_id is None:
            return filters
        org = self.actor.access.org
        owners = {u for t in org.subtree(team_id) for u in org.members.get(t, ())}
        return CustomerFilters(**{**_asdict(filters), "owner_ids": frozenset(owners)})

    async def search(
        self, filters: CustomerFilters, sort: str, descending: bool, cursor: str | None, limit: int
    ) -> tuple[list[Row[Any]], str | None, dict[uuid.UUID, list[dict[str, Any]]]]:
        rows, next_cursor = await repo.search(
            self.session, self.actor.scope, filters, sort, descending, cursor, limit
        )
        tags = await repo.tags_for(self.session, [r.id for r in rows])
        return rows, next_cursor, tags

    # --- writes -----------------------------------------------------------------------------

    async def create(self, data: dict[str, Any]) -> Customer:
        contacts = data.pop("contacts", None) or []
        kind = CustomerKind(data["kind"])
        self._check_kind_fields(kind, data)
        await self._check_regions(data, None)
        await self._check_tier(data)
        await self._check_unique(data, None)
        if data.get("parent_id"):
            await self._check_parent(None, data["parent_id"])
        user = self.actor.access.org.users.get(self.actor.user_id)
        zone_id = None
        if user is not None and user.team_id is not None:
            zone_id = self.actor.access.org.teams[user.team_id].zone_id
        elif user is not None and user.zone_ids:
            zone_id = user.zone_ids[0]
        customer = Customer(
            **data,
            owner_id=self.actor.user_id,
            zone_id=zone_id,
            claimed_at=datetime.now(UTC),  # the recycling clock starts
            created_by=self.actor.user_id,
            level="normal",
        )
        self.session.add(customer)
        await self._flush_unique()
        if kind is CustomerKind.INDIVIDUAL:
            # seed 003: creating an individual customer also creates its contact
            self.session.add(
                Contact(
                    customer_id=customer.id,
                    name=customer.name,
                    mobile=customer.mobile,
                    email=customer.email,
                    gender=customer.gender,
                    is_key_person=True,
                    created_by=self.actor.user_id,
                )
            )
        for index, contact in enumerate(contacts):
            if not contact.get("name"):
                raise FieldError(f"contacts.{index}.name", "field required")
            self.session.add(Contact(**contact, customer_id=customer.id, created_by=self.actor.user_id))
        await self.session.flush()
        return customer

    async def update(
        self, customer_id: uuid.UUID, data: dict[str, Any], expected_version: int | None
    ) -> Customer:
        customer = await self.get(customer_id)
        check_version(customer.version, expected_version)
        kind = CustomerKind(customer.kind)
        self._check_kind_fields(kind, data)
        await self._check_regions(data, customer)
        await self._check_tier(data)
        await self._check_unique(data, customer.id)
        if data.get("parent_id"):
            await self._check_parent(customer.id, data["parent_id"])
        if "level" in data:
            await self._check_level(customer, data)
        for key, value in data.items():
            setattr(customer, key, value)
        await self._flush_unique()
        return customer

    async def delete(self, customer_id: uuid.UUID, expected_version: int | None) -> None:
        customer = await self.get(customer_id)
        check_version(customer.version, expected_version)
        await self.session.delete(customer)
        await self.session.flush()

    # --- rules ------------------------------------------------------------------------------

    @staticmethod
    def _check_kind_fields(kind: CustomerKind, data: dict[str, Any]) -> None:
        wrong = INDIVIDUAL_ONLY if kind is CustomerKind.ENTERPRISE else ENTERPRISE_ONLY
        for field in wrong:
            if data.get(field) is not None:
                raise FieldError(field, f"not a field of an {kind.value} customer")

    async def _check_regions(self, data: dict[str, Any], current: Customer | None) -> None:
        keys = ("province_code", "city_code", "district_code")
        if not any(k in data for k in keys):
            return
        merged = {k: data.get(k, getattr(current, k, None) if current else None) for k in keys}
        found = await regions_repo.by_codes(self.session, [c for c in merged.values() if c])
        expected_level = {"province_code": 1, "city_code": 2, "district_code": 3}
        for key, code in merged.items():
            if code and (code not in found or found[code].level != expected_level[key]):
                raise FieldError(key, f"{code} is not a {key.split('_')[0]} code (GB/T 2260)")
        if (
            merged["city_code"]
            and merged["province_code"]
            and found[merged["city_code"]].parent_code != merged["province_code"]
        ):
            raise FieldError("city_code", "city is not in the chosen province")
        if (
            merged["district_code"]
            and merged["city_code"]
            and found[merged["district_code"]].parent_code != merged["city_code"]
        ):
            raise FieldError("district_code", "district is not in the chosen city")

    async def _check_level(self, customer: Customer, data: dict[str, Any]) -> None:
        """The level changes through a level-change request (services/customer_levels.py); only
        admins (approval:manage) set it directly, and not while a level change waits for
        approval (409)."""
        if data["level"] is None:
            raise FieldError("level", "must be normal, KA or SKA")
        data["level"] = str(data["level"])
        if data["level"] == customer.level:
            return
        if self.actor.scope_for("approval", "manage").level is not ScopeLevel.ALL:
            raise FieldError(
                "level",
                "客户等级需提交变更申请 / ask for a level change with POST /customers/{id}/level-requests",
            )
        await assert_unlocked(self.session, "customer", customer.id, LOCKING_KINDS["level"])

    async def _check_tier(self, data: dict[str, Any]) -> None:
        if data.get("tier") and await settings_repo.get_tier(self.session, data["tier"]) is None:
            raise FieldError("tier", f"no customer tier {data['tier']!r}")

    async def _check_unique(self, data: dict[str, Any], own_id: uuid.UUID | None) -> None:
        if data.get("uscc"):
            other = await repo.by_uscc(self.session, data["uscc"])
            if other is not None and other.id != own_id:
                raise self._duplicate(
                    "uscc", "统一社会信用代码已存在 / a customer with this USCC exists", other
                )
        if data.get("mobile"):
            other = await repo.by_mobile(self.session, data["mobile"])
            if other is not None and other.id != own_id:
                raise self._duplicate("mobile", "手机号已存在 / a customer with this mobile exists", other)

    def _duplicate(self, field: str, message: str, other: Customer) -> DuplicateRecord:
        """Name the existing record only if the caller may see it (no existence leak of details)."""
        if self.actor.scope_for("customer", "read").covers(other.owner_id, other.zone_id):
            return DuplicateRecord(field, f"{message}: {other.name}", other.id)
        return DuplicateRecord(field, message + " (owned by someone else)")

    async def _flush_unique(self) -> None:
        """A concurrent insert can still win the race: the unique index answers, and so do we."""
        try:
            await self.session.flush()
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) != "23505":  # not a unique violation
                raise
            text = str(exc.orig)
            field = "uscc" if "uscc" in text else "mobile" if "mobile" in text else "record"
            raise DuplicateRecord(field, f"a customer with this {field} already exists") from exc

    async def _check_parent(self, customer_id: uuid.UUID | None, parent_id: uuid.UUID) -> None:
        if not await repo.is_visible(self.session, parent_id, self.actor.scope_for("customer", "read")):
            raise FieldError("parent_id", "no such customer")
        if customer_id is None:
            return
        chain = await repo.parent_chain(self.session, parent_id)
        if would_create_cycle(customer_id, parent_id, chain):
            raise FieldError("parent_id", "a customer cannot be its own ancestor")


def _asdict(filters: CustomerFilters) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in filters.__slots__}  # type: ignore[attr-defined]
