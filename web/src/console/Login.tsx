import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../shared/api";
import { LanguageSwitcher } from "../shared/LanguageSwitcher";

export function Login({ onLoggedIn }: { onLoggedIn: () => Promise<void> }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(false);
    try {
      await api("/api/v1/auth/login", { method: "POST", body: { email, password } });
      await onLoggedIn();
    } catch {
      setError(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form onSubmit={submit} className="login-form">
        <h1>{t("login.title")}</h1>
        <label>
          {t("login.email")}
          <input name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          {t("login.password")}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error && <p role="alert" className="error">{t("login.failed")}</p>}
        <button type="submit" disabled={busy}>
          {t("login.submit")}
        </button>
        <LanguageSwitcher />
      </form>
    </main>
  );
}
