import { useTranslation } from "react-i18next";
import { Navigate, NavLink, Route, Routes } from "react-router";
import type { Me } from "../App";
import { AccountSettings } from "./AccountSettings";
import { AuditLog } from "./AuditLog";
import { CannedResponses } from "./CannedResponses";
import { Inboxes } from "./Inboxes";
import { KnowledgeBase } from "./KnowledgeBase";
import { Teams } from "./Teams";
import { TicketFields } from "./TicketFields";
import { UnansweredQuestions } from "./UnansweredQuestions";
import { Users } from "./Users";

const SECTIONS = ["inboxes", "users", "teams", "canned", "tickets", "kb", "questions", "account", "audit"] as const;

/**
 * Administration inside the console. Admins change everything; supervisors
 * may look where the API lets them (the audit log is admin-only) and keep
 * the knowledge base. Agents may only read the knowledge base.
 */
export function Admin({ me }: { me: Me }) {
  const { t } = useTranslation();
  const admin = me.role === "admin";
  if (me.role !== "admin" && me.role !== "supervisor") {
    return (
      <Routes>
        <Route
          path="kb/*"
          element={
            <main className="admin-main standalone">
              <KnowledgeBase me={me} />
            </main>
          }
        />
        <Route
          path="*"
          element={
            <main className="admin">
              <p className="error" role="alert">
                {t("admin.forbidden")}
              </p>
            </main>
          }
        />
      </Routes>
    );
  }
  const sections = SECTIONS.filter((s) => admin || s !== "audit");
  return (
    <div className="admin">
      <nav className="admin-nav" aria-label={t("admin.title")}>
        <h1>{t("admin.title")}</h1>
        <ul>
          {sections.map((s) => (
            <li key={s}>
              <NavLink to={`/admin/${s}`} data-testid={`admin-nav-${s}`}>
                {t(`admin.sections.${s}`)}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main className="admin-main">
        <Routes>
          <Route index element={<Navigate to="inboxes" replace />} />
          <Route path="inboxes/*" element={<Inboxes me={me} />} />
          <Route path="users" element={<Users me={me} />} />
          <Route path="teams" element={<Teams me={me} />} />
          <Route path="canned" element={<CannedResponses me={me} />} />
          <Route path="tickets" element={<TicketFields me={me} />} />
          <Route path="kb/*" element={<KnowledgeBase me={me} />} />
          <Route path="questions" element={<UnansweredQuestions />} />
          <Route path="account" element={<AccountSettings me={me} />} />
          {admin && <Route path="audit" element={<AuditLog />} />}
          <Route path="*" element={<Navigate to="/admin/inboxes" replace />} />
        </Routes>
      </main>
    </div>
  );
}
