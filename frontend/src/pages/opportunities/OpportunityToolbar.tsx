/** The list/kanban switch and the "new" / "register" buttons with their drawers. */
import { FileAddOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Segmented } from "antd";
import { useState } from "react";
import { useNavigate } from "react-router";
import { useCan } from "../../auth/context";
import { useT } from "../../i18n/context";
import { OpportunityCreateDrawer } from "./OpportunityCreateDrawer";
import { RegistrationDrawer } from "./RegistrationDrawer";

type View = "list" | "board";

/** Switches between the list and the kanban, carrying the business line along. */
export function ViewSwitch({ view, lineId }: { view: View; lineId?: string }) {
  const t = useT();
  const navigate = useNavigate();
  return (
    <Segmented<View>
      value={view}
      onChange={(v) => {
        const qs = lineId ? `?business_line_id=${encodeURIComponent(lineId)}` : "";
        navigate(v === "board" ? `/opportunities/board${qs}` : `/opportunities${qs}`);
      }}
      options={[
        { value: "list", label: <span data-testid="opportunity-view-list">{t("opportunity.view.list")}</span> },
        { value: "board", label: <span data-testid="opportunity-view-board">{t("opportunity.view.board")}</span> },
      ]}
    />
  );
}

export function CreateButtons() {
  const t = useT();
  const can = useCan();
  const [creating, setCreating] = useState(false);
  const [registering, setRegistering] = useState(false);
  if (!can("opportunity", "create")) return null;
  return (
    <>
      <Button icon={<FileAddOutlined />} onClick={() => setRegistering(true)} data-testid="opportunity-register">
        {t("opportunity.register")}
      </Button>
      <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="opportunity-create">
        {t("opportunity.new")}
      </Button>
      <OpportunityCreateDrawer open={creating} onClose={() => setCreating(false)} />
      <RegistrationDrawer open={registering} onClose={() => setRegistering(false)} />
    </>
  );
}
