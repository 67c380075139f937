//! `kefu kb import` and `kefu kb export` as an operator runs them: against
//! the demo's database, with a file that has bad rows, and a round trip.

use crate::support::{Server, data_dir, kefu};

fn run(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = kefu()
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kb_import_reports_refused_rows_and_export_round_trips() {
    let (tmp, dir) = data_dir();
    // The demo seeds its account (and its FAQ); the CLI works on the same
    // database with the server stopped or running.
    drop(Server::start(&dir).await);

    let csv = tmp.path().join("faq.csv");
    std::fs::write(
        &csv,
        "question,answer,locale,similar_questions\n\
         Does Kefu have an API?,\"Yes: see /api/docs on your server.\",en,is there an api|rest api\n\
         ,An answer without its question,en,\n\
         Wie spät ist es?,Zeit.,de-DE,\n\
         Bad locale,x,klingon,\n",
    )
    .unwrap();
    let csv = csv.to_str().unwrap();

    // Refused rows: listed by line, and a non-zero exit.
    let (code, out, err) = run(&["kb", "import", csv, "--account", "Kefu Demo"], &dir);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("2 created, 0 updated, 0 unchanged, 2 refused, of 4 rows"),
        "{out}"
    );
    assert!(out.contains("line 3: [invalid_question]"), "{out}");
    assert!(out.contains("line 5: [invalid_locale]"), "{out}");
    assert!(err.contains("--allow-partial"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "no progress bar without a terminal: {err:?}"
    );

    // Again, allowing the partial import: nothing changes, exit 0.
    let (code, out, _) = run(
        &[
            "kb",
            "import",
            csv,
            "--account",
            "01920000-0000-7000-8000-000000000001",
            "--allow-partial",
            "--json",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["unchanged"], 2);
    assert_eq!(report["rejected"].as_array().unwrap().len(), 2);

    // Export as Markdown and import it back: every entry is unchanged.
    let md = tmp.path().join("kb.md");
    let md = md.to_str().unwrap();
    let (code, _, err) = run(&["kb", "export", "--account", "Kefu Demo", "-o", md], &dir);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(md).unwrap();
    assert!(
        text.contains("# locale: zh-CN") && text.contains("## 怎么重置密码"),
        "{text}"
    );
    assert!(text.contains("## Does Kefu have an API?"), "{text}");
    let (code, out, err) = run(&["kb", "import", md, "--account", "Kefu Demo"], &dir);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(" 0 created, 0 updated, "), "{out}");

    // Unknown accounts and formats are clear errors.
    let (code, _, err) = run(&["kb", "import", md, "--account", "Nobody"], &dir);
    assert_eq!(code, 1);
    assert!(err.contains("no account is named \"Nobody\""), "{err}");
    let (code, _, err) = run(
        &["kb", "import", "notes.txt", "--account", "Kefu Demo"],
        &dir,
    );
    assert_eq!(code, 1);
    assert!(err.contains("--format"), "{err}");
}
