"""The work under an opportunity (seed 002/003): requirements confirmed and answered by the team,
solution documents with versions, samples and POCs approved by quantity, follow-ups and visits
that invite colleagues — each only for those who see (and may change) the opportunity."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from repositories.db import unit_of_work
from repositories.models import (
    Notification,
    Opportunity,
    OpportunityContact,
    OpportunityMember,
    OutboxEvent,
    PipelineStage,
)
from services import opportunity_documents

V1 = "/api/v1"
STANDARD_LINE = uuid.UUID("5a7e0c1e-1e7a-4c55-9d0f-0000000000b1")


async def org(factory: Any) -> dict[str, Any]:
    """A zone: a director's team above a sales team (manager, the owner rep, a teammate); a rep
    of another zone; a presales colleague (marketing role) on the opportunity team; finance; an
    executive; an inactive user."""
    zone = await factory.zone()
    top = await factory.team(zone)
    director = await factory.user("sales_director", team=top, zones=[zone])
    await factory.set_manager(top, director)
    team = await factory.team(zone, parent=top)
    manager = await factory.user("sales_manager", team=team)
    await factory.set_manager(team, manager)
    rep = await factory.user("sales_rep", team=team)
    rep2 = await factory.user("sales_rep", team=team)
    outsider = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    return {
        "zone": zone,
        "team": team,
        "director": director,
        "manager": manager,
        "rep": rep,
        "rep2": rep2,
        "outsider": outsider,
        "presales": await factory.user("marketing"),
        "finance": await factory.user("finance"),
        "executive": await factory.user("executive"),
        "inactive": await factory.user("sales_rep", team=team, active=False),
    }


async def opportunity(
    factory: Any, o: dict[str, Any], customer_id: str, members: tuple[Any, ...] = (), status: str = "open"
) -> str:
    """An opportunity of the rep in the standard line's first stage, straight in the ORM, with
    the given colleagues on its team."""
    async with unit_of_work(factory.ctx.sessions) as s:
        stage = await s.scalar(
            select(PipelineStage).where(
                PipelineStage.business_line_id == STANDARD_LINE, PipelineStage.code == "initial"
            )
        )
        assert stage is not None
        opp = Opportunity(
            id=uuid.uuid4(),
            name="智慧园区一期",
            customer_id=uuid.UUID(customer_id),
            business_line_id=STANDARD_LINE,
            stage_id=stage.id,
            status=status,
            amount=1_000_000,
            owner_id=o["rep"].id,
            zone_id=o["zone"].id,
            team_id=o["team"].id,
            created_by=o["rep"].id,
        )
        s.add(opp)
        await s.flush()
        for m in members:
            s.add(
                OpportunityMember(opportunity_id=opp.id, user_id=m.id, role="presales", added_by=o["rep"].id)
            )
    return str(opp.id)


async def setup(factory: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    opp = await opportunity(factory, o, customer["id"], members=(o["presales"],))
    return o, customer, opp


async def notifications(app: Any, user: Any) -> list[Notification]:
    async with app.state.ctx.sessions() as s:
        return list(
            await s.scalars(
                select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at)
            )
        )


async def tasks_of(client: Any, who: Any, status: str = "open") -> list[dict[str, Any]]:
    r = await client.get(f"{V1}/tasks?status={status}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


# --- requirements --------------------------------------------------------------------------------


async def test_a_requirement_is_assigned_confirmed_answered_closed_and_reopened(app, client, factory) -> None:  # noqa: ANN001
    o, _customer, opp = await setup(factory)
    rep, presales, rep2 = o["rep"], o["presales"], o["rep2"]
    url = f"{V1}/opportunities/{opp}/requirements"

    # the assignee must be the owner or on the team
    r = await client.post(
        url, json={"title": "支持单点登录", "assignee_id": str(rep2.id)}, headers=rep.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "assignee_id"

    r = await client.post(
        url,
        json={
            "title": "支持单点登录",
            "detail": "对接客户 AD 域",
            "priority": "high",
            "assignee_id": str(presales.id),
        },
        headers=rep.headers,
    )
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["status"] == "open" and req["priority"] == "high" and r.headers["ETag"] == '"1"'
    assert req["assignee"]["id"] == str(presales.id) and req["assignee"]["display_name"]
    assert req["created_by"]["id"] == str(rep.id)
    rid = req["id"]
    second = await client.post(url, json={"title": "三年维保"}, headers=rep.headers)
    assert (
        second.status_code == 201
        and second.json()["priority"] == "medium"
        and second.json()["assignee"] is None
    )

    # the assignee is told and has a task
    assert [n.kind for n in await notifications(app, presales)] == ["requirement_assigned"]
    [task] = await tasks_of(client, presales)
    assert task["kind"] == "requirement" and "支持单点登录" in task["title"]
    assert task["opportunity"] == {"id": opp, "name": "智慧园区一期"} and task["created_by"]["id"] == str(
        rep.id
    )

    # answering comes after confirming with the customer
    r = await client.post(f"{url}/{rid}/respond", json={"response": "支持 SAML"}, headers=presales.headers)
    assert r.status_code == 409
    r = await client.post(f"{url}/{rid}/confirm", headers=presales.headers)
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    assert r.json()["confirmed_by"]["id"] == str(presales.id) and r.json()["confirmed_at"]
    again = await client.post(f"{url}/{rid}/confirm", headers=rep.headers)
    assert again.status_code == 409

    r = await client.post(
        f"{url}/{rid}/respond", json={"response": "支持 SAML 2.0 与 LDAP"}, headers=presales.headers
    )
    assert r.status_code == 200, r.text
    answered = r.json()
    assert answered["status"] == "responded" and answered["response"] == "支持 SAML 2.0 与 LDAP"
    assert answered["responded_by"]["id"] == str(presales.id)
    # the task is done; the owner (who wrote the requirement) is told
    assert await tasks_of(client, presales) == []
    assert [t["id"] for t in await tasks_of(client, presales, "done")] == [task["id"]]
    assert "requirement_responded" in [n.kind for n in await notifications(app, rep)]

    r = await client.get(url, headers=presales.headers)
    assert r.status_code == 200
    listing = r.json()
    assert [i["id"] for i in listing["items"]] == [rid, second.json()["id"]]
    assert listing["counts"] == {"open": 1, "confirmed": 0, "responded": 1, "closed": 0}

    r = await client.post(f"{url}/{rid}/close", headers=rep.headers)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert (await client.post(f"{url}/{rid}/close", headers=rep.headers)).status_code == 409
    r = await client.post(f"{url}/{rid}/reopen", headers=rep.headers)
    reopened = r.json()
    assert r.status_code == 200 and reopened["status"] == "open"
    assert reopened["confirmed_at"] is None and reopened["responded_at"] is None
    assert reopened["response"] == "支持 SAML 2.0 与 LDAP"  # the earlier answer stays readable
    assert [t["id"] for t in await tasks_of(client, presales)] == [task["id"]]  # the task is open again

    # edits: If-Match, and a new assignee takes the task over
    stale = await client.patch(
        f"{url}/{rid}", json={"priority": "low"}, headers={**rep.headers, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    r = await client.patch(
        f"{url}/{rid}",
        json={"assignee_id": str(rep.id), "title": "支持单点登录（SSO）"},
        headers={**rep.headers, "If-Match": f'"{reopened["version"]}"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["assignee"]["id"] == str(rep.id) and r.json()["title"] == "支持单点登录（SSO）"
    assert await tasks_of(client, presales) == []
    [mine] = await tasks_of(client, rep)
    assert "SSO" in mine["title"]
    unknown = await client.patch(f"{url}/{rid}", json={"status": "closed"}, headers=rep.headers)
    assert unknown.status_code == 422  # status moves only through the actions

    assert (await client.delete(f"{url}/{rid}", headers=rep.headers)).status_code == 204
    assert await tasks_of(client, rep) == []
    r = await client.get(url, headers=rep.headers)
    assert [i["id"] for i in r.json()["items"]] == [second.json()["id"]]


async def test_only_the_assignee_owner_or_managers_answer_and_scope_hides_requirements(
    client, factory
) -> None:  # noqa: ANN001
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    opp = await opportunity(factory, o, customer["id"], members=(o["presales"], o["rep2"]))
    url = f"{V1}/opportunities/{opp}/requirements"
    r = await client.post(
        url, json={"title": "私有化部署", "assignee_id": str(o["presales"].id)}, headers=o["rep"].headers
    )
    rid = r.json()["id"]
    assert (await client.post(f"{url}/{rid}/confirm", headers=o["rep2"].headers)).status_code == 200

    # a teammate who is not the assignee may not answer; the owner's manager may
    r = await client.post(f"{url}/{rid}/respond", json={"response": "可以"}, headers=o["rep2"].headers)
    assert r.status_code == 403
    r = await client.post(
        f"{url}/{rid}/respond", json={"response": "可以，需额外授权"}, headers=o["manager"].headers
    )
    assert r.status_code == 200 and r.json()["responded_by"]["id"] == str(o["manager"].id)

    # a rep of another team does not see it at all; finance reads but may not write
    assert (await client.get(url, headers=o["outsider"].headers)).status_code == 404
    r = await client.post(url, json={"title": "x"}, headers=o["outsider"].headers)
    assert r.status_code == 404
    assert (await client.get(url, headers=o["finance"].headers)).status_code == 200
    assert (await client.post(url, json={"title": "x"}, headers=o["finance"].headers)).status_code == 403
    assert (
        await client.get(f"{V1}/opportunities/{uuid.uuid4()}/requirements", headers=o["rep"].headers)
    ).status_code == 404


# --- documents -----------------------------------------------------------------------------------


@pytest.fixture
def files_dir(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(app.state.ctx.settings, "files_dir", str(tmp_path))
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_documents_keep_their_versions_and_download_the_bytes_uploaded(
    app, client, factory, files_dir
) -> None:  # noqa: ANN001
    o, _customer, opp = await setup(factory)
    rep, presales = o["rep"], o["presales"]
    url = f"{V1}/opportunities/{opp}/documents"
    v1_bytes = "技术方案 v1\n".encode() * 1000
    r = await client.post(
        url,
        files={"file": ("技术方案.pdf", v1_bytes, "application/pdf")},
        data={"kind": "solution", "title": "智慧园区技术方案", "note": "初稿"},
        headers=rep.headers,
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["kind"] == "solution" and doc["title"] == "智慧园区技术方案"
    first = doc["latest"]
    assert first["version_number"] == 1 and first["file_name"] == "技术方案.pdf"
    assert first["size_bytes"] == len(v1_bytes) and first["sha256"] == hashlib.sha256(v1_bytes).hexdigest()
    assert first["content_type"] == "application/pdf" and first["note"] == "初稿"
    assert first["uploaded_by"]["id"] == str(rep.id) and doc["versions"] == [first]

    # a team member uploads the next version; kind and title carry over
    v2_bytes = b"%PDF-1.7 version two" * 50
    r = await client.post(
        f"{url}/{doc['document_id']}/versions",
        files={"file": ("技术方案-v2.pdf", v2_bytes, "application/pdf")},
        data={"note": "按客户意见修改"},
        headers=presales.headers,
    )
    assert r.status_code == 201, r.text
    assert [v["version_number"] for v in r.json()["versions"]] == [2, 1]
    other = await client.post(
        url,
        files={"file": ("报价.xlsx", b"PK\x03\x04 quote", "application/vnd.ms-excel")},
        data={"kind": "quote", "title": "报价单"},
        headers=rep.headers,
    )
    assert other.status_code == 201

    r = await client.get(url, headers=o["manager"].headers)
    assert r.status_code == 200
    docs = r.json()["items"]
    assert [d["title"] for d in docs] == ["智慧园区技术方案", "报价单"]
    assert docs[0]["latest"]["version_number"] == 2 and docs[0]["latest"]["uploaded_by"]["id"] == str(
        presales.id
    )
    assert [v["version_number"] for v in docs[0]["versions"]] == [2, 1]

    # each version downloads exactly what was uploaded, with the Chinese name per RFC 5987
    for version, content in ((docs[0]["versions"][1], v1_bytes), (docs[0]["versions"][0], v2_bytes)):
        r = await client.get(version["download_url"], headers=presales.headers)
        assert r.status_code == 200 and r.content == content
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["x-content-type-options"] == "nosniff"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%8A%80%E6%9C%AF%E6%96%B9%E6%A1%88-v2.pdf" in disposition
    assert 'filename="download-v2.pdf"' in disposition

    # the bytes live under the configured directory, named by ids only
    files = stored_files(files_dir)
    assert len(files) == 3 and all("技术" not in str(p) for p in files)

    async with app.state.ctx.sessions() as s:
        events = list(
            await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "opportunity.document_added"))
        )
    assert sorted(e.data["version_number"] for e in events) == [1, 1, 2]
    assert {e.entity_id for e in events} == {opp}


async def test_document_uploads_refuse_empty_and_oversized_files_and_strangers(
    client,
    factory,
    files_dir,
    monkeypatch,  # noqa: ANN001
) -> None:
    o, _customer, opp = await setup(factory)
    rep = o["rep"]
    url = f"{V1}/opportunities/{opp}/documents"
    form = {"kind": "proposal", "title": "投标书"}
    monkeypatch.setattr(opportunity_documents, "MAX_BYTES", 1024)

    r = await client.post(
        url, files={"file": ("empty.docx", b"", "application/msword")}, data=form, headers=rep.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    assert "empty" in r.json()["errors"][0]["message"]
    r = await client.post(
        url,
        files={"file": ("big.bin", b"x" * 1025, "application/octet-stream")},
        data=form,
        headers=rep.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    assert "larger than 1024 bytes" in r.json()["errors"][0]["message"]
    assert stored_files(files_dir) == []  # nothing kept of a refused upload

    # exactly at the limit is fine; a path in the name is dropped; the claimed type is only a header
    r = await client.post(
        url,
        files={"file": ("../../etc/passwd", b"y" * 1024, "text/html; charset=utf-8")},
        data=form,
        headers=rep.headers,
    )
    assert r.status_code == 201, r.text
    version = r.json()["latest"]
    assert version["file_name"] == "passwd" and version["content_type"] == "text/html"
    [stored] = stored_files(files_dir)
    assert stored.resolve().is_relative_to(files_dir.resolve()) and stored.name == version["id"].replace(
        "-", ""
    )
    r = await client.get(version["download_url"], headers=rep.headers)
    assert r.status_code == 200 and r.content == b"y" * 1024
    assert r.headers["content-disposition"].startswith('attachment; filename="passwd"')

    # kinds are the document kinds; unknown documents and versions are 404
    r = await client.post(
        url,
        files={"file": ("a.txt", b"a", "text/plain")},
        data={"kind": "poem", "title": "x"},
        headers=rep.headers,
    )
    assert r.status_code == 422
    r = await client.post(
        f"{url}/{uuid.uuid4()}/versions", files={"file": ("a.txt", b"a", "text/plain")}, headers=rep.headers
    )
    assert r.status_code == 404
    assert (
        await client.get(f"{url}/versions/{uuid.uuid4()}/content", headers=rep.headers)
    ).status_code == 404

    # someone who does not see the opportunity neither lists, uploads nor downloads
    outsider = o["outsider"]
    assert (await client.get(url, headers=outsider.headers)).status_code == 404
    assert (await client.get(version["download_url"], headers=outsider.headers)).status_code == 404
    r = await client.post(
        url, files={"file": ("a.txt", b"a", "text/plain")}, data=form, headers=outsider.headers
    )
    assert r.status_code == 404
    # a version of one opportunity is not reachable through another the caller sees
    other_opp = await opportunity(factory, o, _customer["id"])
    r = await client.get(
        f"{V1}/opportunities/{other_opp}/documents/versions/{version['id']}/content", headers=rep.headers
    )
    assert r.status_code == 404
    # finance reads every opportunity: downloads, but may not upload
    assert (await client.get(version["download_url"], headers=o["finance"].headers)).status_code == 200
    r = await client.post(
        url, files={"file": ("a.txt", b"a", "text/plain")}, data=form, headers=o["finance"].headers
    )
    assert r.status_code == 403


# --- samples / POC -------------------------------------------------------------------------------


async def act(client: Any, who: Any, request_id: str, action: str, body: dict[str, Any] | None = None) -> Any:
    r = await client.post(f"{V1}/approvals/{request_id}/{action}", json=body or {}, headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def samples(client: Any, who: Any, opp: str) -> list[dict[str, Any]]:
    r = await client.get(f"{V1}/opportunities/{opp}/samples", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_samples_are_approved_by_quantity_then_ship(app, client, factory) -> None:  # noqa: ANN001
    o, _customer, opp = await setup(factory)
    rep, manager, director = o["rep"], o["manager"], o["director"]
    url = f"{V1}/opportunities/{opp}/samples"

    # 5 pieces: the manager alone
    r = await client.post(
        url,
        json={
            "product": "边缘网关 EG-200",
            "quantity": 5,
            "purpose": "客户实验室测试",
            "needed_by": str(date.today()),
        },
        headers=rep.headers,
    )
    assert r.status_code == 201, r.text
    small = r.json()
    assert small["status"] == "pending" and small["kind"] == "sample" and small["quantity"] == 5
    assert small["approval"]["status"] == "pending" and small["approval"]["step_name"] == "直属上级 / Manager"
    assert small["requested_by"]["id"] == str(rep.id) and small["shipped_at"] is None
    # not approved yet: it cannot ship
    assert (await client.post(f"{url}/{small['id']}/shipped", headers=rep.headers)).status_code == 409
    done = await act(client, manager, small["approval"]["id"], "approve")
    assert done["status"] == "approved"
    assert [step["status"] for step in done["steps"]] == ["approved", "skipped", "skipped"]
    [row] = await samples(client, rep, opp)
    assert row["status"] == "approved" and row["approval"]["status"] == "approved"
    r = await client.post(f"{url}/{small['id']}/shipped", headers=manager.headers)
    assert r.status_code == 200 and r.json()["status"] == "shipped" and r.json()["shipped_at"]
    assert "sample_shipped" in [n.kind for n in await notifications(app, rep)]
    assert (await client.post(f"{url}/{small['id']}/shipped", headers=rep.headers)).status_code == 409

    # 50 POC units: the manager, then the zone director
    r = await client.post(
        url,
        json={"kind": "poc", "product": "园区平台 POC", "quantity": 50, "purpose": "验证并发"},
        headers=rep.headers,
    )
    big = r.json()
    assert r.status_code == 201 and big["kind"] == "poc"
    after_manager = await act(client, manager, big["approval"]["id"], "approve")
    assert after_manager["status"] == "pending"
    [row, _] = await samples(client, rep, opp)
    assert row["id"] == big["id"] and row["status"] == "pending"
    assert row["approval"]["step_name"] == "区域总监（>10）/ Zone director (>10)"
    final = await act(client, director, big["approval"]["id"], "approve")
    assert final["status"] == "approved"
    assert [step["status"] for step in final["steps"]] == ["approved", "approved", "skipped"]
    assert (await samples(client, rep, opp))[0]["status"] == "approved"

    # rejected: the request is rejected and the rep is told
    r = await client.post(
        url, json={"product": "传感器", "quantity": 3, "purpose": "演示"}, headers=rep.headers
    )
    rejected = await act(client, manager, r.json()["approval"]["id"], "reject", {"comment": "库存不足"})
    assert rejected["status"] == "rejected"
    row = (await samples(client, rep, opp))[0]
    assert row["status"] == "rejected" and row["approval"]["status"] == "rejected"
    assert "sample_decided" in [n.kind for n in await notifications(app, rep)]
    assert (await client.post(f"{url}/{row['id']}/shipped", headers=rep.headers)).status_code == 409


async def test_sample_requests_are_checked_and_scoped(client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    opp = await opportunity(factory, o, customer["id"])
    url = f"{V1}/opportunities/{opp}/samples"
    body = {"product": "网关", "quantity": 0, "purpose": "测试"}
    assert (await client.post(url, json=body, headers=o["rep"].headers)).status_code == 422
    assert (
        await client.post(
            url, json={**body, "quantity": 2, "owner_id": str(o["rep"].id)}, headers=o["rep"].headers
        )
    ).status_code == 422
    assert (
        await client.post(url, json={**body, "quantity": 2}, headers=o["outsider"].headers)
    ).status_code == 404
    assert (await client.get(url, headers=o["outsider"].headers)).status_code == 404
    lost = await opportunity(factory, o, customer["id"], status="lost")
    r = await client.post(
        f"{V1}/opportunities/{lost}/samples", json={**body, "quantity": 2}, headers=o["rep"].headers
    )
    assert r.status_code == 422 and "open" in r.json()["detail"]


# --- follow-ups and visits -----------------------------------------------------------------------


async def test_a_team_member_logs_a_visit_and_invites_a_colleague_who_joins(app, client, factory) -> None:  # noqa: ANN001
    o, customer, opp = await setup(factory)
    rep, presales, rep2 = o["rep"], o["presales"], o["rep2"]
    contact = (
        await client.post(
            f"{V1}/customers/{customer['id']}/contacts",
            json={"name": "王总", "title": "CTO"},
            headers=rep.headers,
        )
    ).json()
    async with unit_of_work(factory.ctx.sessions) as s:
        s.add(
            OpportunityContact(
                opportunity_id=uuid.UUID(opp), contact_id=uuid.UUID(contact["id"]), role="decision_maker"
            )
        )
    url = f"{V1}/opportunities/{opp}/follow-ups"

    # presales does not own the customer but is on the deal: they log a visit and invite rep2
    happened = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    visit_day = date.today() + timedelta(days=3)
    r = await client.post(
        url,
        json={
            "kind": "visit",
            "content": "与王总沟通技术方案",
            "happened_at": happened.isoformat(),
            "contact_id": contact["id"],
            "next_step": "带技术同事演示",
            "next_follow_up_on": str(visit_day),
            "invite_user_ids": [str(rep2.id), str(rep2.id)],
        },
        headers=presales.headers,
    )
    assert r.status_code == 201, r.text
    visit = r.json()
    assert visit["opportunity_id"] == opp and visit["customer_id"] == customer["id"]
    assert visit["contact"] == {"id": contact["id"], "name": "王总"} and visit["author"]["id"] == str(
        presales.id
    )
    [invitation] = visit["invitations"]
    assert invitation["user"]["id"] == str(rep2.id) and invitation["status"] == "open"
    assert datetime.fromisoformat(invitation["due_at"]) == datetime.fromisoformat(
        f"{visit_day}T09:00:00+08:00"
    )

    # the customer's timeline and last follow-up move; the decision-chain contact was touched
    page = (await client.get(f"{V1}/customers/{customer['id']}", headers=rep.headers)).json()
    assert datetime.fromisoformat(page["last_followed_up_at"]) == happened
    timeline = (await client.get(f"{V1}/customers/{customer['id']}/follow-ups", headers=rep.headers)).json()
    assert [f["id"] for f in timeline["items"]] == [visit["id"]]
    async with app.state.ctx.sessions() as s:
        link = await s.scalar(
            select(OpportunityContact).where(OpportunityContact.opportunity_id == uuid.UUID(opp))
        )
    assert link is not None and link.last_touch_at == happened

    # the invitee sees the task (with the customer and opportunity names) and was told, but is
    # not on the team: the opportunity stays hidden from them
    assert [n.kind for n in await notifications(app, rep2)] == ["visit_invitation"]
    [task] = await tasks_of(client, rep2)
    assert task["kind"] == "join_visit" and task["follow_up_id"] == visit["id"]
    assert customer["name"] in task["title"] and task["customer"]["name"] == customer["name"]
    assert task["opportunity"]["name"] == "智慧园区一期"
    assert (await client.get(url, headers=rep2.headers)).status_code == 404
    r = await client.post(f"{V1}/tasks/{task['id']}/done", headers=rep2.headers)
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["done_at"]
    assert "task_done" in [n.kind for n in await notifications(app, presales)]

    # the opportunity's timeline: newest first, with the invitation's answer
    r = await client.post(url, json={"kind": "call", "content": "电话确认演示时间"}, headers=rep.headers)
    assert r.status_code == 201 and r.json()["invitations"] == []
    r = await client.get(f"{url}?limit=1", headers=rep.headers)
    first = r.json()
    assert [f["kind"] for f in first["items"]] == ["call"] and first["next_cursor"]
    r = await client.get(f"{url}?limit=1&cursor={first['next_cursor']}", headers=rep.headers)
    [older] = r.json()["items"]
    assert older["id"] == visit["id"] and older["invitations"][0]["status"] == "done"
    assert r.json()["next_cursor"] is None


async def test_follow_up_input_is_checked(client, factory) -> None:  # noqa: ANN001
    o, customer, opp = await setup(factory)
    rep = o["rep"]
    url = f"{V1}/opportunities/{opp}/follow-ups"
    foreign_customer = await factory.customer(o["rep2"])
    foreign_contact = (
        await client.post(
            f"{V1}/customers/{foreign_customer['id']}/contacts",
            json={"name": "李四"},
            headers=o["rep2"].headers,
        )
    ).json()

    def body(**extra: Any) -> dict[str, Any]:
        return {"kind": "visit", "content": "拜访", **extra}

    cases = [
        (body(kind="call", invite_user_ids=[str(o["rep2"].id)]), "invite_user_ids"),
        (body(invite_user_ids=[str(rep.id)]), "invite_user_ids"),
        (body(invite_user_ids=[str(o["inactive"].id)]), "invite_user_ids"),
        (body(invite_user_ids=[str(uuid.uuid4())]), "invite_user_ids"),
        (body(contact_id=foreign_contact["id"]), "contact_id"),
        (body(happened_at=(datetime.now(UTC) + timedelta(days=1)).isoformat()), "happened_at"),
        (body(happened_at="2026-01-01T10:00:00"), "happened_at"),
        (body(kind="telepathy"), "kind"),
        (body(author_id=str(o["rep2"].id)), "author_id"),
    ]
    for payload, field in cases:
        r = await client.post(url, json=payload, headers=rep.headers)
        assert r.status_code == 422, (payload, r.text)
        assert r.json()["errors"][0]["field"] == field, (payload, r.text)
    assert (await client.post(url, json=body(), headers=o["outsider"].headers)).status_code == 404
    assert (await client.post(url, json=body(), headers=o["finance"].headers)).status_code == 403
    assert (await client.get(url, headers=o["outsider"].headers)).status_code == 404
    assert (await client.get(url, headers=rep.headers)).json()["items"] == []
