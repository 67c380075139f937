import { useCallback, useEffect, useState } from "react";
import { Navigate, Route, Routes, useNavigate } from "react-router";
import { api } from "../shared/api";
import { Login } from "./Login";
import { Workspace } from "./Workspace";

export interface Me {
  user: { id: string; email: string; name: string };
  account: { id: string; name: string };
  role: "agent" | "supervisor" | "admin";
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const navigate = useNavigate();

  const refresh = useCallback(async () => {
    try {
      setMe(await api<Me>("/api/v1/auth/me"));
    } catch {
      setMe(null);
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    const out = () => setMe(null);
    window.addEventListener("kefu:unauthorized", out);
    return () => window.removeEventListener("kefu:unauthorized", out);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api("/api/v1/auth/logout", { method: "POST" });
    } finally {
      setMe(null);
      navigate("/login");
    }
  }, [navigate]);

  if (me === undefined) return <div className="loading" />;
  return (
    <Routes>
      <Route path="/login" element={me ? <Navigate to="/" replace /> : <Login onLoggedIn={refresh} />} />
      <Route
        path="/*"
        element={me ? <Workspace me={me} onLogout={logout} /> : <Navigate to="/login" replace />}
      />
    </Routes>
  );
}
