"""Sign-in, refresh rotation, logout, lockout and /me."""

from __future__ import annotations

from tests.factories import PASSWORD

TOKEN = "/api/v1/auth/token"


async def login(client, username, password=PASSWORD):  # noqa: ANN001, ANN201
    return await client.post(TOKEN, data={"username": username, "password": password})


async def test_login_returns_tokens_and_me_shows_roles_and_scopes(client, factory):
    rep = await factory.user("sales_rep")
    r = await login(client, rep.username)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["refresh_token"] and body["expires_in"] == 900
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    data = me.json()
    assert data["user"]["username"] == rep.username
    assert data["roles"] == ["sales_rep"]
    assert data["permissions"]["customer"]["read"] == "own"
    assert "delete" not in data["permissions"]["customer"]


async def test_wrong_password_and_unknown_user_look_the_same(client, factory):
    rep = await factory.user("sales_rep")
    wrong = await login(client, rep.username, "nope-nope-nope")
    unknown = await login(client, "ghost-user", "nope-nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_repeated_failures_lock_existing_and_unknown_accounts_alike(client, factory):
    rep = await factory.user("sales_rep")
    for _ in range(5):
        assert (await login(client, rep.username, "bad-password")).status_code == 401
        assert (await login(client, "nobody-here", "bad-password")).status_code == 401
    locked = await login(client, rep.username)  # even the right password is refused while locked
    ghost = await login(client, "nobody-here")
    assert locked.status_code == ghost.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


async def test_inactive_user_cannot_sign_in(client, factory):
    user = await factory.user("sales_rep", active=False)
    assert (await login(client, user.username)).status_code == 401


async def test_refresh_rotates_and_reuse_revokes_the_family(client, factory):
    rep = await factory.user("sales_rep")
    first = (await login(client, rep.username)).json()
    r1 = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r1.status_code == 200
    second = r1.json()
    assert second["refresh_token"] != first["refresh_token"]
    # the rotated token comes back: rejected, and the whole login is revoked
    reuse = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    after = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401


async def test_logout_revokes_refresh_token(client, factory):
    rep = await factory.user("sales_rep")
    tokens = (await login(client, rep.username)).json()
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 204
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


async def test_no_token_is_401_and_garbage_token_is_401(client):
    assert (await client.get("/api/v1/me")).status_code == 401
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 401
    assert r.json()["status"] == 401


async def test_user_without_roles_is_denied(client, factory):
    nobody = await factory.user()
    r = await client.get("/api/v1/regions", headers=nobody.headers)
    assert r.status_code == 403


async def test_regions_cascade(client, factory):
    rep = await factory.user("sales_rep")
    provinces = (await client.get("/api/v1/regions", headers=rep.headers)).json()["items"]
    assert len(provinces) == 31 and provinces[0] == {
        "code": "110000",
        "name": "北京市",
        "level": 1,
        "parent_code": None,
    }
    gd = next(p for p in provinces if p["name"] == "广东省")
    cities = (await client.get(f"/api/v1/regions?parent_code={gd['code']}", headers=rep.headers)).json()[
        "items"
    ]
    assert any(c["name"] == "深圳市" for c in cities)
    sz = next(c for c in cities if c["name"] == "深圳市")
    districts = (await client.get(f"/api/v1/regions?parent_code={sz['code']}", headers=rep.headers)).json()[
        "items"
    ]
    assert any(d["name"] == "南山区" for d in districts)
