import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, errorText } from "../../shared/api";

/** GET a resource; `reload` fetches it again after a change. */
export function useResource<T>(path: string | null) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    if (!path) return;
    try {
      setData(await api<T>(path));
      setError(null);
    } catch (e) {
      setError(errorText(e) ?? "network");
    }
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, reload, setData };
}

/**
 * Runs a change and keeps its outcome for display: the API's own
 * `error.message` on failure, "Saved." on success.
 */
export function useAction() {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async <T,>(fn: () => Promise<T>, success?: string): Promise<{ ok: boolean; value?: T }> => {
      setBusy(true);
      setError(null);
      setOk(null);
      try {
        const r = await fn();
        setOk(success ?? t("admin.saved"));
        return { ok: true, value: r };
      } catch (e) {
        setError(errorText(e) ?? t("conv.error", { code: "network" }));
        return { ok: false };
      } finally {
        setBusy(false);
      }
    },
    [t],
  );
  return { run, error, ok, busy, clear: () => (setError(null), setOk(null)) };
}

export function Outcome({ error, ok }: { error: string | null; ok?: string | null }) {
  return (
    <>
      {error && (
        <p role="alert" className="error" data-testid="admin-error">
          {error}
        </p>
      )}
      {ok && !error && (
        <p role="status" className="info" data-testid="admin-ok">
          {ok}
        </p>
      )}
    </>
  );
}

export function ReadOnlyNote({ readOnly }: { readOnly: boolean }) {
  const { t } = useTranslation();
  return readOnly ? (
    <p className="note-box" data-testid="read-only">
      {t("admin.readOnly")}
    </p>
  ) : null;
}

export { api };
