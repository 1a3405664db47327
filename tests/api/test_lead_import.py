"""Bulk lead import: GB18030 CSV and XLSX through a real arq worker, per-row errors and the
report, bad files, idempotent re-upload, and a crashed run resumed without importing twice."""

from __future__ import annotations

import csv
import io
import os
import uuid
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from repositories.models import AuditEntry, Lead, LeadImport, Notification
from services.lead_import import run_import
from tests.support import run_worker
from worker.tasks import _actor_for

IMPORTS = "/api/v1/imports"
HEADERS = ["公司名称", "联系人", "手机号码", "省份", "城市", "意向产品", "来源"]


def gb18030_csv(rows: list[list[str]], headers: list[str] = HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("gb18030")


async def count_leads(app, **where: Any) -> int:  # noqa: ANN001
    async with app.state.ctx.sessions() as s:
        stmt = select(func.count()).select_from(Lead)
        for k, v in where.items():
            stmt = stmt.where(getattr(Lead, k) == v)
        return int(await s.scalar(stmt) or 0)


async def test_gb18030_csv_imports_good_rows_and_reports_the_rest(app, client, factory, settings) -> None:  # noqa: ANN001
    zone = await factory.zone(provinces=["440000"])
    team = await factory.team(zone)
    await factory.user("sales_rep", team=team)  # a rep in the zone: without rules, none of it is theirs
    marketing = await factory.user("marketing")
    await factory.admin()
    rows = [
        ["深圳甲科技有限公司", "张三", "13800138001", "广东省", "深圳市", "CRM", "官网表单"],
        ["深圳乙科技有限公司", "李四", "13800138002", "广东", "深圳", "ERP", ""],
        ["深圳甲科技", "王五", "", "广东省", "", "CRM", ""],  # same company + product as row 2: duplicate
        ["深圳丙科技有限公司", "赵六", "12345", "广东省", "", "", ""],  # bad mobile
        ["", "无名", "", "火星省", "", "", "不存在的渠道"],  # no company, no such province, no channel
        ["", "", "", "", "", "", ""],  # a blank line is not a row
    ]
    r = await client.post(
        IMPORTS,
        files={"file": ("线索.csv", gb18030_csv(rows), "text/csv")},
        headers=marketing.headers,
    )
    assert r.status_code == 201, r.text
    imp = r.json()
    assert imp["encoding"] == "gb18030"
    assert imp["total"] == 5  # the trailing blank line is not counted
    assert imp["mapping"] == {
        "公司名称": "company_name",
        "联系人": "contact_name",
        "手机号码": "mobile",
        "省份": "province",
        "城市": "city",
        "意向产品": "product",
        "来源": "channel",
    }
    assert imp["sample"][0][0] == "深圳甲科技有限公司"
    started = await client.post(f"{IMPORTS}/{imp['id']}/start", json={}, headers=marketing.headers)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"

    await run_worker(settings)

    done = (await client.get(f"{IMPORTS}/{imp['id']}", headers=marketing.headers)).json()
    assert (done["status"], done["processed"], done["created"], done["duplicates"], done["failed"]) == (
        "done",
        5,
        2,
        1,
        2,
    )
    async with app.state.ctx.sessions() as s:
        leads = (await s.scalars(select(Lead).where(Lead.import_id == uuid.UUID(imp["id"])))).all()
        by_name = {lead.company_name: lead for lead in leads}
        assert by_name["深圳甲科技有限公司"].city_code == "440300"
        assert by_name["深圳乙科技有限公司"].province_code == "440000"  # "广东" → 440000
        assert by_name["深圳甲科技"].duplicate_of_id == by_name["深圳甲科技有限公司"].id
        assert by_name["深圳甲科技有限公司"].channel_id is not None
        # no rules: a marketing user's leads wait in the zone's queue, graded
        assert {lead.zone_id for lead in leads} == {zone.id}
        assert all(lead.queue == "leader" and lead.owner_id is None for lead in leads)
        assert all(lead.score_breakdown["explain"].startswith(lead.grade) for lead in leads)
        history = (
            await s.scalars(select(AuditEntry).where(AuditEntry.entity_id == str(by_name["深圳甲科技"].id)))
        ).all()
        assert [(h.action, h.actor_id, h.request_id) for h in history] == [
            ("create", marketing.id, f"import:{imp['id']}")
        ]
        assert history[0].changes["duplicate_of_id"] == [None, str(by_name["深圳甲科技有限公司"].id)]
        notes = (await s.scalars(select(Notification).where(Notification.user_id == marketing.id))).all()
        assert any("Import finished" in n.title for n in notes)

    report = await client.get(f"{IMPORTS}/{imp['id']}/errors?format=csv", headers=marketing.headers)
    assert report.status_code == 200
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["行号 Row", "列 Column", "错误 Message"]
    assert lines[0][3:] == HEADERS  # the row's own cells follow, to fix and re-import
    problems = {(int(line[0]), line[1]) for line in lines[1:]}
    assert problems == {(5, "手机号码"), (6, "公司名称"), (6, "省份"), (6, "来源")}
    row5 = next(line for line in lines[1:] if line[0] == "5")
    assert row5[3] == "深圳丙科技有限公司"
    xlsx = await client.get(f"{IMPORTS}/{imp['id']}/errors", headers=marketing.headers)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 5  # header + 4 problems


async def test_xlsx_with_formula_cells_and_numbers(app, client, factory, settings) -> None:  # noqa: ANN001
    rep = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    lead_importer = await factory.user("sales_manager", team=await factory.team(await factory.zone()))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Company Name", "Mobile", "Product"])
    sheet.append(["Acme Trading Co., Ltd.", 13900139000, "CRM"])  # the mobile is a number cell
    sheet.append(['=CONCAT("x","y")', 13900139001, "CRM"])  # a formula, never calculated
    sheet.append(["Beta Ltd", "13900139002", "CRM"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    r = await client.post(
        IMPORTS,
        files={"file": ("leads.xlsx", buffer.getvalue(), "application/octet-stream")},
        data={"start": "true"},
        headers=lead_importer.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "queued"
    await run_worker(settings)
    done = (await client.get(f"{IMPORTS}/{r.json()['id']}", headers=lead_importer.headers)).json()
    assert (done["created"], done["failed"]) == (2, 1)
    async with app.state.ctx.sessions() as s:
        acme = await s.scalar(select(Lead).where(Lead.company_name == "Acme Trading Co., Ltd."))
        assert acme is not None and acme.mobile == "+8613900139000"
        assert acme.owner_id == lead_importer.id  # no rules: a salesperson's import is theirs
    report = await client.get(f"{IMPORTS}/{r.json()['id']}/errors?format=csv", headers=lead_importer.headers)
    assert "formula" in report.text
    # reps do not import
    assert (await client.get(f"{IMPORTS}/{r.json()['id']}", headers=rep.headers)).status_code == 403


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("header-only.csv", "公司名称,手机\n".encode(), "no rows"),
        ("latin.csv", b"company\n\xff\xfe\xfa\xfb caf\xe9\n", "neither UTF-8 nor GB18030"),
        ("junk.csv", os.urandom(1024) + b"\x00" + os.urandom(1024), "binary"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, ".xls"),
        ("broken.xlsx", b"PK\x03\x04" + b"not really a zip" * 10, "XLSX"),
    ],
)
async def test_files_that_cannot_be_imported_are_refused_whole(
    app, client, factory, name: str, content: bytes, message: str
) -> None:  # noqa: ANN001
    marketing = await factory.user("marketing")
    r = await client.post(IMPORTS, files={"file": (name, content, "text/csv")}, headers=marketing.headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    error = r.json()["errors"][0]
    assert error["field"] == "file" and message in error["message"]
    async with app.state.ctx.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(LeadImport)) == 0


async def test_a_20_mb_file_of_junk_is_refused(client, factory) -> None:  # noqa: ANN001
    marketing = await factory.user("marketing")
    junk = bytes(range(1, 256)) * (20 * 1024 * 1024 // 255)
    r = await client.post(IMPORTS, files={"file": ("big.csv", junk, "text/csv")}, headers=marketing.headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "file"


async def test_mapping_must_name_the_company(client, factory) -> None:  # noqa: ANN001
    marketing = await factory.user("marketing")
    content = "名字,电话\n甲,13800138000\n".encode()
    imp = (
        await client.post(IMPORTS, files={"file": ("x.csv", content, "text/csv")}, headers=marketing.headers)
    ).json()
    assert imp["mapping"] == {"名字": None, "电话": "mobile"}
    r = await client.post(f"{IMPORTS}/{imp['id']}/start", json={}, headers=marketing.headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "mapping.company_name"
    twice = await client.post(
        f"{IMPORTS}/{imp['id']}/start",
        json={"mapping": {"名字": "mobile", "电话": "mobile"}},
        headers=marketing.headers,
    )
    assert twice.status_code == 422 and "mobile" in twice.json()["errors"][0]["message"]
    unknown = await client.post(
        f"{IMPORTS}/{imp['id']}/start", json={"mapping": {"名字": "salary"}}, headers=marketing.headers
    )
    assert unknown.status_code == 422
    ok = await client.post(
        f"{IMPORTS}/{imp['id']}/start",
        json={"mapping": {"名字": "company_name", "电话": "mobile"}},
        headers=marketing.headers,
    )
    assert ok.status_code == 202
    again = await client.post(f"{IMPORTS}/{imp['id']}/start", json={}, headers=marketing.headers)
    assert again.status_code == 409  # rows import once


async def test_reupload_with_the_same_idempotency_key_imports_once(app, client, factory, settings) -> None:  # noqa: ANN001
    marketing = await factory.user("marketing")
    content = gb18030_csv([["幂等科技有限公司", "张三", "13800138009", "", "", "", ""]])
    headers = {**marketing.headers, "Idempotency-Key": "import-1"}
    first = await client.post(
        IMPORTS, files={"file": ("a.csv", content, "text/csv")}, data={"start": "true"}, headers=headers
    )
    second = await client.post(
        IMPORTS, files={"file": ("a.csv", content, "text/csv")}, data={"start": "true"}, headers=headers
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    await run_worker(settings)
    assert await count_leads(app, company_name="幂等科技有限公司") == 1
    # the same file under a new key is a new import, flagged as the same file
    third = await client.post(
        IMPORTS, files={"file": ("a.csv", content, "text/csv")}, headers=marketing.headers
    )
    assert third.json()["same_file_as"] == first.json()["id"]


async def test_a_crashed_run_resumes_at_its_checkpoint(app, client, factory) -> None:  # noqa: ANN001
    marketing = await factory.user("marketing")
    rows = [[f"续传{i}科技有限公司", "", "", "", "", "", ""] for i in range(7)]
    imp = (
        await client.post(
            IMPORTS, files={"file": ("r.csv", gb18030_csv(rows), "text/csv")}, headers=marketing.headers
        )
    ).json()
    await client.post(f"{IMPORTS}/{imp['id']}/start", json={}, headers=marketing.headers)
    real = app.state.ctx.sessions
    opened = 0

    def dying():  # noqa: ANN202
        nonlocal opened
        opened += 1
        if opened == 4:  # the setup transaction, two chunks, then the worker dies
            raise RuntimeError("worker killed")
        return real()

    actor_for = _actor_for(app.state.ctx.access)
    with pytest.raises(RuntimeError):
        await run_import(dying, uuid.UUID(imp["id"]), actor_for, chunk_size=2)  # type: ignore[arg-type]
    halfway = (await client.get(f"{IMPORTS}/{imp['id']}", headers=marketing.headers)).json()
    assert (halfway["status"], halfway["processed"], halfway["created"]) == ("running", 4, 4)
    assert await run_import(real, uuid.UUID(imp["id"]), actor_for, chunk_size=2) == "done"
    assert await run_import(real, uuid.UUID(imp["id"]), actor_for, chunk_size=2) == "done"  # idempotent
    done = (await client.get(f"{IMPORTS}/{imp['id']}", headers=marketing.headers)).json()
    assert (done["processed"], done["created"], done["failed"]) == (7, 7, 0)
    assert await count_leads(app, import_id=uuid.UUID(imp["id"])) == 7


async def test_template_downloads_and_maps_itself(client, factory) -> None:  # noqa: ANN001
    marketing = await factory.user("marketing")
    r = await client.get(f"{IMPORTS}/template?format=csv", headers=marketing.headers)
    assert r.status_code == 200
    imp = (
        await client.post(
            IMPORTS, files={"file": ("t.csv", r.content, "text/csv")}, headers=marketing.headers
        )
    ).json()
    assert "company_name" in imp["mapping"].values() and None not in imp["mapping"].values()
    rep = await factory.user("sales_rep")
    assert (await client.get(f"{IMPORTS}/template", headers=rep.headers)).status_code == 403
