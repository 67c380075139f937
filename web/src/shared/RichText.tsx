import { Fragment, type ReactNode } from "react";

/**
 * Markdown-lite as React elements (never HTML): `[label](https://…)` links,
 * bare http(s) URLs, `**bold**` and `` `code` ``. Everything else stays text, so an answer
 * from the knowledge base can never inject markup or script; only http and
 * https links are made, each opening in a new tab without an opener.
 */
const TOKEN =
  /\[([^\]\n]{1,300})\]\((https?:\/\/[^\s()]+)\)|(https?:\/\/[^\s<>"'`，。、；：！？（）【】《》「」]+)|\*\*([^*\n]{1,300})\*\*|`([^`\n]{1,1000})`/g;

/** Punctuation that ends a sentence rather than the URL before it. */
const TRAILING = /[.,;:!?'")\]]+$/;

export function safeHref(u: string): string | null {
  try {
    const url = new URL(u);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

function Link({ href, children, newTab }: { href: string; children: ReactNode; newTab?: string }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
      {newTab && <span className="sr-only"> {newTab}</span>}
    </a>
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `newTab`: words for screen readers that the link opens a new tab.
 * `mentions`: names written as `@Name` in the text to highlight (a private
 * note's @mentions). Still React text, never HTML.
 */
export function RichText({ text, newTab, mentions }: { text: string; newTab?: string; mentions?: string[] }) {
  const names = (mentions ?? []).filter((n) => n.trim()).sort((a, b) => b.length - a.length);
  if (names.length === 0) return <Fragment>{rich(text, newTab)}</Fragment>;
  const at = new RegExp(`@(?:${names.map(escapeRegExp).join("|")})`, "g");
  const out: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const m of text.matchAll(at)) {
    const start = m.index ?? 0;
    if (start > last) out.push(<Fragment key={key++}>{rich(text.slice(last, start), newTab)}</Fragment>);
    out.push(
      <mark key={key++} className="mention" data-testid="mention">
        {m[0]}
      </mark>,
    );
    last = start + m[0].length;
  }
  if (last < text.length) out.push(<Fragment key={key++}>{rich(text.slice(last), newTab)}</Fragment>);
  return <Fragment>{out}</Fragment>;
}

function rich(text: string, newTab?: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index ?? 0;
    let end = start + m[0].length;
    let node: ReactNode = m[0];
    if (m[1] !== undefined) {
      const href = safeHref(m[2]);
      if (href) node = <Link key={key++} href={href} newTab={newTab}>{m[1]}</Link>;
    } else if (m[3] !== undefined) {
      let url = m[3];
      // Keep a closing bracket that belongs to the URL ("…/Foo_(bar)").
      const trail = url.match(TRAILING)?.[0] ?? "";
      if (trail) {
        const opens = (url.match(/\(/g) ?? []).length;
        const closes = (url.match(/\)/g) ?? []).length;
        const cut = trail === ")" && opens >= closes ? 0 : trail.length;
        url = url.slice(0, url.length - cut);
        end -= cut;
      }
      const href = safeHref(url);
      node = href ? <Link key={key++} href={href} newTab={newTab}>{url}</Link> : url;
    } else if (m[4] !== undefined) {
      node = <strong key={key++}>{m[4]}</strong>;
    } else if (m[5] !== undefined) {
      node = <code key={key++}>{m[5]}</code>;
    }
    if (start > last) out.push(text.slice(last, start));
    out.push(node);
    last = end;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
