"""The outbox and its delivery by a real arq worker: signed webhooks with retries, a failing
endpoint that blocks nobody, manual re-delivery, nothing lost when Redis loses the queued job
or a worker dies mid-send, and the SMS / WeCom / e-mail channels."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from domain.webhooks import MAX_ATTEMPTS, verify
from repositories import deliveries as deliveries_repo
from repositories.db import unit_of_work
from repositories.models import MessageDelivery, OutboxEvent, User, WebhookAttempt, WebhookDelivery
from tests.support import Receiver, SmtpSink, enqueue, run_worker, serve

CUSTOMERS = "/api/v1/customers"
HOOKS = "/api/v1/webhooks"


async def subscribe(client, admin, url: str, types: list[str], name: str = "ERP") -> dict:  # noqa: ANN001
    r = await client.post(HOOKS, json={"name": name, "url": url, "event_types": types}, headers=admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def released_and_claimed(client, factory) -> tuple[str, object, object]:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    owner, claimer = await factory.user("sales_rep", team=team), await factory.user("sales_rep", team=team)
    customer = await factory.customer(owner)
    r = await client.post(
        f"{CUSTOMERS}/{customer['id']}/release", json={"reason": "无意向"}, headers=owner.headers
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"{CUSTOMERS}/{customer['id']}/claim", headers=claimer.headers)
    assert r.status_code == 200, r.text
    return customer["id"], owner, claimer


async def test_admin_manages_subscriptions_and_input_is_checked(client, factory) -> None:  # noqa: ANN001
    admin, rep = await factory.admin(), await factory.user("sales_rep")
    made = await subscribe(
        client, admin, "https://erp.example.com/crm-hook", ["customer.claimed", "lead.created"]
    )
    assert made["secret"].startswith("whsec_") and made["event_types"] == ["customer.claimed", "lead.created"]
    shown = (await client.get(f"{HOOKS}/{made['id']}", headers=admin.headers)).json()
    assert "secret" not in shown and shown["pending"] == 0
    bad = await client.post(
        HOOKS,
        json={"name": "x", "url": "ftp://x.example.com", "event_types": ["customer.eaten"]},
        headers=admin.headers,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} <= {"url", "event_types.0"}
    bad = await client.post(
        HOOKS,
        json={"name": "x", "url": "https://x.example.com", "event_types": ["customer.eaten"]},
        headers=admin.headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "event_types.0"
    extra = await client.post(
        HOOKS,
        json={"name": "x", "url": "https://x.example.com", "event_types": ["*"], "secret": "mine"},
        headers=admin.headers,
    )
    assert extra.status_code == 422
    assert (await client.get(HOOKS, headers=rep.headers)).status_code == 403
    stale = await client.patch(
        f"{HOOKS}/{made['id']}", json={"is_active": False}, headers={**admin.headers, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    off = await client.patch(f"{HOOKS}/{made['id']}", json={"is_active": False}, headers=admin.headers)
    assert off.status_code == 200 and off.json()["is_active"] is False
    rotated = (await client.post(f"{HOOKS}/{made['id']}/rotate-secret", headers=admin.headers)).json()
    assert rotated["secret"] != made["secret"]
    types = (await client.get(f"{HOOKS}/event-types", headers=admin.headers)).json()["items"]
    assert "customer.recycled" in {t["type"] for t in types} and "webhook.ping" not in {
        t["type"] for t in types
    }


async def test_events_are_delivered_signed_once_each(app, client, factory, settings) -> None:  # noqa: ANN001
    admin = await factory.admin()
    async with serve(Receiver()) as erp:
        hook = await subscribe(client, admin, f"{erp.url}/hook", ["customer.claimed", "customer.released"])
        customer_id, owner, claimer = await released_and_claimed(client, factory)
        await run_worker(settings)
        await run_worker(settings)  # a second pass sends nothing again
    got = erp.at("/hook")
    assert [r.json()["type"] for r in got] == ["customer.released", "customer.claimed"]
    for r in got:
        assert verify(hook["secret"], r.headers["x-crm-signature"], r.body, int(time.time()))
        assert not verify("whsec_wrong", r.headers["x-crm-signature"], r.body, int(time.time()))
        assert r.headers["x-crm-event-id"] == r.json()["id"]
        assert r.json()["data"]["customer_id"] == customer_id
    assert got[1].json()["data"]["owner_id"] == str(claimer.id)
    assert got[0].json()["data"]["previous_owner_id"] == str(owner.id)
    assert got[0].json()["data"]["reason"] == "无意向"
    log = (await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=admin.headers)).json()["items"]
    assert {d["status"] for d in log} == {"delivered"} and len(log) == 2
    detail = (
        await client.get(f"{HOOKS}/{hook['id']}/deliveries/{log[0]['id']}", headers=admin.headers)
    ).json()
    assert detail["attempt_log"][0]["status_code"] == 200 and detail["payload"]["id"] == str(
        log[0]["event_id"]
    )
    async with app.state.ctx.sessions() as s:
        pending = await s.scalar(select(func.count()).where(OutboxEvent.dispatched_at.is_(None)))
    assert pending == 0


async def test_a_failing_endpoint_is_retried_with_backoff_and_blocks_nobody(
    app, client, factory, settings
) -> None:  # noqa: ANN001
    admin = await factory.admin()
    async with serve(Receiver(status={"/down": 503})) as site:
        down = await subscribe(client, admin, f"{site.url}/down", ["*"], "down")
        up = await subscribe(client, admin, f"{site.url}/up", ["*"], "up")
        nowhere = await subscribe(client, admin, "http://127.0.0.1:9/refused", ["*"], "refused")
        await released_and_claimed(client, factory)
        before = datetime.now(UTC)
        await run_worker(settings)
        assert len(site.at("/up")) == 2  # every event reached the healthy endpoint
        healthy = (await client.get(f"{HOOKS}/{up['id']}/deliveries", headers=admin.headers)).json()["items"]
        assert [d["status"] for d in healthy] == ["delivered", "delivered"]
        assert len(site.at("/down")) == 2  # one try each, then backoff
        failing = (await client.get(f"{HOOKS}/{down['id']}/deliveries", headers=admin.headers)).json()[
            "items"
        ]
        assert {d["status"] for d in failing} == {"pending"}
        assert all(d["attempts"] == 1 and d["last_status_code"] == 503 for d in failing)
        waits = [datetime.fromisoformat(d["next_attempt_at"]) - before for d in failing]
        assert all(timedelta(seconds=25) < w < timedelta(seconds=40) for w in waits)
        refused = (await client.get(f"{HOOKS}/{nowhere['id']}/deliveries", headers=admin.headers)).json()[
            "items"
        ]
        assert all(d["last_status_code"] is None and "Connect" in d["last_error"] for d in refused)
        listed = {h["name"]: h for h in (await client.get(HOOKS, headers=admin.headers)).json()["items"]}
        assert listed["down"]["pending"] == 2 and listed["up"]["delivered_24h"] == 2

        # the endpoint recovers; an admin re-delivers one delivery by hand
        site.status.clear()
        r = await client.post(
            f"{HOOKS}/{down['id']}/deliveries/{failing[0]['id']}/redeliver", headers=admin.headers
        )
        assert r.status_code == 202 and r.json()["status"] == "pending"
        await run_worker(settings)
        detail = (
            await client.get(f"{HOOKS}/{down['id']}/deliveries/{failing[0]['id']}", headers=admin.headers)
        ).json()
        assert detail["status"] == "delivered"
        assert [(a["status_code"], a["manual"]) for a in detail["attempt_log"]] == [(503, False), (200, True)]
        ids = [r.headers["x-crm-event-id"] for r in site.at("/down")]
        assert ids.count(detail["event_id"]) == 2  # the same event id: the receiver can de-dup

        # the other one gives up after the last retry
        async with app.state.ctx.sessions() as s:
            await s.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == failing[1]["id"])
                .values(attempts=MAX_ATTEMPTS - 1, next_attempt_at=datetime.now(UTC))
            )
            await s.commit()
        site.status["/down"] = 500
        await enqueue(settings, "drain_outbox")
        await run_worker(settings)
    gave_up = (
        await client.get(f"{HOOKS}/{down['id']}/deliveries/{failing[1]['id']}", headers=admin.headers)
    ).json()
    assert gave_up["status"] == "failed" and gave_up["next_attempt_at"] is None
    assert gave_up["attempts"] == MAX_ATTEMPTS and gave_up["last_status_code"] == 500


async def test_nothing_is_lost_when_redis_drops_the_job_or_a_worker_dies(
    app, client, factory, settings
) -> None:  # noqa: ANN001
    admin = await factory.admin()
    async with serve(Receiver()) as erp:
        hook = await subscribe(client, admin, f"{erp.url}/hook", ["customer.released", "customer.claimed"])
        await released_and_claimed(client, factory)
        await app.state.ctx.redis.flushdb()  # Redis restarted: the queued drain is gone
        await run_worker(settings)
        assert erp.requests == []  # no job, nothing sent — but the events wait in PostgreSQL
        await enqueue(settings, "drain_outbox", "cron:drain_outbox:test")  # the sweep
        await run_worker(settings)
        assert len(erp.at("/hook")) == 2

        # a worker leases deliveries and dies before sending: the lease runs out, they go once
        await released_and_claimed(client, factory)
        async with unit_of_work(app.state.ctx.sessions) as s:
            await deliveries_repo.fan_out(s, 100)
        async with unit_of_work(app.state.ctx.sessions) as s:
            leased = await deliveries_repo.lease_webhooks(s, 100, 32, [], 120.0)
        assert len(leased) == 2
        await app.state.ctx.redis.flushdb()
        await enqueue(settings, "drain_outbox")
        await run_worker(settings)
        assert len(erp.at("/hook")) == 2  # still leased to the dead worker
        async with app.state.ctx.sessions() as s:
            await s.execute(
                update(WebhookDelivery)
                .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
                .where(WebhookDelivery.status == "pending")
            )
            await s.commit()
        await enqueue(settings, "drain_outbox")
        await run_worker(settings)
    assert len(erp.at("/hook")) == 4
    assert len({r.headers["x-crm-event-id"] for r in erp.at("/hook")}) == 4
    log = (await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=admin.headers)).json()["items"]
    assert [d["status"] for d in log] == ["delivered"] * 4


async def test_ping_reaches_only_the_tested_endpoint(client, factory, settings) -> None:  # noqa: ANN001
    admin = await factory.admin()
    async with serve(Receiver()) as site:
        a = await subscribe(client, admin, f"{site.url}/a", ["*"], "a")
        await subscribe(client, admin, f"{site.url}/b", ["*"], "b")
        r = await client.post(f"{HOOKS}/{a['id']}/test", headers=admin.headers)
        assert r.status_code == 202 and r.json()["event_type"] == "webhook.ping"
        await run_worker(settings)
    assert [x.path for x in site.requests] == ["/a"]
    assert site.requests[0].json()["data"]["name"] == "a"


async def test_notifications_go_out_by_sms_wecom_and_email(app, client, factory, settings) -> None:  # noqa: ANN001
    admin = await factory.admin()
    zone = await factory.zone()
    team = await factory.team(zone)
    manager = await factory.user("sales_manager", team=team)
    reps = [await factory.user("sales_rep", team=team) for _ in range(3)]
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(
            update(User)
            .where(User.id == reps[0].id)
            .values(mobile="13800138000", wecom_user_id="zhangsan", email="zs@example.com")
        )
    async with serve(Receiver()) as gateway, SmtpSink() as smtp:
        r = await client.put(
            "/api/v1/settings/message-channels/sms",
            json={
                "is_enabled": True,
                "kinds": ["customer_allocated"],
                "config": {"url": f"{gateway.url}/sms", "api_key": "k-123", "sign_name": "【测试】"},
            },
            headers=admin.headers,
        )
        assert r.status_code == 200 and r.json()["config"]["api_key"] == "********"
        r = await client.put(
            "/api/v1/settings/message-channels/wecom",
            json={
                "is_enabled": True,
                "config": {
                    "corp_id": "ww1",
                    "corp_secret": "s3cret",
                    "agent_id": 1000002,
                    "api_base": gateway.url,
                },
            },
            headers=admin.headers,
        )
        assert r.status_code == 200, r.text
        r = await client.put(
            "/api/v1/settings/message-channels/email",
            json={
                "is_enabled": True,
                "config": {
                    "host": "127.0.0.1",
                    "port": smtp.port,
                    "security": "none",
                    "sender": "crm@example.com",
                },
            },
            headers=admin.headers,
        )
        assert r.status_code == 200, r.text
        bad = await client.put(
            "/api/v1/settings/message-channels/sms", json={"config": {"colour": "red"}}, headers=admin.headers
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "config.colour"
        kept = await client.put(
            "/api/v1/settings/message-channels/sms",
            json={"config": {"api_key": "********"}},
            headers=admin.headers,
        )
        assert kept.status_code == 200

        seller = await factory.user("sales_rep", team=team)
        ids = []
        for _ in range(6):
            c = await factory.customer(seller)
            await client.post(
                f"{CUSTOMERS}/{c['id']}/release", json={"reason": "无意向"}, headers=seller.headers
            )
            ids.append(c["id"])
        pool = next(
            p
            for p in (await client.get("/api/v1/pools", headers=manager.headers)).json()["items"]
            if p["zone_id"]
        )
        r = await client.post(
            f"/api/v1/pools/{pool['id']}/allocate",
            json={"user_ids": [str(u.id) for u in reps], "count": 6},
            headers=manager.headers,
        )
        assert r.status_code == 200, r.text
        await run_worker(settings)
    sms = gateway.at("/sms")
    assert len(sms) == 1  # reps[0] has a mobile; the others are skipped
    assert sms[0].json()["mobile"] == "13800138000" and sms[0].json()["content"].startswith(
        "2 个公海客户分配给你"
    )
    assert sms[0].headers["authorization"] == "Bearer k-123" and sms[0].json()["sign"] == "【测试】"
    wecom = gateway.at("/cgi-bin/message/send")
    assert (
        len(wecom) == 1
        and wecom[0].json()["touser"] == "zhangsan"
        and "access_token=wecom-token" in wecom[0].query
    )
    assert len(smtp.messages) == 1 and smtp.messages[0][1] == ["zs@example.com"]
    log = (await client.get("/api/v1/message-deliveries", headers=admin.headers)).json()["items"]
    by = {(d["channel"], d["user_id"]): d["status"] for d in log}
    assert by[("sms", str(reps[0].id))] == "delivered" and by[("sms", str(reps[1].id))] == "skipped"
    assert by[("log", str(reps[2].id))] == "delivered"
    async with app.state.ctx.sessions() as s:
        statuses = set((await s.scalars(select(MessageDelivery.status))).all())
        attempts = await s.scalar(select(func.count()).select_from(WebhookAttempt))
    assert statuses <= {"delivered", "skipped"} and attempts == 0


async def test_an_admin_sends_themselves_a_test_message(app, client, factory, settings) -> None:  # noqa: ANN001
    admin, rep = await factory.admin(), await factory.user("sales_rep")
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(update(User).where(User.id == admin.id).values(mobile="13900139000"))
    assert (
        await client.post("/api/v1/settings/message-channels/log/test", headers=rep.headers)
    ).status_code == 403
    r = await client.post("/api/v1/settings/message-channels/sms/test", headers=admin.headers)
    assert r.status_code == 202  # even though SMS is off: it tests this channel only
    await run_worker(settings)
    log = (await client.get("/api/v1/message-deliveries", headers=admin.headers)).json()["items"]
    assert [(d["channel"], d["kind"], d["user_id"]) for d in log] == [("sms", "channel_test", str(admin.id))]
    assert log[0]["status"] == "failed" and "not configured" in log[0]["last_error"]  # no gateway URL yet
