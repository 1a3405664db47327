import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp } from "antd";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../../api/types";
import { en, zhCN } from "../../i18n/messages";
import { MENU, isGroup, visibleMenu } from "../../layout/menuConfig";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import type { BusinessLine, CriteriaOptions, Stage } from "./BusinessLinesHelpers";
import { BusinessLinesPage } from "./BusinessLinesPage";

const NO_CRITERIA = { required_fields: [], key_roles: [], documents: [], checklist: [], min_contacts: 0 };

function stage(id: string, code: string, name: string, position: number, rate: string, extra: Partial<Stage> = {}): Stage {
  return {
    id,
    code,
    name,
    position,
    kind: "open",
    win_rate: rate,
    forecast_category: "pipeline",
    exit_criteria: NO_CRITERIA,
    protects_customer: false,
    is_active: true,
    open_count: 0,
    ...extra,
  };
}

const STANDARD: BusinessLine = {
  id: "b1",
  code: "standard",
  name: "标准销售流程 / Standard",
  description: "一三五七十",
  is_active: true,
  is_default: true,
  position: 0,
  grade_thresholds: { A: "1000000", B: "200000" },
  version: 3,
  created_at: "2026-11-20T08:00:00Z",
  updated_at: "2026-11-21T08:00:00Z",
  stages: [
    stage("s1", "initial", "初步接洽 / Initial contact", 1, "10.00", { exit_criteria: { ...NO_CRITERIA, required_fields: ["expected_close_date"], min_contacts: 1 } }),
    stage("s2", "needs", "需求确认 / Needs confirmed", 2, "30.00", { exit_criteria: { ...NO_CRITERIA, key_roles: ["decision_maker"], min_contacts: 2 }, open_count: 4 }),
    stage("s3", "solution", "方案 / Solution", 3, "50.00", { forecast_category: "best_case" }),
    stage("s4", "negotiation", "报价谈判 / Negotiation", 4, "70.00", { forecast_category: "commit", protects_customer: true }),
    stage("s5", "won", "赢单 / Won", 5, "100.00", { kind: "won", forecast_category: "closed" }),
    stage("s6", "lost", "输单 / Lost", 6, "0.00", { kind: "lost", forecast_category: "omitted" }),
  ],
};

const COMPLEX: BusinessLine = {
  ...STANDARD,
  id: "b2",
  code: "complex",
  name: "复杂销售流程 / Complex sale",
  is_default: false,
  position: 1,
  version: 1,
  stages: [
    stage("c1", "initial", "初步接洽", 1, "10.00"),
    stage("c2", "bidding", "提案和投标", 2, "90.00"),
    stage("c3", "won", "赢单", 3, "100.00", { kind: "won", forecast_category: "closed" }),
    stage("c4", "lost", "输单", 4, "0.00", { kind: "lost", forecast_category: "omitted" }),
  ],
};

const OPTIONS: CriteriaOptions = {
  required_fields: [
    { value: "amount", label: "金额 / Amount" },
    { value: "expected_close_date", label: "预计成交日期 / Expected close date" },
  ],
  key_roles: [
    { value: "decision_maker", label: "决策者 / decision maker" },
    { value: "champion", label: "支持者 / champion" },
  ],
  documents: [{ value: "solution", label: "方案 / Solution" }],
  forecast_categories: [],
  stage_kinds: [],
};

const READ = { business_line: { read: "all" } } as unknown as Me["permissions"];
const MANAGE = { business_line: { read: "all", manage: "all" } } as unknown as Me["permissions"];

function server(extra: (req: Seen) => Response | null = () => null) {
  return fakeApi((req) => {
    const answer = extra(req);
    if (answer) return answer;
    if (req.method === "GET" && req.path === "/business-lines") return json({ items: [STANDARD, COMPLEX] });
    if (req.method === "GET" && req.path === "/business-lines/criteria-options") return json(OPTIONS);
    return json({ status: 404, title: "Not found" }, 404);
  });
}

function open(permissions: Me["permissions"] = MANAGE) {
  return renderPage(
    <AntApp>
      <BusinessLinesPage />
    </AntApp>,
    { url: "/settings/business-lines", path: "/settings/business-lines", permissions },
  );
}

/** Opens the antd select under `testId` and picks the option labelled `label`. */
async function pick(testId: string, label: string) {
  const select = screen.getByTestId(testId);
  fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
  await waitFor(() => expect(screen.queryAllByTitle(label).some((o) => o.classList.contains("ant-select-item-option"))).toBe(true));
  const options = screen.getAllByTitle(label).filter((o) => o.classList.contains("ant-select-item-option"));
  fireEvent.click(options[options.length - 1]!);
}

const puts = (seen: Seen[]) => seen.filter((s) => s.method === "PUT");
const input = (testId: string) => screen.getByTestId(testId) as HTMLInputElement;

describe("the business lines menu entry", () => {
  it("shows under settings with business_line:read", () => {
    const keysOf = (perms: object) =>
      visibleMenu(perms as Me["permissions"])
        .flatMap((n) => (isGroup(n) ? n.children : [n]))
        .map((e) => e.key);
    expect(keysOf({ business_line: { read: "all" } })).toEqual(["business-lines"]);
    const settings = MENU.find((n) => n.key === "settings");
    expect(settings && isGroup(settings) ? settings.children.find((c) => c.key === "business-lines") : null).toMatchObject({
      path: "/settings/business-lines",
      resource: "business_line",
      action: "read",
      testId: "menu-business-lines",
    });
    expect([zhCN["businessLines.menu"], en["businessLines.menu"]]).toEqual(["业务线与阶段", "Business lines & stages"]);
  });
});

describe("BusinessLinesPage", { timeout: 40_000 }, () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the default line's stages with win rates, open counts and criteria; read-only without manage", async () => {
    server();
    open(READ);
    const row = await screen.findByTestId("bl-stage-row-1");
    await waitFor(() => expect(input("bl-stage-1-win-rate")).toHaveValue("30"));
    expect(["10", "30", "50", "70", "100", "0"]).toEqual([0, 1, 2, 3, 4, 5].map((i) => input(`bl-stage-${i}-win-rate`).value));
    expect(input("bl-stage-1-code")).toHaveValue("needs");
    expect(input("bl-stage-1-code")).toBeDisabled();
    expect(within(row).getByTestId("bl-stage-1-open-count")).toHaveTextContent("4");
    expect(within(row).getByTestId("bl-stage-1-criteria")).toHaveTextContent("2 项");
    expect(screen.getByTestId("bl-stage-3-protects")).toBeChecked();
    expect(screen.getByTestId("bl-tab-standard")).toHaveTextContent("默认");
    expect(screen.getByTestId("bl-line-code")).toHaveTextContent("standard");
    expect(input("bl-grade-a")).toHaveValue("1000000");
    expect(screen.queryByTestId("bl-save-stages")).toBeNull();
    expect(screen.queryByTestId("bl-add-stage")).toBeNull();
    expect(screen.queryByTestId("bl-new")).toBeNull();
    expect(screen.queryByTestId("bl-stage-0-up")).toBeNull();
    expect(screen.queryByTestId("bl-line-save")).toBeNull();

    // the criteria open read-only
    fireEvent.click(within(row).getByTestId("bl-stage-1-criteria"));
    const editor = await screen.findByTestId("bl-stage-1-criteria-editor");
    await waitFor(() => expect(editor).toHaveTextContent("决策者"));
    expect(input("bl-stage-1-min-contacts")).toHaveValue("2");

    // another line
    fireEvent.click(screen.getByTestId("bl-tab-complex"));
    await waitFor(() => expect(input("bl-stage-1-code")).toHaveValue("bidding"));
    expect(input("bl-stage-1-win-rate")).toHaveValue("90");
  });

  it("edits the stages and saves the whole set with If-Match", async () => {
    const seen = server((req) => (req.method === "PUT" ? json({ ...STANDARD, version: 4 }) : null));
    open();
    await waitFor(() => expect(input("bl-stage-2-win-rate")).toHaveValue("50"));
    expect(screen.getByTestId("bl-stage-1-remove")).toBeDisabled(); // open opportunities sit there

    // change a rate, move negotiation above solution, drop solution's neighbour later
    fireEvent.change(input("bl-stage-2-win-rate"), { target: { value: "45.5" } });
    fireEvent.click(screen.getByTestId("bl-stage-3-up"));
    await waitFor(() => expect(input("bl-stage-2-code")).toHaveValue("negotiation"));
    expect(input("bl-stage-3-win-rate")).toHaveValue("45.5");

    // exit criteria of the first stage: a key role and a document
    fireEvent.click(screen.getByTestId("bl-stage-0-criteria"));
    await screen.findByTestId("bl-stage-0-criteria-editor");
    await pick("bl-stage-0-key-roles", "支持者");
    await pick("bl-stage-0-documents", "方案");

    // a new stage goes after the last open stage
    fireEvent.click(screen.getByTestId("bl-add-stage"));
    await waitFor(() => expect(input("bl-stage-4-code")).toHaveValue("stage_7"));
    fireEvent.change(input("bl-stage-4-code"), { target: { value: "poc" } });
    fireEvent.change(input("bl-stage-4-name"), { target: { value: "测试验证" } });
    fireEvent.change(input("bl-stage-4-win-rate"), { target: { value: "80" } });
    fireEvent.click(screen.getByTestId("bl-stage-4-protects"));
    fireEvent.click(screen.getByTestId("bl-save-stages"));

    await waitFor(() => expect(puts(seen)).toHaveLength(1));
    const put = puts(seen)[0]!;
    expect(put.path).toBe("/business-lines/b1/stages");
    expect(put.headers.get("If-Match")).toBe('"3"');
    const body = JSON.parse(put.body) as { stages: Record<string, unknown>[] };
    expect(body.stages.map((s) => [s.id ?? null, s.code, s.win_rate, s.kind])).toEqual([
      ["s1", "initial", "10", "open"],
      ["s2", "needs", "30", "open"],
      ["s4", "negotiation", "70", "open"],
      ["s3", "solution", "45.5", "open"],
      [null, "poc", "80", "open"],
      ["s5", "won", "100", "won"],
      ["s6", "lost", "0", "lost"],
    ]);
    expect(body.stages[0]!.exit_criteria).toEqual({
      required_fields: ["expected_close_date"],
      key_roles: ["champion"],
      documents: ["solution"],
      checklist: [],
      min_contacts: 1,
    });
    expect(body.stages[4]).toEqual({
      code: "poc",
      name: "测试验证",
      kind: "open",
      win_rate: "80",
      forecast_category: "pipeline",
      protects_customer: true,
      is_active: true,
      exit_criteria: NO_CRITERIA,
    });
    expect(body.stages[2]).not.toHaveProperty("open_count");
    await waitFor(() => expect(screen.getByText("已保存")).toBeInTheDocument());
  });

  it("refuses a malformed rate before sending", async () => {
    const seen = server();
    open();
    await waitFor(() => expect(input("bl-stage-2-win-rate")).toHaveValue("50"));
    fireEvent.change(input("bl-stage-2-win-rate"), { target: { value: "50.555" } });
    fireEvent.change(input("bl-stage-3-code"), { target: { value: "Bad Code" } });
    fireEvent.click(screen.getByTestId("bl-save-stages"));
    expect(await screen.findByText("0–100 之间的数，最多两位小数")).toBeInTheDocument();
    expect(await screen.findByText("2–40 位小写字母、数字或下划线，以字母开头")).toBeInTheDocument();
    expect(puts(seen)).toHaveLength(0);
  });

  it("shows the server's 422 under the field it names, opening the criteria it is in", async () => {
    server((req) =>
      req.method === "PUT"
        ? json(
            {
              title: "Invalid input",
              status: 422,
              detail: "stages.2.win_rate: open stages' win rates must not fall",
              errors: [
                { field: "stages.2.win_rate", message: "open stages' win rates must not fall" },
                { field: "stages.1.exit_criteria.key_roles.0", message: "unknown boss" },
                { field: "stages", message: "exactly one won stage is needed" },
              ],
            },
            422,
          )
        : null,
    );
    open();
    await waitFor(() => expect(input("bl-stage-2-win-rate")).toHaveValue("50"));
    fireEvent.change(input("bl-stage-2-win-rate"), { target: { value: "5" } });
    fireEvent.click(screen.getByTestId("bl-save-stages"));

    const error = await screen.findByText("open stages' win rates must not fall");
    expect(input("bl-stage-2-win-rate").closest(".ant-form-item")).toContainElement(error);
    const roleError = await screen.findByText("unknown boss");
    expect(screen.getByTestId("bl-stage-1-key-roles").closest(".ant-form-item")).toContainElement(roleError);
    expect(screen.getByTestId("bl-stages-errors")).toHaveTextContent("阶段：exactly one won stage is needed");
  });

  it("shows a 409 (open opportunities in a removed stage) as a message", async () => {
    server((req) =>
      req.method === "PUT"
        ? json({ title: "Conflict", status: 409, detail: "2 open opportunities sit in the stage 方案 / Solution; move them to another stage first", open_count: 2 }, 409)
        : null,
    );
    open();
    await waitFor(() => expect(input("bl-stage-2-code")).toHaveValue("solution"));
    fireEvent.click(screen.getByTestId("bl-stage-2-remove"));
    await waitFor(() => expect(input("bl-stage-2-code")).toHaveValue("negotiation"));
    fireEvent.click(screen.getByTestId("bl-save-stages"));
    expect(await screen.findByTestId("bl-stages-errors")).toHaveTextContent("2 open opportunities sit in the stage 方案 / Solution");
  });

  it("edits the line's fields with If-Match and maps a threshold error", async () => {
    const seen = server((req) =>
      req.method === "PATCH"
        ? json({ title: "Invalid input", status: 422, detail: "grade_thresholds.A: must be at least the B threshold", errors: [{ field: "grade_thresholds.A", message: "must be at least the B threshold" }] }, 422)
        : null,
    );
    open();
    await waitFor(() => expect(input("bl-line-name")).toHaveValue("标准销售流程 / Standard"));
    expect(screen.getByTestId("bl-line-default")).toBeDisabled();
    expect(screen.getByTestId("bl-line-delete")).toBeDisabled();
    fireEvent.change(input("bl-line-name"), { target: { value: "标准流程" } });
    fireEvent.change(input("bl-grade-a"), { target: { value: "300000.5" } });
    fireEvent.click(screen.getByTestId("bl-line-save"));
    await waitFor(() => expect(seen.some((s) => s.method === "PATCH")).toBe(true));
    const patch = seen.find((s) => s.method === "PATCH")!;
    expect(patch.path).toBe("/business-lines/b1");
    expect(patch.headers.get("If-Match")).toBe('"3"');
    expect(JSON.parse(patch.body)).toEqual({ name: "标准流程", grade_thresholds: { A: "300000.5", B: "200000" } });
    const error = await screen.findByText("must be at least the B threshold");
    expect(input("bl-grade-a").closest(".ant-form-item")).toContainElement(error);
  });

  it("creates a line from the dialog and opens it", async () => {
    const made: BusinessLine = { ...COMPLEX, id: "b3", code: "channel", name: "渠道销售", version: 1 };
    let created = false;
    const seen = server((req) => {
      if (req.method === "POST" && req.path === "/business-lines") {
        created = true;
        return json(made, 201);
      }
      return created && req.method === "GET" && req.path === "/business-lines" ? json({ items: [STANDARD, COMPLEX, made] }) : null;
    });
    open();
    fireEvent.click(await screen.findByTestId("bl-new"));
    fireEvent.change(await screen.findByTestId("bl-new-code"), { target: { value: "channel" } });
    fireEvent.change(screen.getByTestId("bl-new-name"), { target: { value: " 渠道销售 " } });
    fireEvent.change(screen.getByTestId("bl-new-grade-a"), { target: { value: "2000000" } });
    fireEvent.change(screen.getByTestId("bl-new-grade-b"), { target: { value: "300000" } });
    fireEvent.click(screen.getByTestId("bl-new-submit"));
    await waitFor(() => expect(seen.some((s) => s.method === "POST")).toBe(true));
    expect(JSON.parse(seen.find((s) => s.method === "POST")!.body)).toEqual({
      code: "channel",
      name: "渠道销售",
      description: null,
      grade_thresholds: { A: "2000000", B: "300000" },
    });
    await waitFor(() => expect(screen.getByText("已创建业务线")).toBeInTheDocument());
    await waitFor(() => expect(screen.getByTestId("bl-line-code")).toHaveTextContent("channel"));
  });
});
