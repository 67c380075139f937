//! The API reference page at `/api/docs`, rendered on the server from the
//! same OpenAPI document that `/api/v1/openapi.json` serves, so the page can
//! never drift from the code. It is one self-contained HTML document: inline
//! CSS, no scripts, nothing fetched from elsewhere (it must work offline and
//! under a strict Content-Security-Policy).
//!
//! Every string that comes from the document is HTML-escaped; descriptions
//! get only one bit of formatting: `code` spans.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::auth::principal::{CSRF_HEADER, SESSION_COOKIE};

const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

/// How deep example generation follows references; enough for every schema
/// we have, and a guard against recursive ones.
const MAX_DEPTH: usize = 8;

pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let components = doc.pointer("/components").cloned().unwrap_or(Value::Null);
    let ops = operations(&doc);

    let mut by_tag: BTreeMap<String, Vec<&Operation>> = BTreeMap::new();
    for op in &ops {
        by_tag.entry(op.tag.clone()).or_default().push(op);
    }

    let title = str_at(&doc, "/info/title").unwrap_or("API");
    let version = str_at(&doc, "/info/version").unwrap_or("");
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} reference</title><style>{STYLE}</style></head><body>\
         <nav><p class=\"brand\">{t}</p><ul>\
         <li><a href=\"#overview\">Overview</a></li>\
         <li><a href=\"#authentication\">Authentication</a></li>\
         <li><a href=\"#errors\">Errors</a></li>",
        t = html_escape(title),
    );
    for (tag, list) in &by_tag {
        let _ = write!(
            out,
            "<li><a href=\"#tag-{a}\">{t}</a><ul>",
            a = anchor(tag),
            t = html_escape(tag)
        );
        for op in list {
            let _ = write!(
                out,
                "<li><a href=\"#{a}\"><span class=\"m m-{m}\">{mu}</span> {s}</a></li>",
                a = anchor(&op.id),
                m = op.method,
                mu = op.method.to_uppercase(),
                s = html_escape(op.summary().unwrap_or(&op.path)),
            );
        }
        out.push_str("</ul></li>");
    }
    out.push_str("<li><a href=\"#schemas\">Schemas</a></li></ul></nav><main>");

    // Overview
    let _ = write!(
        out,
        "<section id=\"overview\"><h1>{t} <small>{v}</small></h1>{d}\
         <p>Every endpoint lives under <code>/api/v1</code>, takes and returns JSON \
         (<code>application/json</code>), and works inside the account of the caller: \
         ids of other accounts are answered like ids that do not exist (404). \
         The machine-readable description is <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. \
         Ids are UUIDs; times are milliseconds since the Unix epoch; lists that can grow \
         are paged with an opaque <code>cursor</code> (pass the previous page's \
         <code>next_cursor</code>).</p></section>",
        t = html_escape(title),
        v = html_escape(version),
        d = prose(str_at(&doc, "/info/description").unwrap_or("")),
    );

    render_auth(&mut out, &components);
    render_errors(&mut out);

    for (tag, list) in &by_tag {
        let _ = write!(
            out,
            "<section id=\"tag-{a}\"><h2>{t}</h2>",
            a = anchor(tag),
            t = html_escape(tag)
        );
        for op in list {
            render_operation(&mut out, op, &components);
        }
        out.push_str("</section>");
    }

    render_schemas(&mut out, &components);
    out.push_str("</main></body></html>\n");
    out
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A sample value that fits `schema`, following `$ref`s into `components`:
/// the literal `example` where the schema has one, otherwise a placeholder
/// of the right type. Used for the page's request and response snippets.
pub fn example_value(schema: &Value, components: &Value) -> Value {
    example_at(schema, components, 0)
}

struct Operation {
    id: String,
    tag: String,
    method: &'static str,
    path: String,
    op: Value,
}

impl Operation {
    fn summary(&self) -> Option<&str> {
        self.op.get("summary").and_then(Value::as_str)
    }
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    let Some(paths) = doc.pointer("/paths").and_then(Value::as_object) else {
        return ops;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let tag = op
                .pointer("/tags/0")
                .and_then(Value::as_str)
                .unwrap_or("other")
                .to_string();
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{method}-{path}"));
            ops.push(Operation {
                id: format!("op-{id}"),
                tag,
                method,
                path: path.clone(),
                op: op.clone(),
            });
        }
    }
    ops
}

fn render_auth(out: &mut String, components: &Value) {
    out.push_str(
        "<section id=\"authentication\"><h2>Authentication</h2>\
         <p>Each operation lists the credentials it accepts. The schemes:</p><dl>",
    );
    if let Some(schemes) = components.get("securitySchemes").and_then(Value::as_object) {
        for (name, s) in schemes {
            let kind = match s.get("type").and_then(Value::as_str) {
                Some("apiKey") => format!(
                    "API key in the {} <code>{}</code>",
                    html_escape(s.get("in").and_then(Value::as_str).unwrap_or("?")),
                    html_escape(s.get("name").and_then(Value::as_str).unwrap_or("?")),
                ),
                Some("http") => format!(
                    "HTTP <code>Authorization: {} …</code>",
                    html_escape(&capitalise(
                        s.get("scheme").and_then(Value::as_str).unwrap_or("?")
                    )),
                ),
                Some(other) => html_escape(other),
                None => String::new(),
            };
            let _ = write!(
                out,
                "<dt><code>{}</code></dt><dd>{kind}</dd>",
                html_escape(name)
            );
        }
    }
    let _ = write!(
        out,
        "</dl><p><strong>Browser sessions.</strong> <code>POST /api/v1/auth/login</code> sets the \
         <code>{SESSION_COOKIE}</code> cookie (<code>HttpOnly</code>, <code>SameSite=Strict</code>). \
         Requests with the cookie that change something (anything but GET, HEAD and OPTIONS) must \
         also send the <code>{CSRF_HEADER}</code> header with any value; without it they are \
         refused with 403.</p>\
         <p><strong>Tokens.</strong> Send <code>Authorization: Bearer &lt;secret&gt;</code>. \
         Personal tokens (<code>kefu_pat_…</code>) act as their member, with the member's current \
         role; inbox tokens (<code>kefu_inb_…</code>) let a channel integration post into one \
         inbox; visitor tokens (<code>kefu_vis_…</code>) are issued to the web widget. Secrets are \
         shown once, when created; the server keeps only their SHA-256.</p>\
         <p>Operations marked <em>public</em> need no credentials; they are rate limited per \
         address (429 <code>rate_limited</code>, with <code>Retry-After</code>).</p></section>"
    );
}

fn render_errors(out: &mut String) {
    let _ = write!(
        out,
        "<section id=\"errors\"><h2>Errors</h2><p>Every failure, whatever the endpoint, has \
         the same body (<a href=\"#schema-ErrorBody\">ErrorBody</a>), with a fitting HTTP \
         status:</p><pre>{}</pre><p><code>code</code> is stable and snake_case, meant for programs (and translations); <code>message</code> is \
         for people and may change.</p><table><thead><tr><th>Status</th><th>Codes</th><th>When\
         </th></tr></thead><tbody>",
        html_escape(&pretty(
            &json!({"error": {"code": "not_found", "message": "team not found"}})
        ))
    );
    for (status, codes, when) in ERROR_CODES {
        let _ = write!(
            out,
            "<tr><td>{status}</td><td>{}</td><td>{}</td></tr>",
            codes
                .iter()
                .map(|c| format!("<code>{}</code>", html_escape(c)))
                .collect::<Vec<_>>()
                .join(" "),
            html_escape(when)
        );
    }
    out.push_str("</tbody></table></section>");
}

/// The codes a client should expect from any endpoint. Endpoint-specific
/// ones are listed with the endpoint.
const ERROR_CODES: &[(u16, &[&str], &str)] = &[
    (
        400,
        &["malformed_json", "invalid_query", "bad_request"],
        "The request cannot be read: broken JSON, a query string of the wrong types.",
    ),
    (
        401,
        &["unauthorized", "invalid_credentials"],
        "No valid session or token, or a wrong email or password.",
    ),
    (
        403,
        &["forbidden"],
        "Signed in, but the role does not allow it, or the CSRF header is missing.",
    ),
    (
        404,
        &["not_found"],
        "No such route, or no such resource in your account (a malformed id is also not found).",
    ),
    (
        405,
        &["method_not_allowed"],
        "The route exists but not with this method.",
    ),
    (
        409,
        &["conflict", "version_conflict"],
        "It already exists, or someone else changed it first: reload and retry.",
    ),
    (
        413,
        &["payload_too_large"],
        "The body is over the size limit.",
    ),
    (
        415,
        &["unsupported_media_type"],
        "The body was not sent as application/json.",
    ),
    (
        422,
        &["invalid_body", "validation_failed"],
        "Fields missing or of the wrong type, or values not acceptable (an email, a time zone).",
    ),
    (
        429,
        &["rate_limited"],
        "Too many requests; wait as long as Retry-After says.",
    ),
    (
        500,
        &["internal_error"],
        "A fault on our side; it is logged.",
    ),
    (
        503,
        &["service_unavailable"],
        "The database cannot be reached; retry shortly.",
    ),
];

fn render_operation(out: &mut String, op: &Operation, components: &Value) {
    let o = &op.op;
    let _ = write!(
        out,
        "<article id=\"{a}\" class=\"op\"><h3><span class=\"m m-{m}\">{mu}</span> <code>{p}</code></h3>",
        a = anchor(&op.id),
        m = op.method,
        mu = op.method.to_uppercase(),
        p = html_escape(&op.path),
    );
    if let Some(s) = op.summary() {
        let _ = write!(out, "<p class=\"summary\">{}</p>", html_escape(s));
    }
    if let Some(d) = o.get("description").and_then(Value::as_str) {
        out.push_str(&prose(d));
    }
    let _ = write!(out, "<p class=\"auth\">Credentials: {}</p>", security(o));

    if let Some(params) = o.get("parameters").and_then(Value::as_array)
        && !params.is_empty()
    {
        out.push_str(
            "<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th>\
             <th>Required</th><th>Description</th></tr></thead><tbody>",
        );
        for p in params {
            let p = resolve(p, components, 0);
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html_escape(p.get("name").and_then(Value::as_str).unwrap_or("")),
                html_escape(p.get("in").and_then(Value::as_str).unwrap_or("")),
                type_label(p.get("schema").unwrap_or(&Value::Null)),
                if p.get("required").and_then(Value::as_bool) == Some(true) {
                    "yes"
                } else {
                    "no"
                },
                prose_inline(p.get("description").and_then(Value::as_str).unwrap_or("")),
            );
        }
        out.push_str("</tbody></table>");
    }

    if let Some(body) = o.get("requestBody") {
        let body = resolve(body, components, 0);
        out.push_str("<h4>Request body</h4>");
        if let Some(d) = body.get("description").and_then(Value::as_str) {
            out.push_str(&prose(d));
        }
        render_content(out, body.get("content"), components);
    }

    out.push_str("<h4>Responses</h4><dl class=\"responses\">");
    if let Some(responses) = o.get("responses").and_then(Value::as_object) {
        for (status, r) in responses {
            let r = resolve(r, components, 0);
            let class = match status.chars().next() {
                Some('2') => "ok",
                Some('3') => "redirect",
                _ => "err",
            };
            let _ = write!(
                out,
                "<dt><span class=\"status {class}\">{}</span></dt><dd>{}",
                html_escape(status),
                prose(r.get("description").and_then(Value::as_str).unwrap_or("")),
            );
            if let Some(headers) = r.get("headers").and_then(Value::as_object) {
                for (name, h) in headers {
                    let _ = write!(
                        out,
                        "<p class=\"header\">Header <code>{}</code>: {}</p>",
                        html_escape(name),
                        prose_inline(h.get("description").and_then(Value::as_str).unwrap_or("")),
                    );
                }
            }
            render_content(out, r.get("content"), components);
            out.push_str("</dd>");
        }
    }
    out.push_str("</dl></article>");
}

fn render_content(out: &mut String, content: Option<&Value>, components: &Value) {
    let Some(content) = content.and_then(Value::as_object) else {
        return;
    };
    for (media, c) in content {
        let schema = c.get("schema").unwrap_or(&Value::Null);
        let _ = write!(
            out,
            "<p class=\"media\"><code>{}</code> — {}</p>",
            html_escape(media),
            type_label(schema)
        );
        // Errors share one documented shape; a generated placeholder for
        // each would only repeat it. Explicit examples (they name the code)
        // are kept.
        let is_error_body = schema
            .get("$ref")
            .and_then(Value::as_str)
            .is_some_and(|r| r.ends_with("/ErrorBody"));
        let example = match c.get("example") {
            Some(e) => e.clone(),
            None if is_error_body => Value::Null,
            None => example_value(schema, components),
        };
        if !example.is_null() {
            let _ = write!(out, "<pre>{}</pre>", html_escape(&pretty(&example)));
        }
    }
}

fn render_schemas(out: &mut String, components: &Value) {
    out.push_str("<section id=\"schemas\"><h2>Schemas</h2>");
    if let Some(schemas) = components.get("schemas").and_then(Value::as_object) {
        for (name, s) in schemas {
            let _ = write!(
                out,
                "<article id=\"schema-{a}\" class=\"schema\"><h3>{n}</h3>{d}<pre>{j}</pre></article>",
                a = anchor(name),
                n = html_escape(name),
                d = prose(s.get("description").and_then(Value::as_str).unwrap_or("")),
                j = html_escape(&pretty(s)),
            );
        }
    }
    out.push_str("</section>");
}

/// "public", or the accepted schemes joined by "or".
fn security(op: &Value) -> String {
    let Some(reqs) = op.get("security").and_then(Value::as_array) else {
        return "<em>public</em>".into();
    };
    let mut names = Vec::new();
    let mut public = reqs.is_empty();
    for r in reqs {
        match r.as_object() {
            Some(m) if m.is_empty() => public = true,
            Some(m) => names.extend(m.keys().map(|k| format!("<code>{}</code>", html_escape(k)))),
            None => {}
        }
    }
    match (public, names.is_empty()) {
        (true, true) => "<em>public</em>".into(),
        (true, false) => format!("optional: {}", names.join(" or ")),
        (false, _) => names.join(" or "),
    }
}

/// A short type description, linking named schemas.
fn type_label(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!(
            "<a href=\"#schema-{}\">{}</a>",
            anchor(name),
            html_escape(name)
        );
    }
    if let Some(items) = schema.get("items") {
        return format!("array of {}", type_label(items));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let sep = if key == "allOf" { " and " } else { " or " };
            return list.iter().map(type_label).collect::<Vec<_>>().join(sep);
        }
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".into(),
    };
    match schema.get("format").and_then(Value::as_str) {
        Some(f) => format!("{} ({})", html_escape(&ty), html_escape(f)),
        None => html_escape(&ty),
    }
}

fn resolve<'a>(v: &'a Value, components: &'a Value, depth: usize) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) if depth < MAX_DEPTH => {
            let target = r
                .strip_prefix("#/components")
                .and_then(|p| components.pointer(p));
            match target {
                Some(t) => resolve(t, components, depth + 1),
                None => v,
            }
        }
        _ => v,
    }
}

fn example_at(schema: &Value, components: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if let Some(e) = schema
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return e.clone();
    }
    if schema.get("$ref").is_some() {
        let target = resolve(schema, components, 0);
        if std::ptr::eq(target, schema) {
            return Value::Null;
        }
        return example_at(target, components, depth + 1);
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(e) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|v| !v.is_null()))
    {
        return e.clone();
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for s in all {
            if let Value::Object(m) = example_at(s, components, depth + 1) {
                merged.extend(m);
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let pick = list
                .iter()
                .find(|s| s.get("type").and_then(Value::as_str) != Some("null"));
            return pick
                .map(|s| example_at(s, components, depth + 1))
                .unwrap_or(Value::Null);
        }
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    };
    let ty = ty.or_else(|| {
        if schema.get("properties").is_some() {
            Some("object")
        } else if schema.get("items").is_some() {
            Some("array")
        } else {
            None
        }
    });
    match ty {
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => json!("0193a8e4-5c2b-7d10-8000-000000000000"),
            Some("date-time") => json!("2025-11-25T08:00:00Z"),
            Some("email") => json!("ann@example.com"),
            Some("uri") => json!("https://example.com"),
            _ => json!("string"),
        },
        Some("integer") => json!(0),
        Some("number") => json!(0.0),
        Some("boolean") => json!(false),
        Some("array") => match schema.get("items") {
            Some(items) => {
                let item = example_at(items, components, depth + 1);
                if item.is_null() {
                    json!([])
                } else {
                    json!([item])
                }
            }
            None => json!([]),
        },
        Some("object") => {
            let mut m = Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, s) in props {
                    let v = match (k.as_str(), example_at(s, components, depth + 1)) {
                        // A few names deserve a believable value.
                        ("email", Value::String(_)) => json!("ann@example.com"),
                        ("time_zone", Value::String(_)) => json!("Asia/Shanghai"),
                        (_, v) => v,
                    };
                    m.insert(k.clone(), v);
                }
            }
            Value::Object(m)
        }
        _ => Value::Null,
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Paragraphs split at blank lines, with `code` spans.
fn prose(s: &str) -> String {
    s.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", prose_inline(p)))
        .collect()
}

/// Escapes, then turns `text` into <code>text</code>. Backticks are not
/// touched by escaping, so this cannot open a tag that escaping closed.
fn prose_inline(s: &str) -> String {
    let escaped = html_escape(s);
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// An id safe in `id="…"` and `href="#…"`: letters, digits, `-` and `_`.
fn anchor(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

const STYLE: &str = "\
:root{--fg:#1d2330;--muted:#5b6475;--line:#e3e6ec;--bg:#fff;--code:#f5f6f8;--accent:#2557d6}\
*{box-sizing:border-box}body{margin:0;font:15px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif;color:var(--fg);background:var(--bg);display:flex}\
nav{position:sticky;top:0;height:100vh;overflow:auto;width:290px;flex:none;border-right:1px solid var(--line);padding:16px;font-size:13px;background:#fafbfc}\
nav ul{list-style:none;margin:0;padding-left:0}nav ul ul{padding-left:10px;margin-bottom:8px}nav a{color:var(--fg);text-decoration:none;display:block;padding:2px 0}nav a:hover{color:var(--accent)}\
.brand{font-weight:700;font-size:16px;margin:0 0 12px}\
main{flex:1;min-width:0;padding:24px 40px;max-width:1100px}\
h1 small{color:var(--muted);font-weight:400;font-size:60%}h2{border-bottom:1px solid var(--line);padding-bottom:6px;margin-top:48px;text-transform:capitalize}\
h3{margin:0 0 6px}h4{margin:18px 0 6px;font-size:14px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}\
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}code{background:var(--code);padding:1px 4px;border-radius:3px}\
pre{background:var(--code);padding:10px 12px;border-radius:6px;overflow:auto;max-height:420px}\
.op,.schema{border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:18px 0}\
.summary{font-weight:600;margin:0 0 6px}.auth,.media,.header{color:var(--muted);font-size:13px}\
.m{display:inline-block;min-width:54px;text-align:center;border-radius:4px;padding:0 6px;font:700 11px/20px ui-monospace,monospace;color:#fff;background:#777}\
.m-get{background:#2f7d32}.m-post{background:#2557d6}.m-put{background:#9a6700}.m-patch{background:#7b3fb8}.m-delete{background:#c62828}\
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}th{background:#fafbfc}\
dl.responses dt{margin-top:10px}dl.responses dd{margin-left:0;padding-left:14px;border-left:3px solid var(--line)}\
.status{font:700 13px ui-monospace,monospace;padding:1px 6px;border-radius:4px}.ok{background:#e3f4e4;color:#1e5e22}.redirect{background:#eef;color:#335}.err{background:#fdecea;color:#8a1c1c}\
dl dt code{font-weight:700}\
@media (max-width:800px){body{display:block}nav{position:static;width:auto;height:auto}main{padding:16px}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            html_escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(
            prose_inline("use `<b>` here"),
            "use <code>&lt;b&gt;</code> here"
        );
        assert_eq!(anchor("op-/api/v1/x{id}"), "op--api-v1-x-id-");
    }

    #[test]
    fn examples_follow_refs_and_types() {
        let components = json!({"schemas": {
            "Id": {"type": "string", "format": "uuid"},
            "Thing": {"type": "object", "properties": {
                "id": {"$ref": "#/components/schemas/Id"},
                "n": {"type": ["integer", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "loop": {"$ref": "#/components/schemas/Thing"}
            }}
        }});
        let ex = example_value(&json!({"$ref": "#/components/schemas/Thing"}), &components);
        assert_eq!(ex["id"], "0193a8e4-5c2b-7d10-8000-000000000000");
        assert_eq!(ex["n"], 0);
        assert_eq!(ex["tags"], json!(["string"]));
        assert_eq!(ex["kind"], "a");
        assert!(ex["loop"].is_object(), "recursion is cut off, not endless");
    }

    #[test]
    fn the_page_covers_the_document_and_escapes_it() {
        let page = render(&crate::app::openapi());
        assert!(page.starts_with("<!doctype html>"));
        assert!(!page.contains("<script"), "no scripts");
        assert!(
            !page.contains(" src=") && !page.contains("<link"),
            "nothing fetched"
        );
        assert!(page.contains("/api/v1/auth/login"));
        assert!(page.contains("id=\"errors\""));
        assert!(page.contains("x-kefu-csrf"));
        assert!(page.contains("id=\"schema-ErrorBody\""));
    }
}
