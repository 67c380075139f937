import { useEffect, useRef, useState } from "react";
import { api, ApiError } from "./api";

/** What the API answers for an attachment: its name, type and signed links. */
export interface AttachmentLinks {
  file_name: string;
  content_type: string;
  url: string;
  thumbnail_url?: string | null;
}

/**
 * Uploads one file as multipart (`file`, plus `fields`), with progress, which
 * fetch cannot report. With a `token` it authenticates as a bearer (the
 * widget's visitor); without, by the session cookie plus the CSRF header (the
 * console). Resolves to the new attachment's id.
 */
export function uploadFile(
  path: string,
  file: File,
  opts: { token?: string; fields?: Record<string, string> },
  onProgress: (percent: number) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    if (opts.token) xhr.setRequestHeader("authorization", `Bearer ${opts.token}`);
    else xhr.setRequestHeader("x-kefu-csrf", "1");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((100 * e.loaded) / e.total));
    };
    xhr.onload = () => {
      let body: { id?: string; error?: { code?: string; message?: string } } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status === 201 && body.id) resolve(body.id);
      else reject(new ApiError(xhr.status, body.error?.code ?? `http_${xhr.status}`, body.error?.message ?? ""));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", ""));
    const form = new FormData();
    for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
    form.append("file", file);
    xhr.send(form);
  });
}

/**
 * A file of a conversation: a thumbnail linking to the image, or a link to
 * the file, with fresh signed links fetched from `path`.
 */
export function AttachmentPreview({
  path,
  token,
  fallback,
  testid,
}: {
  path: string;
  token?: string;
  fallback: string;
  testid: { image: string; file: string };
}) {
  const [a, setA] = useState<AttachmentLinks | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    api<AttachmentLinks>(path, { token }).then(
      (v) => live && setA(v),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [path, token]);
  if (failed) return <span className="muted">{fallback}</span>;
  if (!a) return <span className="muted">…</span>;
  if (a.thumbnail_url) {
    return (
      <a href={a.url} target="_blank" rel="noopener noreferrer" data-testid={testid.image}>
        <img className="thumb" src={a.thumbnail_url} alt={a.file_name} />
      </a>
    );
  }
  return (
    <a href={a.url} target="_blank" rel="noopener noreferrer" className="file" data-testid={testid.file}>
      📎 {a.file_name}
    </a>
  );
}

/** The 📎 button and its hidden file input; hands the chosen file on and clears the input. */
export function AttachButton({
  label,
  disabled,
  onFile,
  testid,
}: {
  label: string;
  disabled: boolean;
  onFile: (file: File) => void;
  testid: { button: string; input: string };
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        hidden
        data-testid={testid.input}
        onChange={(e) => {
          const f = e.target.files?.[0];
          // Cleared at once, so the same file can be chosen again.
          e.target.value = "";
          if (f) onFile(f);
        }}
      />
      <button
        type="button"
        className="attach"
        aria-label={label}
        title={label}
        disabled={disabled}
        onClick={() => input.current?.click()}
        data-testid={testid.button}
      >
        📎
      </button>
    </>
  );
}
