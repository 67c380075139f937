// Bundle budgets from the issue: the loader under 15 KB gzipped, the widget's
// first load (HTML + everything it references) under 150 KB gzipped.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { startKefu } from "./harness.mjs";

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

test("the server sends the widget's first load gzipped, under 150 KB on the wire", { timeout: 60_000 }, async () => {
  const kefu = await startKefu();
  try {
    // Raw bytes as they cross the network (fetch would decompress them).
    const onWire = (path) =>
      new Promise((resolve, reject) => {
        get(`${kefu.origin}${path}`, { headers: { "accept-encoding": "gzip" } }, (res) => {
          let n = 0;
          res.on("data", (c) => (n += c.length));
          res.on("end", () => resolve({ bytes: n, encoding: res.headers["content-encoding"], status: res.statusCode }));
        }).on("error", reject);
      });
    let total = 0;
    for (const f of firstLoad("widget.html")) {
      const r = await onWire(f === "widget.html" ? "/widget" : `/${f}`);
      assert.equal(r.status, 200, f);
      if (r.bytes > 1024) assert.equal(r.encoding, "gzip", `${f} is sent compressed`);
      total += r.bytes;
    }
    console.log(`widget first load on the wire: ${(total / 1024).toFixed(1)} KB`);
    assert.ok(total < 150 * 1024, `${total} bytes on the wire`);
  } finally {
    await kefu.stop();
  }
});
