"""User administration: validation, uniqueness, team moves with history, deactivation,
management chain, filters and keyset pagination."""

from __future__ import annotations

from sqlalchemy import select

from repositories.models import AuditEntry
from tests.factories import PASSWORD

USERS = "/api/v1/users"


def _fields(r):  # noqa: ANN001, ANN202
    return {e["field"] for e in r.json().get("errors", [])}


async def _create(client, admin, **fields):  # noqa: ANN001, ANN003, ANN202
    body = {"username": "zhang.san", "display_name": "张三", "password": "S3cret-pass!", **fields}
    return await client.post(USERS, json=body, headers=admin.headers)


async def test_create_user_normalises_mobile_and_returns_roles_and_etag(client, factory):
    admin = await factory.admin()
    r = await _create(client, admin, mobile="138 0013 8000", roles=["sales_rep"], email="zs@example.com")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["mobile"] == "+8613800138000"
    assert body["roles"] == ["sales_rep"]
    assert r.headers["ETag"] == f'"{body["version"]}"'
    assert r.headers["Location"] == f"{USERS}/{body['id']}"
    assert "password" not in body and "password_hash" not in body
    # the new user can sign in with the password given
    login = await client.post(
        "/api/v1/auth/token", data={"username": "zhang.san", "password": "S3cret-pass!"}
    )
    assert login.status_code == 200


async def test_create_user_validation_errors_name_the_field(client, factory):
    admin = await factory.admin()
    bad_mobile = await _create(client, admin, mobile="12345")
    assert bad_mobile.status_code == 422
    assert bad_mobile.headers["content-type"] == "application/problem+json"
    assert _fields(bad_mobile) == {"mobile"}
    unknown_role = await _create(client, admin, roles=["sales_rep", "wizard"])
    assert unknown_role.status_code == 422 and _fields(unknown_role) == {"roles"}
    assert "wizard" in unknown_role.json()["errors"][0]["message"]
    extra = await _create(client, admin, is_superuser=True)
    assert extra.status_code == 422 and _fields(extra) == {"is_superuser"}
    short = await _create(client, admin, password="short", username="a b")
    assert short.status_code == 422 and _fields(short) == {"password", "username"}
    no_team = await _create(client, admin, team_id="00000000-0000-0000-0000-000000000001")
    assert no_team.status_code == 422 and _fields(no_team) == {"team_id"}


async def test_duplicate_username_and_mobile_are_409(client, factory):
    admin = await factory.admin()
    first = await _create(client, admin, mobile="13800138000")
    assert first.status_code == 201
    same_name = await _create(client, admin, username="ZHANG.SAN")  # case-insensitive
    assert same_name.status_code == 409
    assert same_name.json()["errors"][0]["field"] == "username"
    assert same_name.json()["existing_id"] == first.json()["id"]
    same_mobile = await _create(client, admin, username="li.si", mobile="+86 138 0013 8000")
    assert same_mobile.status_code == 409 and _fields(same_mobile) == {"mobile"}


async def test_sales_rep_cannot_create_or_update_users(client, factory):
    rep = await factory.user("sales_rep")
    assert (await _create(client, rep)).status_code == 403
    r = await client.patch(f"{USERS}/{rep.id}", json={"display_name": "x"}, headers=rep.headers)
    assert r.status_code == 403
    assert (await client.get(f"{USERS}/{rep.id}", headers=rep.headers)).status_code == 200


async def test_update_with_stale_etag_is_412_and_roles_change_the_etag(client, factory):
    admin = await factory.admin()
    user = (await _create(client, admin, roles=["sales_rep"])).json()
    url = f"{USERS}/{user['id']}"
    ok = await client.patch(
        url, json={"display_name": "张三丰"}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert ok.status_code == 200 and ok.json()["display_name"] == "张三丰"
    etag = ok.headers["ETag"]
    stale = await client.patch(url, json={"display_name": "x"}, headers={**admin.headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    roles = await client.patch(
        url, json={"roles": ["sales_manager"]}, headers={**admin.headers, "If-Match": etag}
    )
    assert roles.status_code == 200 and roles.json()["roles"] == ["sales_manager"]
    assert roles.headers["ETag"] != etag  # the representation changed, so must its ETag
    team_in_patch = await client.patch(url, json={"team_id": user["id"]}, headers=admin.headers)
    assert team_in_patch.status_code == 422 and _fields(team_in_patch) == {"team_id"}


async def test_move_closes_old_membership_and_opens_new_one(client, factory):
    admin = await factory.admin()
    zone = await factory.zone()
    north, south = await factory.team(zone, name="北组"), await factory.team(zone, name="南组")
    user = (await _create(client, admin, team_id=str(north.id), roles=["sales_rep"])).json()
    r = await client.post(
        f"{USERS}/{user['id']}/move",
        json={"team_id": str(south.id), "reason": "区域调整"},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["team_id"] == str(south.id)
    history = (await client.get(f"{USERS}/{user['id']}/memberships", headers=admin.headers)).json()["items"]
    assert [h["team"]["name"] for h in history] == ["南组", "北组"]  # newest first
    assert history[0]["ended_at"] is None and history[0]["reason"] == "区域调整"
    assert history[1]["ended_at"] is not None and history[1]["reason"] == "created"
    same = await client.post(
        f"{USERS}/{user['id']}/move",
        json={"team_id": str(south.id), "reason": "again"},
        headers=admin.headers,
    )
    assert same.status_code == 422
    no_reason = await client.post(
        f"{USERS}/{user['id']}/move", json={"team_id": str(north.id)}, headers=admin.headers
    )
    assert no_reason.status_code == 422 and _fields(no_reason) == {"reason"}
    async with factory.ctx.sessions() as s:
        actions = (
            await s.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.entity == "user", AuditEntry.entity_id == user["id"]
                )
            )
        ).all()
    assert "create" in actions and "update" in actions and "set_roles" in actions


async def test_deactivating_a_user_ends_their_access_and_refresh_tokens(client, factory):
    admin = await factory.admin()
    rep = await factory.user("sales_rep")
    tokens = (
        await client.post("/api/v1/auth/token", data={"username": rep.username, "password": PASSWORD})
    ).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 200
    r = await client.patch(f"{USERS}/{rep.id}", json={"is_active": False}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 401
    assert (await client.get("/api/v1/me", headers=rep.headers)).status_code == 401
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    login = await client.post("/api/v1/auth/token", data={"username": rep.username, "password": PASSWORD})
    assert login.status_code == 401


async def test_manager_id_follows_the_team_manager(client, factory):
    admin = await factory.admin()
    zone = await factory.zone()
    boss = await factory.user("sales_director")
    head = await factory.user("sales_manager")
    parent = await factory.team(zone, manager=boss)
    team = await factory.team(zone, parent=parent, manager=head)
    created = await _create(client, admin, team_id=str(team.id), roles=["sales_rep"])
    assert created.json()["manager_id"] == str(head.id)  # already in the create response
    rep_id = created.json()["id"]
    # the team's own manager reports to the parent team's manager
    assert (await client.get(f"{USERS}/{head.id}", headers=admin.headers)).json()["manager_id"] is None
    await client.post(
        f"{USERS}/{head.id}/move", json={"team_id": str(team.id), "reason": "x"}, headers=admin.headers
    )
    assert (await client.get(f"{USERS}/{head.id}", headers=admin.headers)).json()["manager_id"] == str(
        boss.id
    )
    # a new manager for the team: the rep's manager changes with it
    other = await factory.user("sales_manager")
    r = await client.patch(
        f"/api/v1/teams/{team.id}", json={"manager_id": str(other.id)}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    assert (await client.get(f"{USERS}/{rep_id}", headers=admin.headers)).json()["manager_id"] == str(
        other.id
    )
    # no manager on the team: the chain goes up to the parent team's manager
    await client.patch(f"/api/v1/teams/{team.id}", json={"manager_id": None}, headers=admin.headers)
    assert (await client.get(f"{USERS}/{rep_id}", headers=admin.headers)).json()["manager_id"] == str(boss.id)


async def test_list_filters(client, factory):
    admin = await factory.admin()
    zone = await factory.zone()
    parent = await factory.team(zone)
    child = await factory.team(zone, parent=parent)
    other = await factory.team(zone)
    a = await factory.user("sales_rep", team=parent, username="alice")
    b = await factory.user("sales_manager", team=child, username="bob")
    c = await factory.user("sales_rep", team=other, username="carol")
    d = await factory.user("sales_rep", team=parent, username="dave", active=False)

    async def ids(**params):  # noqa: ANN003, ANN202
        r = await client.get(USERS, params=params, headers=admin.headers)
        assert r.status_code == 200, r.text
        return {u["username"] for u in r.json()["items"]}

    assert await ids(team_id=str(parent.id)) == {a.username, b.username, d.username}  # with sub-teams
    assert await ids(team_id=str(child.id)) == {b.username}
    assert await ids(role="sales_manager") == {b.username}
    assert await ids(role="sales_rep", is_active="true") == {a.username, c.username}
    assert await ids(is_active="false") == {d.username}
    assert await ids(q="CAR") == {c.username}
    bad = await client.get(USERS, params={"limit": 0}, headers=admin.headers)
    assert bad.status_code == 422 and _fields(bad) == {"limit"}


async def test_keyset_pagination_walks_every_user_once(client, factory):
    admin = await factory.admin()
    for _ in range(6):
        await factory.user("sales_rep")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get(USERS, params=params, headers=admin.headers)
        assert r.status_code == 200
        body = r.json()
        assert len(body["items"]) <= 2
        seen += [u["id"] for u in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7 and pages == 4
    garbage = await client.get(USERS, params={"cursor": "not-a-cursor"}, headers=admin.headers)
    assert garbage.status_code == 422 and _fields(garbage) == {"cursor"}


async def test_only_role_managers_may_grant_roles(client, factory):
    """A role that may administer users but not roles cannot hand out admin to anyone."""
    admin = await factory.admin()
    r = await client.post("/api/v1/roles", json={"name": "hr", "label": "人事"}, headers=admin.headers)
    assert r.status_code == 201
    policies = [{"resource": "user", "action": a, "scope": "all"} for a in ("read", "create", "update")]
    r = await client.put("/api/v1/roles/hr/policies", json={"policies": policies}, headers=admin.headers)
    assert r.status_code == 200, r.text
    hr = await factory.user("hr")
    escalate = await client.patch(f"{USERS}/{hr.id}", json={"roles": ["admin"]}, headers=hr.headers)
    assert escalate.status_code == 403
    created = await _create(client, hr, roles=["admin"])
    assert created.status_code == 403
    plain = await _create(client, hr)
    assert plain.status_code == 201 and plain.json()["roles"] == []


async def test_last_active_admin_cannot_be_removed_or_deactivated(client, factory):
    admin = await factory.admin()
    me = (await client.get(f"/api/v1/users/{admin.id}", headers=admin.headers)).json()
    r = await client.patch(f"/api/v1/users/{admin.id}", json={"roles": ["sales_rep"]}, headers=admin.headers)
    assert r.status_code == 422 and "administrator" in r.json()["detail"]
    r = await client.patch(f"/api/v1/users/{admin.id}", json={"is_active": False}, headers=admin.headers)
    assert r.status_code == 422
    second = await factory.admin()
    r = await client.patch(f"/api/v1/users/{admin.id}", json={"is_active": False}, headers=second.headers)
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert me["is_active"] is True


async def test_zone_leader_sees_the_zone(client, factory):
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    leader = await factory.user("sales_director")
    admin = await factory.admin()
    customer = await factory.customer(rep)
    assert (
        await client.get(f"/api/v1/customers/{customer['id']}", headers=leader.headers)
    ).status_code == 404
    r = await client.patch(
        f"/api/v1/sales-zones/{zone.id}", json={"leader_id": str(leader.id)}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    assert (
        await client.get(f"/api/v1/customers/{customer['id']}", headers=leader.headers)
    ).status_code == 200
