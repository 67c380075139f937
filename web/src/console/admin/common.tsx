import { useCallback, useEffect, useState, type InputHTMLAttributes } from "react";
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

/**
 * A number typed as text: keeps what the user is typing ("1.", "") while
 * reporting the parsed value, and follows the value when it changes from
 * outside (the inbox was saved or reloaded). Empty reports `undefined`.
 */
export function NumberField({
  value,
  onChange,
  ...rest
}: {
  value: number | undefined;
  onChange: (v: number | undefined) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "type">) {
  const parse = (s: string) => (s.trim() === "" || !Number.isFinite(Number(s)) ? undefined : Number(s));
  const [text, setText] = useState(value === undefined ? "" : String(value));
  useEffect(() => {
    setText((cur) => (parse(cur) === value ? cur : value === undefined ? "" : String(value)));
  }, [value]);
  return (
    <input
      {...rest}
      type="number"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parse(e.target.value));
      }}
    />
  );
}

/** A key set to `undefined` is removed: the editors delete a setting that way. */
export function withSetting(settings: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const next = { ...settings };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Three-way merge of an inbox's settings at save time: the keys this page
 * changed (`mine` against `base`, what it loaded) go over `theirs`, the
 * settings as stored now. Keys this page did not touch, including ones it
 * knows nothing about (bot settings written by an API client while the
 * page was open), stay as stored.
 */
export function mergeSettings(
  base: Record<string, unknown>,
  mine: Record<string, unknown>,
  theirs: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...theirs };
  for (const k of new Set([...Object.keys(base), ...Object.keys(mine)])) {
    if (same(base[k], mine[k])) continue;
    if (mine[k] === undefined) delete out[k];
    else out[k] = mine[k];
  }
  return out;
}
