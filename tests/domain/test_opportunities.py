"""The pipeline's pure rules without a database: the weighted pipeline (seed 000), conversion,
grades, exit criteria and stage moves."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domain.opportunities import (
    ExitCriteria,
    FunnelRow,
    InvalidStageSet,
    Snapshot,
    Stage,
    StageKind,
    StageMoveError,
    conversion,
    grade_for,
    plan_move,
    unmet,
    validate_stage_set,
    weighted,
    weighted_pipeline,
)

MILLION = Decimal("1000000")


def stage(
    code: str,
    position: int,
    rate: str,
    kind: StageKind = StageKind.OPEN,
    criteria: ExitCriteria | None = None,
    active: bool = True,
) -> Stage:
    return Stage(
        id=uuid.uuid4(),
        code=code,
        name=code.title(),
        position=position,
        kind=kind,
        win_rate=Decimal(rate),
        forecast_category="pipeline",
        criteria=criteria or ExitCriteria(),
        is_active=active,
    )


def snap(
    fields: dict | None = None,
    roles: list[str | None] | None = None,
    documents: set[str] | None = None,
    ticked: dict | None = None,
) -> Snapshot:
    return Snapshot(
        fields=fields or {},
        chain_roles=roles or [],
        document_kinds=frozenset(documents or ()),
        ticked=ticked or {},
    )


# the shipped 1-3-5-7-10 line, each open stage guarding one kind of criterion
INITIAL = stage(
    "initial", 1, "10", criteria=ExitCriteria(required_fields=("expected_close_date",), min_contacts=1)
)
NEEDS = stage("needs", 2, "30", criteria=ExitCriteria(key_roles=("decision_maker",), min_contacts=2))
SOLUTION = stage(
    "solution", 3, "50", criteria=ExitCriteria(documents=("solution",), required_fields=("amount",))
)
NEGOTIATION = stage("negotiation", 4, "70", criteria=ExitCriteria(checklist=("客户确认报价",)))
SIGNING = stage("signing", 5, "100")
WON = stage("won", 6, "100", StageKind.WON)
LOST = stage("lost", 7, "0", StageKind.LOST)
LINE = [INITIAL, NEEDS, SOLUTION, NEGOTIATION, SIGNING, WON, LOST]
OPEN = [INITIAL, NEEDS, SOLUTION, NEGOTIATION, SIGNING]


# --- weighted pipeline ---------------------------------------------------------------------


def test_seed_funnel_five_stages_of_a_million_weigh_2_600_000() -> None:
    per_stage = [weighted(MILLION, s.win_rate) for s in OPEN]
    assert per_stage == [
        Decimal("100000.00"),
        Decimal("300000.00"),
        Decimal("500000.00"),
        Decimal("700000.00"),
        MILLION,
    ]
    total = weighted_pipeline((MILLION, s.win_rate) for s in OPEN)
    assert total == Decimal("2600000.00")
    assert str(total) == "2600000.00"  # to the cent, as the API writes it
    # a manager whose month target is 5,000,000 is 2,400,000 short (seed 000)
    assert Decimal("5000000.00") - total == Decimal("2400000.00")


def test_weighted_rounds_half_up_to_the_cent_per_opportunity() -> None:
    assert weighted(Decimal("0.05"), Decimal("10")) == Decimal("0.01")  # 0.005 → 0.01
    assert weighted(Decimal("0.04"), Decimal("10")) == Decimal("0.00")  # 0.004 → 0.00
    assert weighted(Decimal("333.33"), Decimal("33.33")) == Decimal("111.10")  # 111.099…
    # rounded per opportunity, then summed (what the drill-down adds up)
    assert weighted_pipeline([(Decimal("0.05"), Decimal("10"))] * 2) == Decimal("0.02")
    assert weighted_pipeline([]) == Decimal("0.00")


def test_funnel_row_weighs_its_amount_at_the_stage_rate() -> None:
    row = FunnelRow(NEGOTIATION, count=2, amount=Decimal("2000000.00"))
    assert row.weighted == Decimal("1400000.00")


# --- conversion ----------------------------------------------------------------------------


def test_conversion_is_the_share_that_reached_the_next_stage() -> None:
    assert conversion(10, 4) == Decimal("40.00")
    assert conversion(3, 1) == Decimal("33.33")
    assert conversion(3, 2) == Decimal("66.67")
    assert conversion(5, 5) == Decimal("100.00")
    assert conversion(0, 0) is None  # nothing reached the stage: no rate, not 0%


# --- grades --------------------------------------------------------------------------------


def test_grade_by_amount_thresholds() -> None:
    thresholds = {"A": "1000000", "B": "200000"}
    assert grade_for(Decimal("1000000"), thresholds) == "A"  # at the threshold
    assert grade_for(Decimal("999999.99"), thresholds) == "B"
    assert grade_for(Decimal("200000"), thresholds) == "B"
    assert grade_for(Decimal("199999.99"), thresholds) == "C"
    assert grade_for(Decimal("5"), {}) == "C"  # no thresholds: everything is C


# --- exit criteria -------------------------------------------------------------------------


def test_unmet_required_fields() -> None:
    s = stage(
        "x", 1, "10", criteria=ExitCriteria(required_fields=("amount", "expected_close_date", "products"))
    )
    missing = unmet(s, snap({"amount": Decimal("0"), "products": []}))
    assert [(m.kind, m.item) for m in missing] == [
        ("required_field", "amount"),  # 0 is not an amount
        ("required_field", "expected_close_date"),
        ("required_field", "products"),
    ]
    assert (
        unmet(
            s,
            snap({"amount": Decimal("1"), "expected_close_date": "2026-12-01", "products": [{"name": "A"}]}),
        )
        == []
    )
    assert unmet(s, snap({"amount": 1, "expected_close_date": "x", "products": "  "}))[0].item == "products"


def test_unmet_key_roles_and_min_contacts() -> None:
    missing = unmet(NEEDS, snap(roles=["champion"]))
    assert [(m.kind, m.item) for m in missing] == [("key_role", "decision_maker"), ("min_contacts", "2")]
    assert missing[0].stage == "needs"
    assert "现有 1" in missing[1].message
    # a contact without a role still counts toward the minimum
    assert unmet(NEEDS, snap(roles=["decision_maker", None])) == []


def test_unmet_documents_and_checklist() -> None:
    assert [(m.kind, m.item) for m in unmet(SOLUTION, snap({"amount": 5}))] == [("document", "solution")]
    assert unmet(SOLUTION, snap({"amount": 5}, documents={"solution"})) == []
    assert [(m.kind, m.item) for m in unmet(NEGOTIATION, snap())] == [("checklist", "客户确认报价")]
    # ticks count per stage code
    assert unmet(NEGOTIATION, snap(ticked={"solution": ["客户确认报价"]})) != []
    assert unmet(NEGOTIATION, snap(ticked={"negotiation": ["客户确认报价"]})) == []


def test_missing_as_dict_is_what_the_422_lists() -> None:
    (m,) = unmet(SOLUTION, snap({"amount": 5}))
    assert m.as_dict() == {"stage": "solution", "kind": "document", "item": "solution", "message": m.message}


# --- moves ---------------------------------------------------------------------------------


def test_moving_forward_checks_every_stage_passed() -> None:
    move = plan_move(
        LINE, INITIAL, NEGOTIATION, snap({"expected_close_date": "2026-12-01"}, roles=["champion"])
    )
    assert move.forward
    assert [s.code for s in move.checked] == ["initial", "needs", "solution"]
    assert {(m.stage, m.kind) for m in move.missing} == {
        ("needs", "key_role"),
        ("needs", "min_contacts"),
        ("solution", "document"),
        ("solution", "required_field"),
    }
    assert not move.allowed


def test_moving_forward_with_everything_met_is_allowed() -> None:
    ok = snap(
        {"expected_close_date": "2026-12-01", "amount": Decimal("10")},
        roles=["decision_maker", "user"],
        documents={"solution"},
    )
    move = plan_move(LINE, INITIAL, NEGOTIATION, ok)
    assert move.allowed and move.missing == ()


def test_moving_back_and_losing_check_nothing() -> None:
    back = plan_move(LINE, NEGOTIATION, INITIAL, snap())
    assert not back.forward and back.allowed and back.checked == ()
    lost = plan_move(LINE, INITIAL, LOST, snap())
    assert lost.allowed and lost.checked == ()


def test_winning_checks_every_open_stage_left() -> None:
    move = plan_move(LINE, SOLUTION, WON, snap({"amount": 5}, documents={"solution"}))
    assert [s.code for s in move.checked] == ["solution", "negotiation", "signing"]
    assert [(m.stage, m.kind) for m in move.missing] == [("negotiation", "checklist")]


def test_reopening_a_closed_opportunity_checks_nothing() -> None:
    move = plan_move(LINE, LOST, SOLUTION, snap())
    assert move.allowed and move.checked == ()


def test_inactive_stages_are_skipped_by_checks_and_refused_as_targets() -> None:
    retired = stage("retired", 2, "20", criteria=ExitCriteria(checklist=("never",)), active=False)
    line = [INITIAL, retired, SOLUTION, SIGNING, WON, LOST]
    move = plan_move(line, INITIAL, SOLUTION, snap({"expected_close_date": "x"}, roles=["user"]))
    assert [s.code for s in move.checked] == ["initial"] and move.allowed
    with pytest.raises(StageMoveError):
        plan_move(line, INITIAL, retired, snap())


def test_moving_to_the_same_stage_is_refused() -> None:
    with pytest.raises(StageMoveError):
        plan_move(LINE, NEEDS, NEEDS, snap())


# --- stage sets ----------------------------------------------------------------------------


def _raw(code: str, rate: str, kind: str = "open") -> dict:
    return {"code": code, "win_rate": rate, "kind": kind}


def test_a_valid_stage_set() -> None:
    validate_stage_set(
        [_raw("a", "10"), _raw("b", "30"), _raw("won", "100", "won"), _raw("lost", "0", "lost")]
    )


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([], "needs stages"),
        ([_raw("a", "10"), _raw("a", "20"), _raw("w", "100", "won"), _raw("l", "0", "lost")], "used twice"),
        ([_raw("w", "100", "won"), _raw("l", "0", "lost")], "open stage"),
        ([_raw("a", "10"), _raw("l", "0", "lost")], "won stage"),
        (
            [_raw("a", "50"), _raw("b", "30"), _raw("w", "100", "won"), _raw("l", "0", "lost")],
            "must not fall",
        ),
        ([_raw("a", "150"), _raw("w", "100", "won"), _raw("l", "0", "lost")], "between 0 and 100"),
    ],
)
def test_invalid_stage_sets_name_the_problem(stages: list[dict], message: str) -> None:
    with pytest.raises(InvalidStageSet, match=message):
        validate_stage_set(stages)


def test_exit_criteria_parse_refuses_unknowns() -> None:
    with pytest.raises(InvalidStageSet, match="unknown criteria"):
        ExitCriteria.parse({"bogus": []})
    with pytest.raises(InvalidStageSet, match="required_fields: unknown"):
        ExitCriteria.parse({"required_fields": ["shoe_size"]})
    with pytest.raises(InvalidStageSet, match="min_contacts"):
        ExitCriteria.parse({"min_contacts": -1})
    parsed = ExitCriteria.parse({"key_roles": ["decision_maker", "decision_maker"], "min_contacts": 2})
    assert parsed.key_roles == ("decision_maker",) and parsed.to_json()["min_contacts"] == 2
    assert ExitCriteria.parse(None).empty
