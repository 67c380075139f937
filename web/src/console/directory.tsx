import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, type Inbox, type Member, type Team } from "../shared/api";

/** Who and what the console refers to by id: members, teams, inboxes. */
export interface Directory {
  users: Member[];
  teams: Team[];
  inboxes: Inbox[];
  userName: (id: string | null | undefined) => string | null;
  teamName: (id: string | null | undefined) => string | null;
  inboxName: (id: string | null | undefined) => string | null;
  reload: () => Promise<void>;
}

const Ctx = createContext<Directory | null>(null);

export function DirectoryProvider({ children }: { children: ReactNode }) {
  const [users, setUsers] = useState<Member[]>([]);
  const [teams, setTeams] = useState<Team[]>([]);
  const [inboxes, setInboxes] = useState<Inbox[]>([]);

  const reload = useCallback(async () => {
    const [u, t, i] = await Promise.all([
      api<Member[]>("/api/v1/users").catch(() => null),
      api<Team[]>("/api/v1/teams").catch(() => null),
      api<Inbox[]>("/api/v1/inboxes").catch(() => null),
    ]);
    if (u) setUsers(u);
    if (t) setTeams(t);
    if (i) setInboxes(i);
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const value = useMemo<Directory>(() => {
    const find = <T,>(list: T[], key: (x: T) => string, label: (x: T) => string) => (id: string | null | undefined) => {
      if (!id) return null;
      const x = list.find((y) => key(y) === id);
      return x ? label(x) : null;
    };
    return {
      users,
      teams,
      inboxes,
      userName: find(users, (u) => u.user_id, (u) => u.name || u.email),
      teamName: find(teams, (t) => t.id, (t) => t.name),
      inboxName: find(inboxes, (i) => i.id, (i) => i.name),
      reload,
    };
  }, [users, teams, inboxes, reload]);

  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useDirectory(): Directory {
  const d = useContext(Ctx);
  if (!d) throw new Error("useDirectory outside DirectoryProvider");
  return d;
}
