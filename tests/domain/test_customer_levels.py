"""Level-change rules without a database: what a request may ask for (who decides is the
approval flow's: tests/domain/test_approvals.py)."""

from __future__ import annotations

from domain.customers import is_upgrade, level_change_error


def test_only_another_level_may_be_requested() -> None:
    assert level_change_error("normal", "normal") is not None
    assert level_change_error("normal", "KA") is None
    assert is_upgrade("normal", "SKA") and is_upgrade("KA", "SKA") and not is_upgrade("SKA", "KA")
