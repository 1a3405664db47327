"""Roles and permission rules: listing, catalogue, create/delete, replacing a role's rules,
lock-out protection, fail-closed roles, and propagation to other processes through Redis."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from domain.access import RESOURCES, default_policies
from repositories import access as access_repo
from repositories.models import AuditEntry, CasbinRule
from services.authz import AccessControl
from services.roles import RoleService

V1 = "/api/v1"


def _fields(r):  # noqa: ANN001, ANN202
    return [e["field"] for e in r.json().get("errors", [])]


def _rules(rules):  # noqa: ANN001, ANN202
    return [{"resource": r, "action": a, "scope": s} for r, a, s in rules]


async def test_list_roles_with_their_policies_and_the_catalogue(client, factory):
    admin = await factory.admin()
    roles = (await client.get(f"{V1}/roles", headers=admin.headers)).json()["items"]
    by_name = {r["name"]: r for r in roles}
    assert set(by_name) >= {"admin", "sales_rep", "sales_manager", "executive"}
    assert all(r["builtin"] for r in roles)
    rep = by_name["sales_rep"]
    assert rep["label"]
    assert {"resource": "customer", "action": "read", "scope": "own"} in rep["policies"]
    assert len(rep["policies"]) == len(default_policies()["sales_rep"])
    catalog = (await client.get(f"{V1}/permissions/catalog", headers=admin.headers)).json()
    assert catalog["scopes"] == ["own", "team", "zone", "all"]
    assert {r["name"]: tuple(r["actions"]) for r in catalog["resources"]} == RESOURCES
    one = await client.get(f"{V1}/roles/sales_rep", headers=admin.headers)
    assert one.status_code == 200 and one.json() == rep
    assert (await client.get(f"{V1}/roles/nobody", headers=admin.headers)).status_code == 404


async def test_non_admin_cannot_read_or_change_roles(client, factory):
    rep = await factory.user("sales_rep")
    h = rep.headers
    assert (await client.get(f"{V1}/roles", headers=h)).status_code == 403
    assert (await client.get(f"{V1}/permissions/catalog", headers=h)).status_code == 403
    assert (await client.post(f"{V1}/roles", json={"name": "x1", "label": "x"}, headers=h)).status_code == 403
    r = await client.put(f"{V1}/roles/sales_rep/policies", json={"policies": []}, headers=h)
    assert r.status_code == 403
    assert (await client.delete(f"{V1}/roles/sales_rep", headers=h)).status_code == 403


async def test_create_role_validates_and_refuses_duplicates(client, factory):
    admin = await factory.admin()
    h = admin.headers
    r = await client.post(f"{V1}/roles", json={"name": "channel_partner", "label": "渠道伙伴"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json() == {"name": "channel_partner", "label": "渠道伙伴", "builtin": False, "policies": []}
    assert r.headers["Location"] == f"{V1}/roles/channel_partner"
    dup = await client.post(f"{V1}/roles", json={"name": "channel_partner", "label": "again"}, headers=h)
    assert dup.status_code == 409 and _fields(dup) == ["name"]
    builtin_dup = await client.post(f"{V1}/roles", json={"name": "admin", "label": "again"}, headers=h)
    assert builtin_dup.status_code == 409
    for bad in ("Partner", "a", "with-dash", "x" * 65, "9lives", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"):
        r = await client.post(f"{V1}/roles", json={"name": bad, "label": "x"}, headers=h)
        assert r.status_code == 422 and _fields(r) == ["name"], bad
    r = await client.post(f"{V1}/roles", json={"name": "ok_name", "label": ""}, headers=h)
    assert r.status_code == 422 and _fields(r) == ["label"]
    async with factory.ctx.sessions() as s:
        audited = (await s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "role"))).all()
    assert audited == ["create"]


async def test_role_without_policies_is_denied_everything(client, factory):
    admin = await factory.admin()
    await client.post(f"{V1}/roles", json={"name": "intern", "label": "实习生"}, headers=admin.headers)
    intern = await factory.user("intern")
    assert (await client.get(f"{V1}/regions", headers=intern.headers)).status_code == 403
    assert (await client.get(f"{V1}/users", headers=intern.headers)).status_code == 403
    me = await client.get(f"{V1}/me", headers=intern.headers)
    assert me.status_code == 200 and me.json()["permissions"] == {} and me.json()["roles"] == ["intern"]
    # granted one rule: exactly that works
    r = await client.put(
        f"{V1}/roles/intern/policies",
        json={"policies": _rules([("region", "read", "all")])},
        headers=admin.headers,
    )
    assert r.status_code == 200
    assert (await client.get(f"{V1}/regions", headers=intern.headers)).status_code == 200
    assert (await client.get(f"{V1}/users", headers=intern.headers)).status_code == 403
    # and an emptied role fails closed again
    await client.put(f"{V1}/roles/intern/policies", json={"policies": []}, headers=admin.headers)
    assert (await client.get(f"{V1}/regions", headers=intern.headers)).status_code == 403


async def test_replace_policies_validates_each_rule(client, factory):
    admin = await factory.admin()
    url = f"{V1}/roles/sales_rep/policies"
    cases = [
        ([("customer", "read", "own"), ("customer", "fly", "own")], ["policies.1.action"]),
        ([("spaceship", "read", "own")], ["policies.0.resource"]),
        ([("customer", "read", "galaxy")], ["policies.0.scope"]),
        ([("customer", "read", "own"), ("customer", "read", "all")], ["policies.1"]),
        (
            [("customer", "read", "own"), ("x", "read", "own"), ("tag", "read", "nope")],
            ["policies.1.resource", "policies.2.scope"],
        ),
    ]
    for rules, fields in cases:
        r = await client.put(url, json={"policies": _rules(rules)}, headers=admin.headers)
        assert r.status_code == 422, r.text
        assert _fields(r) == fields
    missing = await client.put(
        url, json={"policies": [{"resource": "customer", "action": "read"}]}, headers=admin.headers
    )
    assert missing.status_code == 422 and _fields(missing) == ["policies.0.scope"]
    extra = await client.put(url, json={"policies": [], "mode": "merge"}, headers=admin.headers)
    assert extra.status_code == 422 and _fields(extra) == ["mode"]
    unknown = await client.put(f"{V1}/roles/ghost/policies", json={"policies": []}, headers=admin.headers)
    assert unknown.status_code == 404
    # nothing changed
    rep = (await client.get(f"{V1}/roles/sales_rep", headers=admin.headers)).json()
    assert len(rep["policies"]) == len(default_policies()["sales_rep"])


async def test_admin_cannot_remove_its_own_role_management(client, factory):
    admin = await factory.admin()
    keep_read_only = [
        (r, a, "all") for r, acts in RESOURCES.items() for a in acts if (r, a) != ("role", "manage")
    ]
    r = await client.put(
        f"{V1}/roles/admin/policies", json={"policies": _rules(keep_read_only)}, headers=admin.headers
    )
    assert r.status_code == 422
    assert "role/manage" in r.json()["detail"]
    assert (await client.get(f"{V1}/roles", headers=admin.headers)).status_code == 200
    # other admin rules may change, as long as role/manage stays
    r = await client.put(
        f"{V1}/roles/admin/policies",
        json={"policies": _rules([("role", "manage", "all"), ("role", "read", "all")])},
        headers=admin.headers,
    )
    assert r.status_code == 200
    assert (await client.get(f"{V1}/users", headers=admin.headers)).status_code == 403
    assert (await client.get(f"{V1}/roles", headers=admin.headers)).status_code == 200


async def test_policy_change_reaches_me_and_another_process_through_redis(client, factory):
    admin = await factory.admin()
    rep = await factory.user("sales_rep")
    ctx = factory.ctx
    # a second process: its own enforcer and snapshot, sharing PostgreSQL and Redis
    other = AccessControl(ctx.engine, ctx.sessions, ctx.redis, refresh_seconds=0.0)
    await other.reload()
    principal = other.user_principal(rep.id)
    assert principal is not None
    assert other.allowed(principal, "customer", "read")

    before = (await client.get(f"{V1}/roles/sales_rep", headers=admin.headers)).json()["policies"]
    without_read = [p for p in before if (p["resource"], p["action"]) != ("customer", "read")]
    r = await client.put(
        f"{V1}/roles/sales_rep/policies", json={"policies": without_read}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    assert {"resource": "customer", "action": "read", "scope": "own"} not in r.json()["policies"]

    perms = (await client.get(f"{V1}/me", headers=rep.headers)).json()["permissions"]
    assert "read" not in perms.get("customer", {}) and perms["customer"]["create"] == "own"

    assert other.allowed(principal, "customer", "read")  # still the old snapshot …
    await other.ensure_fresh()  # … until it compares the Redis version
    assert not other.allowed(principal, "customer", "read")
    assert "read" not in other.permissions(principal).get("customer", {})
    assert other.allowed(principal, "customer", "create")

    # exactly the new set is stored (no leftovers, no duplicates), and audited before/after
    async with ctx.sessions() as s:
        rows = (
            await s.execute(
                select(CasbinRule.v1, CasbinRule.v2, CasbinRule.v3).where(
                    CasbinRule.ptype == "p", CasbinRule.v0 == "sales_rep"
                )
            )
        ).all()
        entry = await s.scalar(
            select(AuditEntry).where(AuditEntry.entity == "role", AuditEntry.action == "set_policies")
        )
    assert sorted(tuple(r) for r in rows) == sorted(
        (p["resource"], p["action"], p["scope"]) for p in without_read
    )
    assert entry is not None and entry.entity_id == "sales_rep" and entry.actor_id == admin.id
    old, new = entry.changes["policies"]
    assert ["customer", "read", "own"] in old and ["customer", "read", "own"] not in new


async def test_delete_role_removes_rules_links_and_keys(client, factory):
    admin = await factory.admin()
    h = admin.headers
    assert (await client.delete(f"{V1}/roles/sales_rep", headers=h)).status_code == 422
    await client.post(f"{V1}/roles", json={"name": "auditor", "label": "审计"}, headers=h)
    await client.put(
        f"{V1}/roles/auditor/policies", json={"policies": _rules([("audit_log", "read", "all")])}, headers=h
    )
    user = await factory.user("auditor", "sales_rep")
    key = (
        await client.post(f"{V1}/api-keys", json={"name": "审计导出", "role": "auditor"}, headers=h)
    ).json()
    assert (await client.get(f"{V1}/me", headers={"X-API-Key": key["key"]})).status_code == 200

    r = await client.delete(f"{V1}/roles/auditor", headers=h)
    assert r.status_code == 204
    assert (await client.get(f"{V1}/roles/auditor", headers=h)).status_code == 404
    assert (await client.get(f"{V1}/users/{user.id}", headers=h)).json()["roles"] == ["sales_rep"]
    assert (await client.get(f"{V1}/me", headers={"X-API-Key": key["key"]})).status_code == 401
    assert (await client.delete(f"{V1}/roles/auditor", headers=h)).status_code == 404
    # a new role with the old name does not resurrect anything
    await client.post(f"{V1}/roles", json={"name": "auditor", "label": "审计"}, headers=h)
    assert (await client.get(f"{V1}/roles/auditor", headers=h)).json()["policies"] == []
    assert (await client.get(f"{V1}/users/{user.id}", headers=h)).json()["roles"] == ["sales_rep"]
    async with factory.ctx.sessions() as s:
        left = (await s.scalars(select(CasbinRule.id).where(CasbinRule.v1 == "auditor"))).all()
        actions = (
            await s.scalars(
                select(AuditEntry.action).where(AuditEntry.entity == "role").order_by(AuditEntry.id)
            )
        ).all()
    assert left == []
    assert actions == ["create", "set_policies", "delete_rules", "delete", "create"]


async def test_concurrent_policy_replacements_leave_one_whole_set(client, factory):
    """Two admins replace a role's rules at once: the later one wins whole, never the union
    (the second waits on the role's row lock, then deletes what the first inserted)."""
    ctx = factory.ctx
    a = [{"resource": "customer", "action": "read", "scope": "own"}]
    b = [
        {"resource": "customer", "action": "read", "scope": "team"},
        {"resource": "tag", "action": "read", "scope": "all"},
    ]
    first, second = ctx.sessions(), ctx.sessions()
    try:
        await RoleService(first, ctx.access).replace_policies("sales_rep", a)  # not committed yet
        late = asyncio.create_task(RoleService(second, ctx.access).replace_policies("sales_rep", b))
        await asyncio.sleep(0.2)
        assert not late.done()  # blocked behind the first transaction
        await first.commit()
        await late
        await second.commit()
    finally:
        await first.close()
        await second.close()
    async with ctx.sessions() as s:
        stored = await access_repo.policies_of(s, "sales_rep")
    assert stored == [("customer", "read", "team"), ("tag", "read", "all")]


async def test_rename_role_label(client, factory):
    admin = await factory.admin()
    r = await client.patch(f"{V1}/roles/sales_rep", json={"label": "销售 / Sales"}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["label"] == "销售 / Sales" and r.json()["builtin"] is True
