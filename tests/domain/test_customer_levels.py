"""Level-change rules without a database: who may decide, what a request may ask for."""

from __future__ import annotations

import uuid

from domain.customers import is_upgrade, level_change_error, may_decide_level_request


def test_only_another_level_may_be_requested() -> None:
    assert level_change_error("normal", "normal") is not None
    assert level_change_error("normal", "KA") is None
    assert is_upgrade("normal", "SKA") and is_upgrade("KA", "SKA") and not is_upgrade("SKA", "KA")


def test_the_manager_or_a_covering_approver_decides_but_never_the_applicant() -> None:
    rep, manager, director, stranger = (uuid.uuid4() for _ in range(4))
    assert may_decide_level_request(manager, rep, manager, scope_covers_customer=False)
    assert may_decide_level_request(director, rep, manager, scope_covers_customer=True)
    assert not may_decide_level_request(stranger, rep, manager, scope_covers_customer=False)
    assert not may_decide_level_request(rep, rep, None, scope_covers_customer=True)
