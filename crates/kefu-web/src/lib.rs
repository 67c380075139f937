//! The web apps, embedded: the agent console at `/` (and its client-side
//! routes), the visitor widget at `/widget`, the embed loader at `/sdk.js`,
//! and their hashed assets under `/assets/`. Built from `../../web` by this
//! crate's build script. On loopback hosts it also serves `/demo`, a stand-in
//! customer site that embeds the widget from the *other* loopback name, so a
//! local trial sees the widget cross-origin exactly as a real site would.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../../web/dist"]
struct Dist;

/// The console may not be framed by anyone.
pub const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The widget is made to be embedded in customers' sites.
pub const WIDGET_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors *";

/// Paths the console's router handles in the browser; each serves index.html.
const CONSOLE_ROUTES: &[&str] = &[
    "/",
    "/login",
    "/c/{id}",
    "/canned",
    "/queues",
    "/qa",
    "/search",
    "/admin",
    "/admin/{*rest}",
];

/// Routes for the embedded web apps. Merge it before the API's fallback so
/// unknown paths (and unknown `/api` paths) still get JSON errors.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let mut r = Router::new();
    for path in CONSOLE_ROUTES {
        r = r.route(path, get(console));
    }
    r.route("/widget", get(widget))
        .route("/sdk.js", get(sdk))
        .route("/assets/{*path}", get(asset))
        .route("/demo", get(demo))
}

#[derive(serde::Deserialize)]
struct DemoQuery {
    inbox: Option<String>,
    lang: Option<String>,
}

/// `http://localhost:PORT` for a request to `127.0.0.1:PORT` and the other
/// way round; `None` for any host that is not a loopback name, so the demo
/// page never shows up on a real deployment.
fn other_loopback_origin(host: &str) -> Option<String> {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) if !n.is_empty() && !n.ends_with(':') => (n, Some(p)),
        _ => (host, None),
    };
    if let Some(p) = port
        && (p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let other = match name.to_ascii_lowercase().as_str() {
        "localhost" => "127.0.0.1",
        "127.0.0.1" | "[::1]" => "localhost",
        _ => return None,
    };
    Some(match port {
        Some(p) => format!("http://{other}:{p}"),
        None => format!("http://{other}"),
    })
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A plain customer site for trying the widget locally: `/demo?inbox=ID`
/// (and optionally `&lang=en|zh-CN`). The widget comes from the other
/// loopback name, a different origin, as it would on a real site.
async fn demo(Query(q): Query<DemoQuery>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let Some(kefu) = other_loopback_origin(host) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(inbox) = q.inbox.filter(|i| is_uuid(i)) else {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "usage: /demo?inbox=INBOX_ID\n",
        )
            .into_response();
    };
    // Only known values reach the page: the origin is rebuilt from a
    // loopback name and digits, the inbox is a UUID, the language is listed.
    let lang = match q.lang.as_deref() {
        Some("zh-CN") => " data-lang=\"zh-CN\"",
        Some("en") => " data-lang=\"en\"",
        _ => "",
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<link rel=\"icon\" href=\"data:,\"><title>Kefu demo shop</title></head>\n<body>\n<main>\n<h1>Kefu demo shop</h1>\n\
<p>This page stands in for a customer&#39;s website. It embeds the chat widget \
from <code>{kefu}</code>, another origin, with the snippet below; open the chat with the button \
in the corner.</p>\n<p lang=\"zh-CN\">这是一个演示用的客户网站，点击右下角的按钮开始咨询。</p>\n\
<p><code>&lt;script src=&quot;{kefu}/sdk.js&quot; data-inbox=&quot;{inbox}&quot; async&gt;&lt;/script&gt;</code></p>\n\
</main>\n<script src=\"{kefu}/sdk.js\" data-inbox=\"{inbox}\"{lang} async></script>\n</body></html>\n"
    );
    let csp = format!(
        "default-src 'none'; script-src {kefu}; frame-src {kefu}; img-src data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    let mut res = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        html,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res.headers_mut()
        .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

async fn console(headers: HeaderMap) -> Response {
    html("index.html", CONSOLE_CSP, true, &headers)
}

async fn widget(headers: HeaderMap) -> Response {
    html("widget.html", WIDGET_CSP, false, &headers)
}

fn html(file: &str, csp: &'static str, deny_framing: bool, req: &HeaderMap) -> Response {
    let mut res = serve(file, "no-cache", req);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if deny_framing {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}

async fn sdk(headers: HeaderMap) -> Response {
    let mut res = serve("sdk.js", "public, max-age=300", &headers);
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    res
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(
        &format!("assets/{path}"),
        "public, max-age=31536000, immutable",
        &headers,
    )
}

/// One embedded file with its content type, cache policy and ETag; 304 when
/// the client already has it, 404 (handled as JSON by the app) when absent.
fn serve(file: &str, cache: &'static str, req: &HeaderMap) -> Response {
    let Some(f) = Dist::get(file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", hex(&f.metadata.sha256_hash()[..16]));
    let mut res = if req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = Response::new(Body::from(f.data.into_owned()));
        let mime = f.metadata.mimetype();
        let mime = match mime {
            "text/html" | "text/css" | "text/javascript" | "application/javascript" => {
                format!("{mime}; charset=utf-8")
            }
            m => m.to_owned(),
        };
        if let Ok(v) = HeaderValue::from_str(&mime) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        res
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    res
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use tower::ServiceExt as _;

    async fn get(path: &str) -> Response {
        router::<()>()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn header(res: &Response, name: header::HeaderName) -> &str {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[tokio::test]
    async fn console_pages_are_html_that_may_not_be_framed() {
        for path in [
            "/",
            "/login",
            "/c/0192",
            "/queues",
            "/qa",
            "/search",
            "/admin/users",
        ] {
            let res = get(path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert!(header(&res, header::CONTENT_TYPE).starts_with("text/html"));
            assert!(
                header(&res, header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'")
            );
            assert!(header(&res, header::CONTENT_SECURITY_POLICY).contains("script-src 'self'"));
            assert_eq!(header(&res, header::X_FRAME_OPTIONS), "DENY");
        }
    }

    async fn get_host(path: &str, host: &str) -> Response {
        router::<()>()
            .oneshot(
                Request::get(path)
                    .header(header::HOST, host)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap()
    }

    #[test]
    fn demo_origin_swaps_loopback_names_only() {
        let o = other_loopback_origin;
        assert_eq!(
            o("127.0.0.1:8080").as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(
            o("localhost:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(o("LOCALHOST").as_deref(), Some("http://127.0.0.1"));
        assert_eq!(o("[::1]:9").as_deref(), Some("http://localhost:9"));
        for bad in [
            "kefu.example.com",
            "example.com:80",
            "localhost:80x",
            "localhost:",
            "",
            "127.0.0.2:1",
        ] {
            assert_eq!(o(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn demo_page_embeds_the_widget_from_the_other_loopback_origin() {
        let id = "01920000-0000-7000-8000-000000000002";
        let res = get_host(&format!("/demo?inbox={id}&lang=zh-CN"), "localhost:8123").await;
        assert_eq!(res.status(), StatusCode::OK);
        let csp = header(&res, header::CONTENT_SECURITY_POLICY).to_owned();
        assert!(csp.contains("script-src http://127.0.0.1:8123;"), "{csp}");
        assert!(!csp.contains("unsafe-inline"));
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains(&format!(
            "<script src=\"http://127.0.0.1:8123/sdk.js\" data-inbox=\"{id}\" data-lang=\"zh-CN\" async>"
        )));
        // Not a UUID: refused, never echoed.
        let res = get_host("/demo?inbox=%22%3E%3Cscript%3E", "localhost:8123").await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        // Not on a real deployment.
        let res = get_host(&format!("/demo?inbox={id}"), "kefu.example.com").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn widget_may_be_embedded_anywhere() {
        let res = get("/widget").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(header(&res, header::CONTENT_SECURITY_POLICY).contains("frame-ancestors *"));
        assert!(res.headers().get(header::X_FRAME_OPTIONS).is_none());
    }

    #[tokio::test]
    async fn sdk_is_javascript_for_every_origin() {
        let res = get("/sdk.js").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(header(&res, header::CONTENT_TYPE).starts_with("text/javascript"));
        assert_eq!(header(&res, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
        assert_eq!(header(&res, header::CACHE_CONTROL), "public, max-age=300");
    }

    #[tokio::test]
    async fn hashed_assets_are_immutable_and_revalidate() {
        let file = Dist::iter()
            .find(|f| f.starts_with("assets/") && f.ends_with(".js"))
            .expect("a built script");
        let res = get(&format!("/{file}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(header(&res, header::CACHE_CONTROL).contains("immutable"));
        let etag = header(&res, header::ETAG).to_owned();
        let again = router::<()>()
            .oneshot(
                Request::get(format!("/{file}"))
                    .header(header::IF_NONE_MATCH, etag)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(get("/assets/nope.js").await.status(), StatusCode::NOT_FOUND);
    }
}
