//! The API reference page, rendered from the OpenAPI document on the server
//! so it needs no scripts or assets from elsewhere.

pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let mut out = String::from(
        "<!doctype html><meta charset=utf-8><title>Kefu API</title><h1>Kefu API</h1><p><a href=\"/api/v1/openapi.json\">openapi.json</a></p><ul>",
    );
    for (path, item) in doc.paths.paths.iter() {
        out.push_str(&format!(
            "<li><code>{}</code> ({} operations)</li>",
            html_escape(path),
            item.get.iter().count()
                + item.post.iter().count()
                + item.put.iter().count()
                + item.patch.iter().count()
                + item.delete.iter().count()
        ));
    }
    out.push_str("</ul>");
    out
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
