"""The permission catalogue and the roles that ship by default (PRODUCT.md, roles and scope).

A policy row is (role, resource, action, scope). Casbin decides whether the role may do the
action; the scope says which rows (own/team/zone/all) it applies to.
"""

from __future__ import annotations

RESOURCES: dict[str, tuple[str, ...]] = {
    "customer": ("read", "create", "update", "delete", "export"),
    "contact": ("read", "create", "update", "delete"),
    "follow_up": ("read", "create", "update", "delete"),
    "tag": ("read", "create", "update", "delete"),
    "user": ("read", "create", "update"),
    "team": ("read", "create", "update", "delete"),
    "sales_zone": ("read", "create", "update", "delete"),
    "department": ("read", "create", "update", "delete"),
    "role": ("read", "manage"),
    "api_key": ("read", "create", "delete"),
    "audit_log": ("read",),
    "region": ("read",),
    "setting": ("read", "update"),
    "lead": ("read", "create", "update", "delete", "dispatch", "export", "claim", "import"),
    "channel": ("read", "create", "update"),
    "assignment_rule": ("read", "manage"),
    "pool": ("read", "claim", "allocate", "manage"),
    "webhook": ("read", "manage"),
    "approval_flow": ("read", "manage"),
    # read: the inbox and the requests one takes part in or oversees (everyone);
    # manage: every request, the admin queue, deciding or reassigning any step (admins)
    "approval": ("read", "manage"),
    # opportunities: move = change stage; reassign = 转派 and dispatching the leader's queue
    "opportunity": ("read", "create", "update", "delete", "move", "reassign"),
    "business_line": ("read", "manage"),
    "sales_target": ("manage",),
    "task": ("read",),
}

ROLES: dict[str, str] = {
    "admin": "管理员 / Administrator",
    "executive": "老板 / Executive",
    "sales_director": "销售总监 / Sales director",
    "sales_manager": "销售经理 / Sales manager",
    "sales_rep": "销售代表 / Sales rep",
    "legal": "法务 / Legal",
    "finance": "财务 / Finance",
    "marketing": "市场 / Marketing",
    "customer_service": "客服 / Customer service",
}

_CRM = ("customer", "contact", "follow_up")
_ORG_READ = ("user", "team", "sales_zone", "department", "region")


def _grant(resources: tuple[str, ...], actions: tuple[str, ...], scope: str) -> list[tuple[str, str, str]]:
    out = []
    for resource in resources:
        for action in actions:
            if action in RESOURCES[resource]:
                out.append((resource, action, scope))
    return out


def default_policies() -> dict[str, list[tuple[str, str, str]]]:
    everything = [(r, a, "all") for r, actions in RESOURCES.items() for a in actions]
    reference = (
        _grant(_ORG_READ, ("read",), "all")
        + _grant(("tag",), ("read",), "all")
        + _grant(("channel",), ("read",), "all")
        + _grant(("approval",), ("read",), "all")
        + _grant(("business_line",), ("read",), "all")
        + _grant(("task",), ("read",), "own")
    )
    opp = ("opportunity",)
    selling = ("read", "create", "update", "move", "reassign")
    leads = ("lead",)
    return {
        "admin": everything,
        "executive": _grant(_CRM + leads + ("pool",) + opp, ("read",), "all")
        + _grant(("sales_target",), ("manage",), "all")
        + _grant(leads, ("export",), "all")
        + _grant(("customer",), ("export",), "all")
        + _grant(("audit_log",), ("read",), "all")
        + reference,
        "sales_director": _grant(_CRM + leads, ("read", "create", "update"), "zone")
        + _grant(opp, selling, "zone")
        + _grant(("sales_target",), ("manage",), "zone")
        + _grant(leads, ("dispatch", "export", "claim", "import"), "zone")
        + _grant(("pool",), ("read", "claim", "allocate"), "zone")
        + _grant(("customer",), ("export",), "zone")
        + _grant(("audit_log",), ("read",), "zone")
        + _grant(("tag",), ("create", "update"), "all")
        + _grant(("assignment_rule",), ("read",), "all")
        + reference,
        "sales_manager": _grant(_CRM + leads, ("read", "create", "update"), "team")
        + _grant(opp, selling, "team")
        + _grant(("sales_target",), ("manage",), "team")
        + _grant(leads, ("dispatch", "export", "claim", "import"), "team")
        + _grant(("pool",), ("read", "claim", "allocate"), "team")
        + _grant(("customer",), ("export",), "team")
        + _grant(("audit_log",), ("read",), "team")
        + _grant(("assignment_rule",), ("read",), "all")
        + reference,
        "sales_rep": _grant(_CRM + leads, ("read", "create", "update", "claim"), "own")
        + _grant(opp, ("read", "create", "update", "move"), "own")
        + _grant(("pool",), ("read", "claim"), "own")
        + _grant(("follow_up",), ("delete",), "own")
        + _grant(("audit_log",), ("read",), "own")
        + reference,
        "legal": _grant(_CRM + opp, ("read",), "all") + reference,
        "finance": _grant(_CRM + opp, ("read",), "all")
        + _grant(("customer",), ("export",), "all")
        + reference,
        "marketing": _grant(("customer", "contact"), ("read",), "all")
        + _grant(leads, ("read", "create", "export", "import"), "all")
        + _grant(("tag",), ("create", "update"), "all")
        + _grant(opp, ("read", "update"), "own")  # presales / marketing people on opportunity teams
        + reference,
        "customer_service": _grant(_CRM, ("read",), "all")
        + _grant(leads, ("create",), "all")
        + _grant(("follow_up",), ("create",), "all")
        + _grant(opp, ("read", "update"), "own")  # service people on opportunity teams
        + reference,
    }
