"""Leads (线索): the pure rules — company-name normalisation for de-duplication, status
transitions, and the score / grade of seed 001 (channel + completeness + key actions).

No I/O here: the leads service (issue 3) feeds these with channels, thresholds and counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    INVALID = "invalid"


_NEXT: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: frozenset(
        {LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.INVALID, LeadStatus.CONVERTED}
    ),
    LeadStatus.CONTACTED: frozenset({LeadStatus.QUALIFIED, LeadStatus.INVALID, LeadStatus.CONVERTED}),
    LeadStatus.QUALIFIED: frozenset({LeadStatus.CONVERTED, LeadStatus.INVALID, LeadStatus.CONTACTED}),
    LeadStatus.CONVERTED: frozenset(),
    LeadStatus.INVALID: frozenset({LeadStatus.NEW}),  # a lead marked invalid by mistake can be reopened
}


def can_move(current: LeadStatus, target: LeadStatus) -> bool:
    """new → contacted → qualified → converted | invalid; converted is final."""
    return target in _NEXT[current]


# Longest first, so 股份有限公司 goes before 有限公司. Latin forms are matched after
# lower-casing and NFKC (full-width → half-width).
_LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "company limited",
    "co., ltd.",
    "co.,ltd.",
    "co., ltd",
    "co.,ltd",
    "co. ltd",
    "limited",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "corporation",
    "corp.",
    "corp",
    "group",
)
_NOISE = re.compile(r"[\s\-_.,·・'\"“”‘’&]+")


def normalize_company_name(name: str) -> str:
    """The key two spellings of one company share (seed 000: same company + same product is
    a duplicate). Full-width and half-width characters, （） and (), spaces, case and the
    legal form (有限公司, 股份有限公司, 集团, Co., Ltd. …) do not make a different company.
    A bracketed qualifier such as （中国） stays: 阿里巴巴（中国）and 阿里巴巴 are different
    legal entities."""
    text = unicodedata.normalize("NFKC", name).lower().strip()
    text = re.sub(r"\s+", " ", text)
    changed = True
    while changed and text:
        changed = False
        for suffix in _LEGAL_SUFFIXES:
            if not text.endswith(suffix) or len(text) <= len(suffix):
                continue
            rest = text[: -len(suffix)].rstrip(" ,.")
            # "有限公司" alone must not become "有限": stop when what is left is itself the
            # start of a legal form
            if not rest or any(other.startswith(rest) for other in _LEGAL_SUFFIXES):
                continue
            text = rest
            changed = True
            break
    return _NOISE.sub("", text)


@dataclass(frozen=True, slots=True)
class ScoringRules:
    """Admin-set numbers for grading (defaults follow seed 001's three dimensions)."""

    field_points: Mapping[str, int]  # key field → points when filled
    action_points: Mapping[str, int]  # form_submit / call / visit / meeting → points each
    action_cap: int = 40  # key actions add at most this much
    thresholds: tuple[tuple[str, int], ...] = (("A", 70), ("B", 45), ("C", 25), ("D", 0))


DEFAULT_SCORING = ScoringRules(
    field_points={
        "company_name": 5,
        "contact_name": 5,
        "mobile": 10,
        "email": 3,
        "title": 3,
        "province_code": 4,
        "industry": 3,
        "company_size": 3,
        "product": 4,
    },
    action_points={"form_submit": 5, "call": 5, "visit": 10, "meeting": 10},
)


@dataclass(frozen=True, slots=True)
class Score:
    channel: int
    completeness: int
    actions: int
    grade: str

    @property
    def total(self) -> int:
        return self.channel + self.completeness + self.actions

    def explain(self) -> str:
        """ "B: channel 20 + completeness 15 + actions 10 = 45" (shown on the lead)."""
        return (
            f"{self.grade}: channel {self.channel} + completeness {self.completeness}"
            f" + actions {self.actions} = {self.total}"
        )


def grade_for(total: int, thresholds: tuple[tuple[str, int], ...]) -> str:
    """The first grade whose minimum the score reaches (thresholds from best to worst)."""
    for grade, minimum in sorted(thresholds, key=lambda t: -t[1]):
        if total >= minimum:
            return grade
    return thresholds[-1][0]


def score_lead(
    channel_weight: int,
    fields: Mapping[str, object],
    actions: Mapping[str, int],
    rules: ScoringRules = DEFAULT_SCORING,
) -> Score:
    """Score = channel weight + points per filled key field + key actions (capped)."""
    completeness = sum(
        points for field, points in rules.field_points.items() if fields.get(field) not in (None, "", [])
    )
    action_total = sum(rules.action_points.get(kind, 0) * max(count, 0) for kind, count in actions.items())
    action_total = min(action_total, rules.action_cap)
    channel = max(channel_weight, 0)
    return Score(
        channel,
        completeness,
        action_total,
        grade_for(channel + completeness + action_total, rules.thresholds),
    )
