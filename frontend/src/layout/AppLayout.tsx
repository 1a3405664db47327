import {
  ApartmentOutlined,
  KeyOutlined,
  LogoutOutlined,
  SafetyOutlined,
  SettingOutlined,
  TeamOutlined,
  TranslationOutlined,
  UserOutlined,
  ClusterOutlined,
  GlobalOutlined,
  ContactsOutlined,
  ProfileOutlined,
  AimOutlined,
  BranchesOutlined,
  FormOutlined,
  ImportOutlined,
  SlidersOutlined,
  FundOutlined,
  CloudOutlined,
  ControlOutlined,
  AuditOutlined,
  TrophyOutlined,
  ProjectOutlined,
  FunnelPlotOutlined,
  FlagOutlined,
  NodeIndexOutlined,
} from "@ant-design/icons";
import { Button, Layout, Menu, Space, Typography, type MenuProps } from "antd";
import type { ReactNode } from "react";
import { Link, Outlet, useLocation } from "react-router";
import { useAuth } from "../auth/context";
import { useLang, useT } from "../i18n/context";
import { ApprovalsBadge } from "./ApprovalsBadge";
import { isGroup, visibleMenu } from "./menuConfig";
import { NotificationBell } from "./NotificationBell";

const ICONS: Record<string, ReactNode> = {
  customers: <ContactsOutlined />,
  org: <ApartmentOutlined />,
  departments: <ClusterOutlined />,
  zones: <GlobalOutlined />,
  teams: <TeamOutlined />,
  users: <UserOutlined />,
  settings: <SettingOutlined />,
  "customer-rules": <ProfileOutlined />,
  roles: <SafetyOutlined />,
  "api-keys": <KeyOutlined />,
  leads: <AimOutlined />,
  "assignment-rules": <BranchesOutlined />,
  channels: <FormOutlined />,
  "lead-board": <FundOutlined />,
  "lead-import": <ImportOutlined />,
  "lead-rules": <SlidersOutlined />,
  pools: <CloudOutlined />,
  "pool-rules": <ControlOutlined />,
  approvals: <AuditOutlined />,
  opportunities: <TrophyOutlined />,
  "opportunity-board": <ProjectOutlined />,
  pipeline: <FunnelPlotOutlined />,
  "sales-targets": <FlagOutlined />,
  "business-lines": <NodeIndexOutlined />,
};

/** Entries with a live count next to their label. */
const BADGES: Record<string, () => ReactNode> = {
  approvals: () => <ApprovalsBadge />,
};

export function SideMenu() {
  const { me } = useAuth();
  const t = useT();
  const location = useLocation();
  const nodes = visibleMenu(me?.permissions);

  const items: MenuProps["items"] = nodes.map((node) =>
    isGroup(node)
      ? {
          key: node.key,
          icon: ICONS[node.key],
          label: t(node.label),
          children: node.children.map((c) => ({
            key: c.path,
            icon: ICONS[c.key],
            label: (
              <Link to={c.path} data-testid={c.testId}>
                {t(c.label)}
              </Link>
            ),
          })),
        }
      : {
          key: node.path,
          icon: ICONS[node.key],
          label: (
            <>
              <Link to={node.path} data-testid={node.testId}>
                {t(node.label)}
              </Link>
              {BADGES[node.key]?.()}
            </>
          ),
        },
  );
  // the most specific entry: /leads/import selects "import", not also "leads"
  const selected = nodes
    .flatMap((n) => (isGroup(n) ? n.children : [n]))
    .filter((e) => location.pathname.startsWith(e.path))
    .map((e) => e.path)
    .sort((a, b) => b.length - a.length)
    .slice(0, 1);

  return (
    <Menu
      theme="dark"
      mode="inline"
      items={items}
      selectedKeys={selected}
      defaultOpenKeys={nodes.filter(isGroup).map((g) => g.key)}
      data-testid="side-menu"
    />
  );
}

export function AppLayout() {
  const { me, logout } = useAuth();
  const { lang, setLang } = useLang();
  const t = useT();

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider breakpoint="lg" collapsible width={220}>
        <div style={{ color: "#fff", padding: "16px 20px", fontWeight: 600, whiteSpace: "nowrap", overflow: "hidden" }}>
          {t("app.title")}
        </div>
        <SideMenu />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{ background: "#fff", display: "flex", justifyContent: "flex-end", alignItems: "center", paddingInline: 24 }}
        >
          <Space size="middle">
            <NotificationBell />
            <Typography.Text data-testid="current-user">
              <UserOutlined /> {me?.user.display_name ?? me?.user.username}
            </Typography.Text>
            <Button
              type="text"
              icon={<TranslationOutlined />}
              data-testid="lang-switch"
              onClick={() => setLang(lang === "zh-CN" ? "en" : "zh-CN")}
            >
              {t("lang.switch")}
            </Button>
            <Button type="text" icon={<LogoutOutlined />} data-testid="logout" onClick={() => void logout()}>
              {t("header.logout")}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 16 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
