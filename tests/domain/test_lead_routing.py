"""Lead routing, the pure part: conditions (AND/OR), missing fields, fair selection."""

from __future__ import annotations

from collections import Counter

import pytest

from domain.lead_routing import (
    InvalidConditions,
    condition_fields,
    least_loaded_order,
    matches,
    missing_fields,
    rotation,
    smooth_weighted_sequence,
    validate_conditions,
    weighted_order,
)

LEAD = {"province_code": "440000", "city_code": "440300", "industry": "制造", "product": "CRM", "grade": "A"}


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, True),
        ({"field": "province_code", "op": "eq", "value": "440000"}, True),
        ({"field": "province_code", "op": "eq", "value": "110000"}, False),
        ({"field": "grade", "op": "in", "value": ["A", "B"]}, True),
        ({"field": "grade", "op": "not_in", "value": ["A", "B"]}, False),
        ({"field": "channel_id", "op": "not_in", "value": ["x"]}, True),  # absent is not in the list
        ({"field": "channel_id", "op": "in", "value": ["x"]}, False),
        ({"field": "industry", "op": "present"}, True),
        ({"field": "company_size", "op": "missing"}, True),
        ({"field": "company_size", "op": "present"}, False),
        (
            {
                "all": [
                    {"field": "province_code", "op": "eq", "value": "440000"},
                    {"field": "product", "op": "eq", "value": "ERP"},
                ]
            },
            False,
        ),
        (
            {
                "any": [
                    {"field": "province_code", "op": "eq", "value": "110000"},
                    {"field": "product", "op": "eq", "value": "CRM"},
                ]
            },
            True,
        ),
        (
            {
                "all": [
                    {"field": "grade", "op": "in", "value": ["A"]},
                    {
                        "any": [
                            {"field": "city_code", "op": "eq", "value": "440100"},
                            {"field": "industry", "op": "eq", "value": "制造"},
                        ]
                    },
                ]
            },
            True,
        ),
    ],
)
def test_conditions_match_and_or_groups(conditions, expected):  # noqa: ANN001
    validate_conditions(conditions)
    assert matches(conditions, LEAD) is expected


def test_ids_compare_as_strings():
    import uuid

    zone = uuid.uuid4()
    assert matches({"field": "zone", "op": "eq", "value": str(zone)}, {"zone": zone})


@pytest.mark.parametrize(
    ("conditions", "where"),
    [
        ([], "conditions: expected an object"),
        ({"all": []}, "conditions.all: expected a non-empty list"),
        ({"all": [{"field": "x", "op": "eq", "value": "1"}]}, "conditions.all[0].field"),
        ({"field": "grade", "op": "like", "value": "A"}, "conditions.op"),
        ({"field": "grade", "op": "in", "value": "A"}, "conditions.value"),
        ({"all": [], "any": []}, "exactly one key"),
    ],
)
def test_malformed_conditions_say_where(conditions, where):  # noqa: ANN001
    with pytest.raises(InvalidConditions, match=where.replace("[", r"\[").replace("]", r"\]")):
        validate_conditions(conditions)


def test_condition_fields_and_missing_fields():
    tree = {"any": [{"field": "grade", "op": "eq", "value": "A"}, {"field": "zone", "op": "present"}]}
    assert condition_fields(tree) == {"grade", "zone"}
    assert missing_fields(
        {"province_code": "", "product": "CRM"}, ["province_code", "product", "industry"]
    ) == [
        "province_code",
        "industry",
    ]


def test_round_robin_rotation_gives_each_their_turn():
    reps = ["a", "b", "c", "d"]
    firsts = Counter(rotation(reps, n)[0] for n in range(100))
    assert firsts == {"a": 25, "b": 25, "c": 25, "d": 25}
    assert rotation(reps, 5) == ["b", "c", "d", "a"]  # b's turn; the others next if b is away
    assert rotation([], 3) == []


def test_smooth_weighted_round_robin_is_proportional_and_spread():
    seq = smooth_weighted_sequence([("a", 5), ("b", 1), ("c", 1)])
    assert seq == ["a", "a", "b", "a", "c", "a", "a"]  # nginx's example: no long runs
    picks = Counter(weighted_order([("a", 3), ("b", 1), ("z", 0)], n)[0] for n in range(400))
    assert picks == {"a": 300, "b": 100}
    assert weighted_order([("a", 3), ("b", 1)], 0)[1:] == ["b"]  # fallbacks follow


def test_least_loaded_orders_by_open_leads_then_given_order():
    assert least_loaded_order(["a", "b", "c"], {"a": 3, "b": 1}) == ["c", "b", "a"]
    assert least_loaded_order(["a", "b"], {}) == ["a", "b"]
