"""Departments (tree), sales zones (战区) and teams: CRUD, validation, conflicts, deletes
refused while in use, scope changes, audit."""

from __future__ import annotations

from sqlalchemy import select

from domain.scope import ScopeLevel
from repositories.models import AuditEntry, Customer, Team

V1 = "/api/v1"
MISSING = "00000000-0000-0000-0000-000000000001"


def _fields(r):  # noqa: ANN001, ANN202
    return [e["field"] for e in r.json().get("errors", [])]


async def _audit(factory, entity, entity_id):  # noqa: ANN001, ANN202
    async with factory.ctx.sessions() as s:
        rows = await s.scalars(
            select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        )
        return [(e.action, e.actor_id) for e in rows]


# --- departments ----------------------------------------------------------------------------


async def test_department_tree_crud_with_etag_and_cycle_refusal(client, factory):
    admin = await factory.admin()
    h = admin.headers
    root = await client.post(f"{V1}/departments", json={"name": "销售部"}, headers=h)
    assert root.status_code == 201, root.text
    assert root.json() == {"id": root.json()["id"], "name": "销售部", "parent_id": None, "version": 1}
    root_id = root.json()["id"]
    child = (
        await client.post(f"{V1}/departments", json={"name": "华东", "parent_id": root_id}, headers=h)
    ).json()
    grandchild = (
        await client.post(f"{V1}/departments", json={"name": "上海", "parent_id": child["id"]}, headers=h)
    ).json()
    listed = (await client.get(f"{V1}/departments", headers=h)).json()["items"]
    assert {d["name"]: d["parent_id"] for d in listed} == {
        "销售部": None,
        "华东": root_id,
        "上海": child["id"],
    }

    # a parent under its own descendant closes a loop; itself as parent too
    for parent in (grandchild["id"], root_id):
        r = await client.patch(f"{V1}/departments/{root_id}", json={"parent_id": parent}, headers=h)
        assert r.status_code == 422 and _fields(r) == ["parent_id"], r.text
    missing = await client.patch(f"{V1}/departments/{child['id']}", json={"parent_id": MISSING}, headers=h)
    assert missing.status_code == 422 and _fields(missing) == ["parent_id"]

    r = await client.patch(
        f"{V1}/departments/{grandchild['id']}",
        json={"name": "上海分部", "parent_id": root_id},
        headers={**h, "If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.json()["parent_id"] == root_id and r.headers["ETag"] == '"2"'
    stale = await client.patch(
        f"{V1}/departments/{grandchild['id']}", json={"name": "x"}, headers={**h, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    dup = await client.post(f"{V1}/departments", json={"name": "华东", "parent_id": root_id}, headers=h)
    assert dup.status_code == 409 and _fields(dup) == ["name"]
    extra = await client.post(f"{V1}/departments", json={"name": "x", "code": "y"}, headers=h)
    assert extra.status_code == 422 and _fields(extra) == ["code"]
    blank = await client.post(f"{V1}/departments", json={"name": "  "}, headers=h)
    assert blank.status_code == 422 and _fields(blank) == ["name"]
    assert [a for a, _ in await _audit(factory, "department", grandchild["id"])] == ["create", "update"]


async def test_department_delete_refused_with_children_or_users(client, factory):
    admin = await factory.admin()
    h = admin.headers
    root = (await client.post(f"{V1}/departments", json={"name": "总部"}, headers=h)).json()
    child = (
        await client.post(f"{V1}/departments", json={"name": "法务", "parent_id": root["id"]}, headers=h)
    ).json()
    r = await client.delete(f"{V1}/departments/{root['id']}", headers=h)
    assert r.status_code == 422 and r.json()["sub_departments"] == 1
    assert r.headers["content-type"] == "application/problem+json"
    staff = await client.post(
        f"{V1}/users",
        json={
            "username": "legal1",
            "display_name": "法务一",
            "password": "S3cret-pass!",
            "department_id": child["id"],
        },
        headers=h,
    )
    assert staff.status_code == 201
    r = await client.delete(f"{V1}/departments/{child['id']}", headers=h)
    assert r.status_code == 422 and r.json()["users"] == 1
    await client.patch(f"{V1}/users/{staff.json()['id']}", json={"department_id": None}, headers=h)
    assert (await client.delete(f"{V1}/departments/{child['id']}", headers=h)).status_code == 204
    assert (await client.get(f"{V1}/departments/{child['id']}", headers=h)).status_code == 404
    assert (await client.delete(f"{V1}/departments/{root['id']}", headers=h)).status_code == 204
    actions = [a for a, _ in await _audit(factory, "department", child["id"])]
    assert actions == ["create", "delete"]
    assert all(actor == admin.id for _, actor in await _audit(factory, "department", child["id"]))


async def test_sales_rep_reads_org_but_cannot_write_it(client, factory):
    rep = await factory.user("sales_rep")
    zone = await factory.zone()
    team = await factory.team(zone)
    assert (await client.get(f"{V1}/departments", headers=rep.headers)).status_code == 200
    assert (await client.get(f"{V1}/sales-zones", headers=rep.headers)).status_code == 200
    assert (await client.get(f"{V1}/teams", headers=rep.headers)).status_code == 200
    writes = [
        client.post(f"{V1}/departments", json={"name": "x"}, headers=rep.headers),
        client.post(f"{V1}/sales-zones", json={"name": "x", "code": "x"}, headers=rep.headers),
        client.patch(f"{V1}/sales-zones/{zone.id}", json={"weekly_quota": 1}, headers=rep.headers),
        client.delete(f"{V1}/sales-zones/{zone.id}", headers=rep.headers),
        client.post(f"{V1}/teams", json={"name": "x", "zone_id": str(zone.id)}, headers=rep.headers),
        client.patch(f"{V1}/teams/{team.id}", json={"name": "y"}, headers=rep.headers),
        client.delete(f"{V1}/teams/{team.id}", headers=rep.headers),
    ]
    for call in writes:
        r = await call
        assert r.status_code == 403, r.text
    assert (await client.get(f"{V1}/teams", headers={})).status_code == 401


# --- sales zones ----------------------------------------------------------------------------


async def test_sales_zone_create_validates_regions_leader_and_uniqueness(client, factory):
    admin = await factory.admin()
    h = admin.headers
    leader = await factory.user("sales_director")
    body = {
        "name": "华南战区",
        "code": "south_china-1",
        "province_codes": ["440000", "450000", "440000"],
        "city_codes": ["440300"],
        "leader_id": str(leader.id),
    }
    r = await client.post(f"{V1}/sales-zones", json=body, headers=h)
    assert r.status_code == 201, r.text
    zone = r.json()
    assert zone["weekly_quota"] == 500
    assert zone["province_codes"] == ["440000", "450000"]  # duplicates dropped, order kept
    assert zone["leader"]["id"] == str(leader.id) and zone["leader"]["display_name"]
    assert r.headers["ETag"] == '"1"' and r.headers["Location"].endswith(zone["id"])

    dup_name = await client.post(f"{V1}/sales-zones", json={"name": "华南战区", "code": "other"}, headers=h)
    assert dup_name.status_code == 409 and _fields(dup_name) == ["name"]
    dup_code = await client.post(
        f"{V1}/sales-zones", json={"name": "其它", "code": "SOUTH_CHINA-1"}, headers=h
    )
    assert dup_code.status_code == 409 and _fields(dup_code) == ["code"]
    bad_code = await client.post(f"{V1}/sales-zones", json={"name": "其它", "code": "华南 1"}, headers=h)
    assert bad_code.status_code == 422 and _fields(bad_code) == ["code"]
    # 440300 is a city, not a province; 990000 does not exist; 110000 is a province, not a city
    regions = await client.post(
        f"{V1}/sales-zones",
        json={
            "name": "其它",
            "code": "o",
            "province_codes": ["110000", "440300", "990000"],
            "city_codes": ["110000"],
        },
        headers=h,
    )
    assert regions.status_code == 422
    assert _fields(regions) == ["province_codes.1", "province_codes.2", "city_codes.0"]
    not_digits = await client.post(
        f"{V1}/sales-zones", json={"name": "其它", "code": "o", "province_codes": ["gd"]}, headers=h
    )
    assert not_digits.status_code == 422 and _fields(not_digits) == ["province_codes.0"]
    gone = await factory.user("sales_director", active=False)
    for leader_id in (MISSING, str(gone.id)):
        r = await client.post(
            f"{V1}/sales-zones", json={"name": "其它", "code": "o", "leader_id": leader_id}, headers=h
        )
        assert r.status_code == 422 and _fields(r) == ["leader_id"]
    quota = await client.post(
        f"{V1}/sales-zones", json={"name": "其它", "code": "o", "weekly_quota": -1}, headers=h
    )
    assert quota.status_code == 422 and _fields(quota) == ["weekly_quota"]
    assert await _audit(factory, "sales_zone", zone["id"]) == [("create", admin.id)]


async def test_sales_zone_update_get_list_and_delete(client, factory):
    admin = await factory.admin()
    h = admin.headers
    ids = []
    for n in range(3):
        r = await client.post(f"{V1}/sales-zones", json={"name": f"战区{n}", "code": f"Z-{n}"}, headers=h)
        ids.append(r.json()["id"])
    url = f"{V1}/sales-zones/{ids[0]}"
    r = await client.patch(
        url, json={"weekly_quota": 800, "city_codes": ["440100"]}, headers={**h, "If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["weekly_quota"] == 800 and r.json()["city_codes"] == ["440100"]
    assert r.headers["ETag"] == '"2"'
    assert (
        await client.patch(url, json={"weekly_quota": 1}, headers={**h, "If-Match": '"1"'})
    ).status_code == 412
    taken = await client.patch(url, json={"name": "战区1"}, headers=h)
    assert taken.status_code == 409 and _fields(taken) == ["name"]
    null_name = await client.patch(url, json={"name": None}, headers=h)
    assert null_name.status_code == 422 and _fields(null_name) == ["name"]
    got = await client.get(url, headers=h)
    assert got.json()["weekly_quota"] == 800 and got.json()["leader"] is None and got.headers["ETag"] == '"2"'

    first = (await client.get(f"{V1}/sales-zones", params={"limit": 2}, headers=h)).json()
    rest = (
        await client.get(f"{V1}/sales-zones", params={"limit": 2, "cursor": first["next_cursor"]}, headers=h)
    ).json()
    assert [z["name"] for z in first["items"] + rest["items"]] == ["战区0", "战区1", "战区2"]
    assert rest["next_cursor"] is None
    assert [
        z["code"]
        for z in (await client.get(f"{V1}/sales-zones", params={"q": "z-2"}, headers=h)).json()["items"]
    ] == ["Z-2"]

    assert (await client.delete(url, headers=h)).status_code == 204
    assert (await client.get(url, headers=h)).status_code == 404
    assert [a for a, _ in await _audit(factory, "sales_zone", ids[0])] == ["create", "update", "delete"]


async def test_sales_zone_delete_refused_while_teams_customers_or_users_use_it(client, factory):
    admin = await factory.admin()
    h = admin.headers
    zone = await factory.zone()
    team = await factory.team(zone)
    r = await client.delete(f"{V1}/sales-zones/{zone.id}", headers=h)
    assert r.status_code == 422 and r.json()["used_by"] == ["teams"]
    assert (await client.delete(f"{V1}/teams/{team.id}", headers=h)).status_code == 204
    director = await factory.user("sales_director", zones=[zone])
    r = await client.delete(f"{V1}/sales-zones/{zone.id}", headers=h)
    assert r.status_code == 422 and r.json()["used_by"] == ["users"]
    await client.patch(f"{V1}/users/{director.id}", json={"zone_ids": []}, headers=h)
    async with factory.ctx.sessions() as s:
        s.add(Customer(kind="enterprise", name="某公司", zone_id=zone.id))
        await s.commit()
    r = await client.delete(f"{V1}/sales-zones/{zone.id}", headers=h)
    assert r.status_code == 422 and r.json()["used_by"] == ["customers"]


# --- teams ----------------------------------------------------------------------------------


async def test_team_crud_nesting_and_member_count(client, factory):
    admin = await factory.admin()
    h = admin.headers
    east, west = await factory.zone(), await factory.zone()
    boss = await factory.user("sales_manager")
    r = await client.post(
        f"{V1}/teams", json={"name": "一组", "zone_id": str(east.id), "manager_id": str(boss.id)}, headers=h
    )
    assert r.status_code == 201, r.text
    parent = r.json()
    assert (
        parent["manager"]["id"] == str(boss.id)
        and parent["member_count"] == 0
        and parent["parent_id"] is None
    )
    child = (
        await client.post(
            f"{V1}/teams",
            json={"name": "一组A", "zone_id": str(east.id), "parent_id": parent["id"]},
            headers=h,
        )
    ).json()
    assert child["parent_id"] == parent["id"] and child["manager"] is None
    for _ in range(2):
        await factory.user("sales_rep", team=await _team_obj(factory, parent["id"]))
    listed = (await client.get(f"{V1}/teams", params={"zone_id": str(east.id)}, headers=h)).json()["items"]
    assert {t["name"]: t["member_count"] for t in listed} == {"一组": 2, "一组A": 0}
    assert (await client.get(f"{V1}/teams", params={"zone_id": str(west.id)}, headers=h)).json()[
        "items"
    ] == []

    # nested team in another zone; unknown zone / parent / manager; duplicate name in zone
    other_zone = await client.post(
        f"{V1}/teams", json={"name": "二组", "zone_id": str(west.id), "parent_id": parent["id"]}, headers=h
    )
    assert other_zone.status_code == 422 and _fields(other_zone) == ["parent_id"]
    for field, body in (
        ("zone_id", {"name": "x", "zone_id": MISSING}),
        ("parent_id", {"name": "x", "zone_id": str(east.id), "parent_id": MISSING}),
        ("manager_id", {"name": "x", "zone_id": str(east.id), "manager_id": MISSING}),
    ):
        r = await client.post(f"{V1}/teams", json=body, headers=h)
        assert r.status_code == 422 and _fields(r) == [field], r.text
    dup = await client.post(f"{V1}/teams", json={"name": "一组", "zone_id": str(east.id)}, headers=h)
    assert dup.status_code == 409 and _fields(dup) == ["name"]
    same_name_other_zone = await client.post(
        f"{V1}/teams", json={"name": "一组", "zone_id": str(west.id)}, headers=h
    )
    assert same_name_other_zone.status_code == 201

    # cycles are refused; a stale ETag is 412
    cycle = await client.patch(f"{V1}/teams/{parent['id']}", json={"parent_id": child["id"]}, headers=h)
    assert cycle.status_code == 422 and _fields(cycle) == ["parent_id"]
    stale = await client.patch(
        f"{V1}/teams/{child['id']}", json={"name": "z"}, headers={**h, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    renamed = await client.patch(
        f"{V1}/teams/{child['id']}", json={"name": "一组B"}, headers={**h, "If-Match": '"1"'}
    )
    assert (
        renamed.status_code == 200 and renamed.json()["name"] == "一组B" and renamed.headers["ETag"] == '"2"'
    )
    got = await client.get(f"{V1}/teams/{parent['id']}", headers=h)
    assert got.json()["member_count"] == 2 and got.headers["ETag"] == '"1"'
    # a team with sub-teams cannot leave its zone
    move = await client.patch(f"{V1}/teams/{parent['id']}", json={"zone_id": str(west.id)}, headers=h)
    assert move.status_code == 422
    # a leaf without members can, and drops a parent from the old zone only explicitly
    leaf_move = await client.patch(f"{V1}/teams/{child['id']}", json={"zone_id": str(west.id)}, headers=h)
    assert leaf_move.status_code == 422 and _fields(leaf_move) == ["parent_id"]
    leaf_move = await client.patch(
        f"{V1}/teams/{child['id']}", json={"zone_id": str(west.id), "parent_id": None}, headers=h
    )
    assert leaf_move.status_code == 200 and leaf_move.json()["zone_id"] == str(west.id)
    assert [a for a, _ in await _audit(factory, "team", parent["id"])] == ["create"]
    assert [a for a, _ in await _audit(factory, "team", child["id"])] == ["create", "update", "update"]


async def _team_obj(factory, team_id):  # noqa: ANN001, ANN202
    async with factory.ctx.sessions() as s:
        return await s.get(Team, team_id)


async def test_team_delete_refused_while_it_has_members_sub_teams_or_history(client, factory):
    admin = await factory.admin()
    h = admin.headers
    zone = await factory.zone()
    parent = await factory.team(zone)
    child = await factory.team(zone, parent=parent)
    spare = await factory.team(zone)
    r = await client.delete(f"{V1}/teams/{parent.id}", headers=h)
    assert r.status_code == 422 and r.json()["sub_teams"] == 1
    rep = await client.post(
        f"{V1}/users",
        json={
            "username": "rep1",
            "display_name": "代表",
            "password": "S3cret-pass!",
            "team_id": str(child.id),
        },
        headers=h,
    )
    r = await client.delete(f"{V1}/teams/{child.id}", headers=h)
    assert r.status_code == 422 and r.json()["members"] == 1
    await client.post(
        f"{V1}/users/{rep.json()['id']}/move", json={"team_id": str(spare.id), "reason": "调岗"}, headers=h
    )
    r = await client.delete(f"{V1}/teams/{child.id}", headers=h)  # its history still names it
    assert r.status_code == 422 and r.json()["past_memberships"] == 1
    empty = (
        await client.post(f"{V1}/teams", json={"name": "空组", "zone_id": str(zone.id)}, headers=h)
    ).json()
    assert (await client.delete(f"{V1}/teams/{empty['id']}", headers=h)).status_code == 204
    assert (await client.get(f"{V1}/teams/{empty['id']}", headers=h)).status_code == 404
    assert [a for a, _ in await _audit(factory, "team", empty["id"])] == ["create", "delete"]


async def test_team_manager_change_widens_the_managers_scope_at_once(client, factory):
    """A new manager sees the team's members in their `team` scope right after the change."""
    admin = await factory.admin()
    zone = await factory.zone()
    team = await factory.team(zone)
    manager = await factory.user("sales_manager")
    rep = await factory.user("sales_rep", team=team)
    access = factory.ctx.access
    assert rep.id not in access.scope_at(manager.id, ScopeLevel.TEAM).team_user_ids
    r = await client.patch(
        f"{V1}/teams/{team.id}", json={"manager_id": str(manager.id)}, headers=admin.headers
    )
    assert r.status_code == 200
    assert r.json()["manager"] == {"id": str(manager.id), "display_name": r.json()["manager"]["display_name"]}
    assert rep.id in access.scope_at(manager.id, ScopeLevel.TEAM).team_user_ids
    me = (await client.get(f"{V1}/users/{rep.id}", headers=admin.headers)).json()
    assert me["manager_id"] == str(manager.id)


async def test_narrow_team_scope_hides_other_teams(client, factory):
    """A custom role with team read at `team` scope sees only its own team tree (others 404)."""
    admin = await factory.admin()
    h = admin.headers
    await client.post(f"{V1}/roles", json={"name": "team_viewer", "label": "看团队"}, headers=h)
    await client.put(
        f"{V1}/roles/team_viewer/policies",
        json={"policies": [{"resource": "team", "action": "read", "scope": "team"}]},
        headers=h,
    )
    zone = await factory.zone()
    mine, theirs = await factory.team(zone), await factory.team(zone)
    sub = await factory.team(zone, parent=mine)
    viewer = await factory.user("team_viewer", team=mine)
    items = (await client.get(f"{V1}/teams", headers=viewer.headers)).json()["items"]
    assert {t["id"] for t in items} == {str(mine.id), str(sub.id)}
    assert (await client.get(f"{V1}/teams/{theirs.id}", headers=viewer.headers)).status_code == 404
    assert (await client.get(f"{V1}/teams/{sub.id}", headers=viewer.headers)).status_code == 200
