//! The web apps, embedded: the agent console at `/` (and its client-side
//! routes), the visitor widget at `/widget`, the embed loader at `/sdk.js`,
//! and their hashed assets under `/assets/`. Built from `../../web` by this
//! crate's build script.

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
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
const CONSOLE_ROUTES: &[&str] = &["/", "/login", "/c/{id}", "/admin", "/admin/{*rest}"];

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
        for path in ["/", "/login", "/c/0192", "/admin/users"] {
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
