"""Pure lead rules: normalisation for de-duplication, status transitions, score and grade."""

from __future__ import annotations

import pytest

from domain.leads import DEFAULT_SCORING, LeadStatus, can_move, grade_for, normalize_company_name, score_lead


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("华为技术有限公司", "华为技术"),
        ("华为技术有限公司", "华为技术 有限公司"),
        ("阿里巴巴（中国）有限公司", "阿里巴巴(中国)有限公司"),
        ("阿里巴巴（中国）网络技术有限公司", "阿里巴巴 (中国) 网络技术有限责任公司"),
        ("深圳市腾讯计算机系统股份有限公司", "深圳市腾讯计算机系统有限公司"),
        ("万科集团", "万科"),
        ("ＡＢＣ科技有限公司", "abc科技"),  # full-width Latin letters
        ("Acme Trading Co., Ltd.", "ACME TRADING CO.,LTD"),
        ("Acme Trading Company Limited", "acme trading"),
        ("上海 浦东 发展银行", "上海浦东发展银行"),
    ],
)
def test_spellings_of_one_company_share_a_key(a: str, b: str) -> None:
    assert normalize_company_name(a) == normalize_company_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("阿里巴巴（中国）有限公司", "阿里巴巴有限公司"),  # a different legal entity
        ("华为技术有限公司", "华为终端有限公司"),
        ("北京字节跳动科技有限公司", "上海字节跳动科技有限公司"),
    ],
)
def test_different_companies_keep_different_keys(a: str, b: str) -> None:
    assert normalize_company_name(a) != normalize_company_name(b)


def test_a_name_that_is_only_a_legal_form_is_not_emptied() -> None:
    assert normalize_company_name("有限公司") == "有限公司"
    assert normalize_company_name("集团") == "集团"


def test_status_transitions() -> None:
    assert can_move(LeadStatus.NEW, LeadStatus.CONTACTED)
    assert can_move(LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
    assert can_move(LeadStatus.QUALIFIED, LeadStatus.CONVERTED)
    assert can_move(LeadStatus.NEW, LeadStatus.INVALID)
    assert not can_move(LeadStatus.CONVERTED, LeadStatus.NEW)
    assert not can_move(LeadStatus.CONVERTED, LeadStatus.INVALID)
    assert can_move(LeadStatus.INVALID, LeadStatus.NEW)


def test_score_breakdown_and_grade() -> None:
    score = score_lead(
        20,
        {"company_name": "华为", "contact_name": "张三", "mobile": "+8613800138000", "email": ""},
        {"form_submit": 1, "call": 1},
    )
    assert (score.channel, score.completeness, score.actions) == (20, 20, 10)
    assert score.total == 50
    assert score.grade == "B"
    assert score.explain() == "B: channel 20 + completeness 20 + actions 10 = 50"


def test_logging_actions_raises_the_grade_but_actions_are_capped() -> None:
    fields = {"company_name": "某公司", "mobile": "+8613800138000"}
    before = score_lead(0, fields, {})  # completeness 15
    after = score_lead(0, fields, {"visit": 1, "meeting": 1})  # + 20
    assert (before.grade, after.grade) == ("D", "C")
    capped = score_lead(0, fields, {"call": 100})
    assert capped.actions == DEFAULT_SCORING.action_cap


def test_grade_thresholds() -> None:
    thresholds = DEFAULT_SCORING.thresholds
    assert [grade_for(s, thresholds) for s in (100, 70, 69, 45, 44, 25, 24, 0)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "C",
        "D",
        "D",
    ]
