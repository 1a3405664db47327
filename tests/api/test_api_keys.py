"""API keys: shown once, listed without secrets, authenticate with exactly their role,
revocation is immediate, no privilege escalation, audit."""

from __future__ import annotations

from sqlalchemy import select

from repositories.models import ApiKey, AuditEntry

V1 = "/api/v1"
KEYS = f"{V1}/api-keys"


def _fields(r):  # noqa: ANN001, ANN202
    return [e["field"] for e in r.json().get("errors", [])]


async def test_api_key_round_trip(client, factory):
    admin = await factory.admin()
    rep = await factory.user("sales_rep")
    r = await client.post(
        KEYS, json={"name": "ERP 同步", "role": "sales_rep", "user_id": str(rep.id)}, headers=admin.headers
    )
    assert r.status_code == 201, r.text
    created = r.json()
    raw = created["key"]
    assert raw.startswith("crm_") and created["prefix"] == raw[:10]
    assert created["role"] == "sales_rep" and created["user"]["id"] == str(rep.id)
    assert created["revoked_at"] is None and created["last_used_at"] is None
    assert r.headers["Cache-Control"] == "no-store"

    # both header forms authenticate as the key's user with exactly the key's role
    for headers in ({"X-API-Key": raw}, {"Authorization": f"Bearer {raw}"}):
        me = await client.get(f"{V1}/me", headers=headers)
        assert me.status_code == 200, me.text
        body = me.json()
        assert (
            body["auth"] == "api_key" and body["user"]["id"] == str(rep.id) and body["roles"] == ["sales_rep"]
        )
        assert body["permissions"]["customer"]["read"] == "own"
        assert "role" not in body["permissions"]
        assert (await client.get(f"{V1}/regions", headers=headers)).status_code == 200
        assert (await client.get(f"{V1}/roles", headers=headers)).status_code == 403

    listed = (await client.get(KEYS, headers=admin.headers)).json()
    assert listed["next_cursor"] is None
    [item] = listed["items"]
    assert item["id"] == created["id"] and item["prefix"] == created["prefix"] and item["name"] == "ERP 同步"
    assert item["last_used_at"] is not None  # the key was used above
    assert "key" not in item and "key_hash" not in item and raw not in str(listed)

    revoke = await client.delete(f"{KEYS}/{created['id']}", headers=admin.headers)
    assert revoke.status_code == 204
    assert (await client.get(f"{V1}/me", headers={"X-API-Key": raw})).status_code == 401
    assert (await client.get(f"{V1}/me", headers={"Authorization": f"Bearer {raw}"})).status_code == 401
    item = (await client.get(KEYS, headers=admin.headers)).json()["items"][0]
    assert item["revoked_at"] is not None
    assert (
        await client.delete(f"{KEYS}/{created['id']}", headers=admin.headers)
    ).status_code == 204  # idempotent
    missing = await client.delete(f"{KEYS}/00000000-0000-0000-0000-000000000001", headers=admin.headers)
    assert missing.status_code == 404

    async with factory.ctx.sessions() as s:
        stored = await s.get(ApiKey, created["id"])
        entries = (
            await s.scalars(select(AuditEntry).where(AuditEntry.entity == "api_key").order_by(AuditEntry.id))
        ).all()
    assert stored is not None and stored.key_hash != raw and raw not in str(stored.key_hash)
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[0].changes["key_hash"] == [None, "***"] and entries[0].actor_id == admin.id
    assert "revoked_at" in entries[1].changes


async def test_key_acts_for_the_creator_by_default_and_validates_input(client, factory):
    admin = await factory.admin()
    h = admin.headers
    r = await client.post(KEYS, json={"name": "脚本", "role": "executive"}, headers=h)
    assert r.status_code == 201 and r.json()["user"]["id"] == str(admin.id)
    me = (await client.get(f"{V1}/me", headers={"X-API-Key": r.json()["key"]})).json()
    assert me["roles"] == ["executive"] and me["permissions"]["customer"]["read"] == "all"
    assert (await client.post(KEYS, json={"name": "x", "role": "wizard"}, headers=h)).status_code == 422
    gone = await factory.user("sales_rep", active=False)
    for user_id in (str(gone.id), "00000000-0000-0000-0000-000000000001"):
        r = await client.post(KEYS, json={"name": "x", "role": "sales_rep", "user_id": user_id}, headers=h)
        assert r.status_code == 422 and _fields(r) == ["user_id"]
    r = await client.post(KEYS, json={"name": "", "role": "sales_rep", "key": "mine"}, headers=h)
    assert r.status_code == 422 and sorted(_fields(r)) == ["key", "name"]
    assert (await client.get(f"{V1}/me", headers={"X-API-Key": "crm_forged"})).status_code == 401


async def test_sales_rep_cannot_manage_keys(client, factory):
    rep = await factory.user("sales_rep")
    admin = await factory.admin()
    key = (await client.post(KEYS, json={"name": "k", "role": "sales_rep"}, headers=admin.headers)).json()
    assert (await client.get(KEYS, headers=rep.headers)).status_code == 403
    assert (
        await client.post(KEYS, json={"name": "k", "role": "sales_rep"}, headers=rep.headers)
    ).status_code == 403
    assert (await client.delete(f"{KEYS}/{key['id']}", headers=rep.headers)).status_code == 403


async def test_own_scope_key_managers_cannot_escalate_or_see_others_keys(client, factory):
    """A role allowed to manage its *own* keys binds only roles it holds, for itself."""
    admin = await factory.admin()
    h = admin.headers
    await client.post(f"{V1}/roles", json={"name": "integrator", "label": "集成"}, headers=h)
    rules = [{"resource": "api_key", "action": a, "scope": "own"} for a in ("read", "create", "delete")]
    await client.put(f"{V1}/roles/integrator/policies", json={"policies": rules}, headers=h)
    dev = await factory.user("integrator", "sales_rep")
    other = await factory.user("sales_rep")
    admins_key = (await client.post(KEYS, json={"name": "admin's", "role": "admin"}, headers=h)).json()

    escalate = await client.post(KEYS, json={"name": "x", "role": "admin"}, headers=dev.headers)
    assert escalate.status_code == 422 and _fields(escalate) == ["role"]
    for_other = await client.post(
        KEYS, json={"name": "x", "role": "sales_rep", "user_id": str(other.id)}, headers=dev.headers
    )
    assert for_other.status_code == 422 and _fields(for_other) == ["user_id"]
    mine = await client.post(KEYS, json={"name": "mine", "role": "sales_rep"}, headers=dev.headers)
    assert mine.status_code == 201

    listed = (await client.get(KEYS, headers=dev.headers)).json()["items"]
    assert [k["id"] for k in listed] == [mine.json()["id"]]
    assert (await client.delete(f"{KEYS}/{admins_key['id']}", headers=dev.headers)).status_code == 404
    assert (await client.get(f"{V1}/me", headers={"X-API-Key": admins_key["key"]})).status_code == 200


async def test_key_of_a_deactivated_user_stops_working(client, factory):
    admin = await factory.admin()
    rep = await factory.user("sales_rep")
    key = (
        await client.post(
            KEYS, json={"name": "k", "role": "sales_rep", "user_id": str(rep.id)}, headers=admin.headers
        )
    ).json()["key"]
    assert (await client.get(f"{V1}/me", headers={"X-API-Key": key})).status_code == 200
    await client.patch(f"{V1}/users/{rep.id}", json={"is_active": False}, headers=admin.headers)
    assert (await client.get(f"{V1}/me", headers={"X-API-Key": key})).status_code == 401


async def test_key_list_pages(client, factory):
    admin = await factory.admin()
    for n in range(3):
        await client.post(KEYS, json={"name": f"k{n}", "role": "sales_rep"}, headers=admin.headers)
    first = (await client.get(KEYS, params={"limit": 2}, headers=admin.headers)).json()
    rest = (
        await client.get(KEYS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin.headers)
    ).json()
    names = [k["name"] for k in first["items"] + rest["items"]]
    assert sorted(names) == ["k0", "k1", "k2"] and rest["next_cursor"] is None
