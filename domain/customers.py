"""Customer, contact, follow-up and tag vocabulary and pure rules (seed 003)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID


class CustomerKind(StrEnum):
    ENTERPRISE = "enterprise"
    INDIVIDUAL = "individual"


class CustomerLevel(StrEnum):
    NORMAL = "normal"
    KA = "KA"
    SKA = "SKA"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    OTHER = "other"


class CompanySize(StrEnum):
    MICRO = "1-19"
    SMALL = "20-99"
    MEDIUM = "100-499"
    LARGE = "500-999"
    XLARGE = "1000+"


class DecisionRole(StrEnum):
    DECISION_MAKER = "decision_maker"
    CHAMPION = "champion"  # 支持者 / 内线: argues our case inside the customer
    INFLUENCER = "influencer"
    USER = "user"
    GATEKEEPER = "gatekeeper"
    OTHER = "other"


class Attitude(StrEnum):
    SUPPORTER = "supporter"
    NEUTRAL = "neutral"
    OPPONENT = "opponent"


class FollowUpKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    MESSAGE = "message"
    MEETING = "meeting"
    EMAIL = "email"


DEFAULT_TIERS = (
    # code, name (zh), days without follow-up before recycling (PRODUCT.md)
    ("A", "A 类（重点）", 30),
    ("B", "B 类", 15),
    ("C", "C 类", 7),
    ("D", "D 类", 7),
    ("E", "E 类", 3),
)

DEFAULT_MIN_CONTACTS = 2


def contact_warnings(kind: CustomerKind, contact_count: int, min_contacts: int) -> list[dict[str, str]]:
    """Seed 001: an enterprise customer should have at least N contacts (default 2)."""
    if kind is CustomerKind.ENTERPRISE and contact_count < min_contacts:
        return [
            {
                "code": "min_contacts",
                "message": f"企业客户至少需要 {min_contacts} 位联系人（当前 {contact_count} 位）"
                f" / enterprise customers need at least {min_contacts} contacts (has {contact_count})",
            }
        ]
    return []


def would_create_cycle(node_id: object, new_parent_id: object | None, parent_of: dict) -> bool:
    """True if making `new_parent_id` the parent of `node_id` closes a loop (trees: teams,
    departments, customer parents, contact reports_to)."""
    seen = set()
    cursor = new_parent_id
    while cursor is not None:
        if cursor == node_id or cursor in seen:
            return True
        seen.add(cursor)
        cursor = parent_of.get(cursor)
    return False


SORTABLE = ("name", "created_at", "updated_at", "last_followed_up_at", "level", "tier")


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    """What the customer list can be narrowed by (all optional, combined with AND)."""

    q: str | None = None
    uscc: str | None = None
    mobile: str | None = None
    kind: str | None = None
    level: str | None = None
    tier: str | None = None
    owner_id: UUID | None = None
    owner_ids: frozenset[UUID] | None = None  # a team (and sub-teams) resolved to its members
    zone_id: UUID | None = None
    tag_id: UUID | None = None
    industry: str | None = None
    province_code: str | None = None
    last_followed_up_from: datetime | None = None
    last_followed_up_to: datetime | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def parse_sort(sort: str | None) -> tuple[str, bool]:
    """ "-updated_at" → ("updated_at", descending=True). Default: most recently updated first."""
    if not sort:
        return "updated_at", True
    descending = sort.startswith("-")
    field = sort.lstrip("-+")
    if field not in SORTABLE:
        raise ValueError(f"sort must be one of {', '.join(SORTABLE)} (prefix - for descending)")
    return field, descending


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Spreadsheet formula injection: text starting with = + - @ TAB CR is prefixed with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True, slots=True)
class TierClock:
    """One tier's recycling days: no follow-up, no won deal, contract ended (None: off)."""

    follow_up_days: int | None
    no_deal_days: int | None
    contract_ended_days: int | None


@dataclass(frozen=True, slots=True)
class Protection:
    """A customer's protections as recycling sees them (customer_protections, summarised)."""

    exempt: bool = False  # an active protection of an exempt kind
    last_deal_at: datetime | None = None  # the latest contract's start: a won deal
    contract_ended_at: datetime | None = None  # every contract has ended: the last end


NO_PROTECTION = Protection()


def summarize_protections(rows: list[Any], now: datetime, exempt: tuple[str, ...]) -> Protection:
    """One customer's protection rows (source, starts_at, ends_at) as recycling sees them — the
    same summary repositories/protections.py computes in SQL for a page of customers."""
    contracts = [r for r in rows if r.source == "contract"]
    return Protection(
        exempt=any(
            r.source in exempt and r.starts_at <= now and (r.ends_at is None or r.ends_at > now) for r in rows
        ),
        last_deal_at=max((r.starts_at for r in contracts), default=None),
        contract_ended_at=(
            max(r.ends_at for r in contracts)
            if contracts and all(r.ends_at is not None and r.ends_at <= now for r in contracts)
            else None
        ),
    )


def recycle_due_at(
    *,
    owned: bool,
    locked: bool,
    clock: TierClock | None,
    last_followed_up_at: datetime | None,
    claimed_at: datetime | None,
    created_at: datetime,
    protection: Protection = NO_PROTECTION,
) -> datetime | None:
    """When an owned customer goes back to the pool unless something happens first — the
    earliest of: its tier's no-follow-up days after the last follow-up (or the claim); the
    no-deal days after the claim, unless a deal was won since; the contract-ended days after its
    last contract ended. None when it is not owned, locked, protected, or under no rule."""
    if not owned or locked or clock is None or protection.exempt:
        return None
    since_claim = claimed_at or created_at
    candidates = []
    if clock.follow_up_days is not None:
        candidates.append((last_followed_up_at or since_claim) + timedelta(days=clock.follow_up_days))
    won = protection.last_deal_at is not None and protection.last_deal_at >= since_claim
    if clock.no_deal_days is not None and not won:
        candidates.append(since_claim + timedelta(days=clock.no_deal_days))
    if clock.contract_ended_days is not None and protection.contract_ended_at is not None:
        candidates.append(protection.contract_ended_at + timedelta(days=clock.contract_ended_days))
    return min(candidates) if candidates else None


# --- customer levels (客户等级) and level-change requests ----------------------------------------

LEVEL_RANK = {CustomerLevel.NORMAL: 0, CustomerLevel.KA: 1, CustomerLevel.SKA: 2}


class LevelRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


def is_upgrade(from_level: str, to_level: str) -> bool:
    return LEVEL_RANK[CustomerLevel(to_level)] > LEVEL_RANK[CustomerLevel(from_level)]


def level_change_error(current: str, to_level: str) -> str | None:
    """Why a level-change request from `current` to `to_level` makes no sense, or None."""
    if to_level == current:
        return f"the customer is already {current}; ask for another level"
    return None


# financial information (开票信息, seed 003): changed through an approved request only
FINANCE_FIELDS: tuple[str, ...] = (
    "billing_title",
    "tax_number",
    "bank_name",
    "bank_account",
    "billing_address",
    "billing_phone",
)


def normalize_tax_number(value: str) -> str:
    """纳税人识别号: the USCC (18) or an older 15/17/20-character number; letters upper-cased,
    spaces dropped."""
    text = value.replace(" ", "").upper()
    if not (15 <= len(text) <= 20 and text.isascii() and text.isalnum()):
        raise ValueError("15 to 20 letters and digits")
    return text


def normalize_bank_account(value: str) -> str:
    """A bank account number: 8 to 30 digits (spaces and hyphens dropped)."""
    text = value.replace(" ", "").replace("-", "")
    if not (8 <= len(text) <= 30 and text.isascii() and text.isdigit()):
        raise ValueError("8 to 30 digits")
    return text
