use kefu_core::model::{KbEntry, KbEntryKind};
use kefu_core::{AccountId, Timestamp};
use proptest::prelude::*;

use super::*;

fn opts() -> ParseOptions {
    ParseOptions {
        account: AccountId::new(),
        default_locale: None,
        now: Timestamp(1_000),
    }
}

fn with_locale(locale: &str) -> ParseOptions {
    ParseOptions {
        default_locale: Some(locale.into()),
        ..opts()
    }
}

/// Entries that exercise every escape: separators, quotes, line breaks,
/// heading-like body lines, CJK text, disabled and out-of-scope entries.
fn tricky(account: AccountId) -> Vec<KbEntry> {
    let mut out = Vec::new();
    let mut a = KbEntry::new(
        account,
        KbEntryKind::Faq,
        "en",
        "How do I reset my password?",
        "Click **Forgot password** on [the sign-in page](https://example.com/login).\n\nThen check your inbox, \"Spam\" too, for a link; it works 24 h.",
        Timestamp(1),
    );
    a.similar_questions = vec![
        "I forgot my password".into(),
        "reset | change password".into(),
        r"back\slash \| pipe".into(),
        "can't sign in, help".into(),
    ];
    a.tags = vec!["account".into(), "sign-in".into()];
    a.action = Some("reset_password".into());
    out.push(a);
    let mut b = KbEntry::new(
        account,
        KbEntryKind::Faq,
        "zh-CN",
        "怎么重置密码",
        "在登录页点击“忘记密码”，按邮件里的链接操作。",
        Timestamp(2),
    );
    b.similar_questions = vec!["密码忘了怎么办".into(), "登录不上".into()];
    b.tags = vec!["账户".into()];
    b.enabled = false;
    out.push(b);
    let mut c = KbEntry::new(
        account,
        KbEntryKind::Faq,
        "en",
        "Can you give me legal advice?",
        "",
        Timestamp(3),
    );
    c.out_of_scope = true;
    out.push(c);
    let d = KbEntry::new(
        account,
        KbEntryKind::Article,
        "en",
        "Installing Kefu",
        "Kefu is one binary.\n\n# Not a title\n## Not a question\n\\## Escaped already\n### Linux\n\nDownload it.\n\n> similar: not a setting\nTags: not tags either",
        Timestamp(4),
    );
    out.push(d);
    out.into_iter()
        .map(|mut e| {
            e.validate().unwrap();
            e
        })
        .collect()
}

/// What a round trip must keep: everything but account, version and times
/// (as text, so that lists of entries sort and compare).
fn portable(e: &KbEntry) -> String {
    format!(
        "{:?}",
        (
            e.id,
            e.kind,
            &e.locale,
            &e.question,
            &e.similar_questions,
            &e.answer,
            &e.tags,
            e.enabled,
            e.out_of_scope,
            &e.action,
        )
    )
}

#[test]
fn every_format_round_trips() {
    let o = opts();
    let entries = tricky(o.account);
    for format in Format::ALL {
        let file = write(format, &entries);
        let back = parse(format, &file, &o).unwrap();
        assert!(
            back.rejected.is_empty(),
            "{format}: {:?}\n{}",
            back.rejected,
            String::from_utf8_lossy(&file)
        );
        let mut got: Vec<KbEntry> = back.entries.into_iter().map(|(_, e)| e).collect();
        got.sort_by_key(|e| e.created_at);
        let want: Vec<_> = entries.iter().map(portable).collect();
        let mut got_p: Vec<_> = got.iter().map(portable).collect();
        // Markdown groups by locale; compare as sets in a fixed order.
        got_p.sort();
        let mut want = want;
        want.sort();
        assert_eq!(got_p, want, "{format}:\n{}", String::from_utf8_lossy(&file));
        // And once more: writing what was read gives the same file.
        let again: Vec<KbEntry> = parse(format, &file, &o)
            .unwrap()
            .entries
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        assert_eq!(write(format, &again), file, "{format} is stable");
    }
}

#[test]
fn csv_reports_bad_rows_by_line() {
    let file = "\u{feff}Question,Answer,locale,tags,enabled\n\
        How do I reset my password?,Use the link.,en,account|sign-in,yes\n\
        ,No question,en,,\n\
        Too long,x,klingon,,\n\
        \"Multi-line answer row?\",\"line one\nline two\",zh-cn,,\n\
        Bad flag,x,en,,maybe\n\
        Short row,x\n\
        How do I reset my password?,Again,en,,\n\
        No answer,,en,,\n\
        ,,,,\n";
    let p = parse(Format::Csv, file.as_bytes(), &opts()).unwrap();
    let got: Vec<(usize, &str)> = p
        .rejected
        .iter()
        .map(|r| (r.line, r.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "invalid_question"),
            (4, "invalid_locale"),
            (7, "invalid_enabled"),
            (8, "malformed_csv"),
            (9, "duplicate"),
            (10, "invalid_answer"),
        ],
        "{:#?}",
        p.rejected
    );
    assert_eq!(p.entries.len(), 2);
    assert_eq!(p.entries[0].0, 2);
    assert_eq!(p.entries[0].1.tags, vec!["account", "sign-in"]);
    assert_eq!(p.entries[1].0, 5, "a row starts on its first line");
    assert_eq!(p.entries[1].1.locale, "zh-CN");
    assert_eq!(p.entries[1].1.answer, "line one\nline two");
    assert_eq!(p.total(), 8, "the empty row at the end is not a row");
    assert!(
        p.rejected[1].message.contains("klingon"),
        "{}",
        p.rejected[1].message
    );
    assert!(
        p.rejected[4].message.contains("line 2"),
        "{}",
        p.rejected[4].message
    );
}

#[test]
fn csv_headers_are_checked() {
    let e = parse(
        Format::Csv,
        b"question,answer,colour\nq,a,red\n",
        &with_locale("en"),
    )
    .unwrap_err();
    assert!(matches!(e, FileError::UnknownColumns { .. }));
    assert!(e.to_string().contains("\"colour\""), "{e}");
    let e = parse(Format::Csv, b"question,locale\nq,en\n", &opts()).unwrap_err();
    assert!(e.to_string().contains("answer"), "{e}");
    let e = parse(Format::Csv, b"question,answer,Question\n", &opts()).unwrap_err();
    assert!(matches!(e, FileError::DuplicateColumn(_)));
    // Empty files are empty, not errors.
    assert_eq!(parse(Format::Csv, b"", &opts()).unwrap().total(), 0);
    // Without a locale column, the file's locale applies; without either,
    // each row says what is missing.
    let p = parse(
        Format::Csv,
        b"question,answer\nq,a\n",
        &with_locale("zh_cn"),
    )
    .unwrap();
    assert_eq!(p.entries[0].1.locale, "zh-CN");
    let p = parse(Format::Csv, b"question,answer\nq,a\n", &opts()).unwrap();
    assert_eq!(p.rejected[0].code, "invalid_locale");
}

#[test]
fn csv_cells_that_are_not_utf8_refuse_their_row() {
    let mut file = b"question,answer,locale\n".to_vec();
    file.extend_from_slice(b"\xC4\xE3\xBA\xC3,gbk,zh\nok,fine,en\n");
    let p = parse(Format::Csv, &file, &opts()).unwrap();
    assert_eq!(p.rejected.len(), 1);
    assert_eq!(
        (p.rejected[0].line, p.rejected[0].code.as_str()),
        (2, "not_utf8")
    );
    assert_eq!(p.entries.len(), 1);
}

#[test]
fn jsonl_reports_bad_lines() {
    let long = "q".repeat(501);
    let file = format!(
        "{{\"question\":\"What are your business hours?\",\"answer\":\"9-17\",\"locale\":\"en\",\"similar_questions\":[\"when are you open\"]}}\n\
         \n\
         {{\"question\":\"x\",\"anwser\":\"typo\",\"locale\":\"en\"}}\n\
         {{not json\n\
         {{\"question\":\"{long}\",\"answer\":\"a\",\"locale\":\"en\"}}\n\
         {{\"question\":\"Where is my data?\",\"answer\":\"On your server.\",\"locale\":\"en\",\"id\":\"0192f000-0000-7000-8000-000000000001\",\"account_id\":\"x\",\"version\":3,\"created_at\":1,\"updated_at\":2}}\n\
         {{\"answer\":\"no question\",\"locale\":\"en\"}}\n\
         [1,2]\n\
         {{\"question\":\"q2\",\"answer\":\"a\",\"locale\":\"en\",\"kind\":\"howto\"}}\n"
    );
    let p = parse(Format::Jsonl, file.as_bytes(), &opts()).unwrap();
    let got: Vec<(usize, &str)> = p
        .rejected
        .iter()
        .map(|r| (r.line, r.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "malformed_json"),
            (4, "malformed_json"),
            (5, "invalid_question"),
            (7, "invalid_question"),
            (8, "malformed_json"),
            (9, "invalid_kind"),
        ]
    );
    assert!(
        p.rejected[0].message.contains("anwser"),
        "{}",
        p.rejected[0].message
    );
    assert!(
        p.rejected[2].message.contains("500"),
        "{}",
        p.rejected[2].message
    );
    let lines: Vec<usize> = p.entries.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![1, 6]);
    assert_eq!(
        p.entries[1].1.id.to_string(),
        "0192f000-0000-7000-8000-000000000001"
    );
}

#[test]
fn markdown_by_hand() {
    let file = "# Kefu FAQ\n\
        # locale: zh-CN\n\
        \n\
        ## 怎么重置密码\n\
        > similar: 密码忘了 | 登录不上\n\
        > 相似：忘记密码怎么办\n\
        标签：账户，登录\n\
        在登录页点击“忘记密码”。\n\
        \n\
        ### 还是不行？\n\
        联系我们。\n\
        \n\
        ## \n\
        empty question\n\
        ## Bad flag\n\
        Enabled: perhaps\n\
        \n\
        body\n\
        # locale: en\n\
        ## Where is my data stored?\n\
        Locale: en-gb\n\
        Tags: data\n\
        \n\
        On your own server.\n\
        ## No answer\n\
        ## Nowhere\n\
        Locale: elvish\n\
        \n\
        x\n";
    let p = parse(Format::Markdown, file.as_bytes(), &opts()).unwrap();
    let got: Vec<(usize, &str)> = p
        .rejected
        .iter()
        .map(|r| (r.line, r.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (13, "invalid_question"),
            (16, "invalid_enabled"),
            (25, "invalid_answer"),
            (26, "invalid_locale"),
        ],
        "{:#?}",
        p.rejected
    );
    let zh = &p.entries[0].1;
    assert_eq!(p.entries[0].0, 4);
    assert_eq!(zh.locale, "zh-CN");
    assert_eq!(
        zh.similar_questions,
        vec!["密码忘了", "登录不上", "忘记密码怎么办"]
    );
    assert_eq!(zh.tags, vec!["账户", "登录"]);
    assert_eq!(
        zh.answer,
        "在登录页点击“忘记密码”。\n\n### 还是不行？\n联系我们。"
    );
    let en = &p.entries[1].1;
    assert_eq!(
        (en.locale.as_str(), en.tags.clone()),
        ("en-GB", vec!["data".to_string()])
    );
    assert_eq!(en.answer, "On your own server.");
}

#[test]
fn markdown_text_before_the_first_entry_is_reported_once() {
    let p = parse(
        Format::Markdown,
        b"Some intro\nmore intro\n\n## Q\n\nA\n",
        &with_locale("en"),
    )
    .unwrap();
    assert_eq!(p.rejected.len(), 1);
    assert_eq!(
        (p.rejected[0].line, p.rejected[0].code.as_str()),
        (1, "malformed_markdown")
    );
    assert_eq!(p.entries.len(), 1);
}

#[test]
fn formats_by_name_and_extension() {
    assert_eq!(Format::parse("CSV"), Some(Format::Csv));
    assert_eq!(Format::parse("ndjson"), Some(Format::Jsonl));
    assert_eq!(Format::parse("md"), Some(Format::Markdown));
    assert_eq!(Format::parse("xlsx"), None);
    assert_eq!(Format::from_path("faq.zh.md"), Some(Format::Markdown));
    assert_eq!(Format::from_path("faq"), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// No input makes a parser panic, and every refused row points at a
    /// line of the input.
    #[test]
    fn parsers_take_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let lines = bytes.iter().filter(|b| **b == b'\n').count() + 1;
        for format in Format::ALL {
            if let Ok(p) = parse(format, &bytes, &with_locale("en")) {
                for r in &p.rejected {
                    prop_assert!(r.line >= 1 && r.line <= lines, "{format}: line {} of {lines}", r.line);
                }
            }
        }
    }

    /// Text shaped like the formats (separators, quotes, headings, braces)
    /// finds the corners random bytes rarely reach.
    #[test]
    fn parsers_take_format_shaped_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("\n".to_string()), Just(",".to_string()), Just("\"".to_string()),
                Just("|".to_string()), Just("\\".to_string()), Just("## ".to_string()),
                Just("# locale: ".to_string()), Just("> similar: ".to_string()),
                Just("Tags: ".to_string()), Just("{\"question\":".to_string()),
                Just("}".to_string()), Just("\r\n".to_string()), Just("\u{feff}".to_string()),
                "[a-zA-Z0-9 中文]{0,12}",
            ],
            0..80,
        )
    ) {
        let text = parts.concat();
        for format in Format::ALL {
            let _ = parse(format, text.as_bytes(), &with_locale("zh"));
        }
        let _ = parse(Format::Csv, format!("question,answer\n{text}").as_bytes(), &with_locale("en"));
    }
}
