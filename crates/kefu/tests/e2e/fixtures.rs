//! What the durability, backup and export tests share: a fresh PostgreSQL
//! schema (required under CI=true), the `kefu` CLI run on a site, and an
//! attachment whose bytes must survive a move.

use std::future::Future;

use sqlx::Connection;

use crate::durability::{Site, admin};
use crate::support::{Server, kefu};

pub(crate) fn pg_base_url() -> String {
    std::env::var("KEFU_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// `url` with its search_path set to `schema`.
pub(crate) fn with_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

/// Runs `test` with the URL of a new schema in the test database (and the
/// schema's name), then drops the schema and the `extra_databases` the test
/// made, whatever the outcome. Skips when PostgreSQL is unreachable outside
/// CI.
pub(crate) async fn with_pg_schema<F, Fut>(what: &str, test: F)
where
    F: FnOnce(String, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let base = pg_base_url();
    let mut conn = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PostgreSQL at {base} is required under CI=true: {e}"
            );
            eprintln!(
                "\n!!!!!!!! SKIPPING the PostgreSQL {what} test: cannot connect to {base}: {e}\n\
                 !!!!!!!! (start PostgreSQL with scripts/services.sh or set KEFU_TEST_PG_URL)\n"
            );
            return;
        }
    };
    let id = uuid::Uuid::now_v7().simple().to_string();
    let schema = format!("kefu_t_{id}");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("creating a schema");
    let outcome = tokio::spawn(test(with_schema(&base, &schema), schema.clone())).await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut conn)
        .await;
    match outcome {
        Ok(()) => {}
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("the PostgreSQL {what} test did not finish: {e}"),
    }
}

/// Runs `kefu ARGS` on the site's configuration, data folder and database:
/// (success, stdout, stderr).
pub(crate) async fn kefu_cli(site: &Site, args: &[&str]) -> (bool, String, String) {
    let mut cmd = kefu();
    cmd.arg("--config").arg(&site.config).args(args);
    cmd.arg("--data-dir").arg(&site.data_dir);
    if let Some(url) = &site.database_url {
        cmd.arg("--database-url").arg(url);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("running kefu"))
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// Uploads [`PDF`] as the demo admin; returns its signed download link.
pub(crate) async fn upload_pdf(server: &Server) -> String {
    let part = reqwest::multipart::Part::bytes(PDF.to_vec())
        .file_name("invoice.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let r = admin(&server.base)
        .await
        .post(server.url("/api/v1/attachments"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    body["url"].as_str().expect("a download link").to_string()
}

/// The attachment behind `link` is served, byte for byte.
pub(crate) async fn assert_pdf_served(http: &reqwest::Client, server: &Server, link: &str) {
    let r = http.get(server.url(link)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{link}");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
}
