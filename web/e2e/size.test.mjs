// Bundle budgets from the issue: the loader under 15 KB gzipped, the widget's
// first load (HTML + everything it references) under 150 KB gzipped.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;

/** The HTML page plus every script, stylesheet and preload it references, transitively for JS imports. */
export function firstLoad(html) {
  const seen = new Set([html]);
  const queue = [];
  const page = readFileSync(join(dist, html), "utf8");
  for (const m of page.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)) queue.push(m[1]);
  while (queue.length) {
    const f = queue.shift();
    if (seen.has(f)) continue;
    seen.add(f);
    if (f.endsWith(".js")) {
      const js = readFileSync(join(dist, f), "utf8");
      // Static imports between chunks (`from"./x.js"` / `import"./x.js"`).
      for (const m of js.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) queue.push(`assets/${m[1]}`);
    }
  }
  return [...seen];
}

test("the loader stays under 15 KB gzipped", () => {
  const size = gz("sdk.js");
  console.log(`sdk.js: ${(size / 1024).toFixed(1)} KB gzipped`);
  assert.ok(size < 15 * 1024, `sdk.js is ${size} bytes gzipped`);
});

test("the widget's first load stays under 150 KB gzipped", () => {
  const files = firstLoad("widget.html");
  const size = files.reduce((n, f) => n + gz(f), 0);
  console.log(`widget first load: ${(size / 1024).toFixed(1)} KB gzipped (${files.join(", ")})`);
  assert.ok(files.some((f) => f.endsWith(".js")), "found the widget's scripts");
  assert.ok(size < 150 * 1024, `widget first load is ${size} bytes gzipped`);
});
