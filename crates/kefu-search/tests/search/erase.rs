use std::path::Path;

use crate::common::*;
use kefu_core::ids::{AccountId, InboxId};
use kefu_search::{SearchIndex, SearchQuery};

/// Whether any file under `dir` contains `needle` (raw bytes). The doc store
/// is uncompressed, so stored text would show up verbatim; term dictionaries
/// hold terms as raw UTF-8 too.
fn on_disk(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        // Background merges may remove a file between listing and reading.
        let Ok(bytes) = std::fs::read(e.unwrap().path()) else {
            return false;
        };
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    })
}

#[test]
fn erased_contact_is_not_searchable_and_not_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let idx = SearchIndex::open(dir.path()).unwrap();
    let a = AccountId::new();
    let inbox = InboxId::new();
    let victim = contact(
        a,
        "Zyxwvut 欧阳娜娜",
        "zyxwvut@example.org",
        "+86 139-8765-4321",
    );
    let other = contact(a, "Keeper 张三", "keeper@example.org", "13700000000");
    idx.upsert_contact(victim.clone()).unwrap();
    idx.upsert_contact(other.clone()).unwrap();
    let mut conv_v = conversation(a, inbox, Some(victim.id));
    conv_v.subject = Some("qwertzuiop 主题".into());
    let conv_o = conversation(a, inbox, Some(other.id));
    // The keeper's message goes into the same segment as the victim's
    // documents, so the purge must really rewrite that segment.
    idx.upsert_conversation(conv_o.clone()).unwrap();
    idx.add_message(message(&conv_o, "keeper message 保留", T0))
        .unwrap();
    seed(
        &idx,
        &conv_v,
        &[
            "我的暗号是翡翠琉璃盏 plughxyzzy",
            "second message plughxyzzy",
        ],
    );
    // More segments, so that the purge really merges.
    for i in 0..3 {
        seed(
            &idx,
            &conversation(a, inbox, None),
            &[&format!("filler {i}")],
        );
    }
    for needle in [
        "plughxyzzy",
        "翡翠琉璃盏",
        "Zyxwvut",
        "欧阳娜娜",
        "zyxwvut@example.org",
        "qwertzuiop",
    ] {
        assert!(
            on_disk(dir.path(), needle),
            "{needle} should be on disk before erasure"
        );
    }

    idx.erase_contact(a, victim.id).unwrap();
    idx.commit(None).unwrap();
    for q in [
        "zyxwvut",
        "欧阳娜娜",
        "zyxwvut@example.org",
        "13987654321",
        "plughxyzzy",
        "翡翠琉璃盏",
        "qwertzuiop",
    ] {
        assert_eq!(idx.search(&SearchQuery::new(a, q)).unwrap().total, 0, "{q}");
    }
    assert_eq!(idx.search(&SearchQuery::new(a, "keeper")).unwrap().total, 2);
    idx.purge().unwrap();
    for needle in [
        "plughxyzzy",
        "翡翠琉璃盏",
        "Zyxwvut",
        "zyxwvut",
        "欧阳娜娜",
        "139-8765-4321",
        "13987654321",
        "qwertzuiop",
    ] {
        assert!(
            !on_disk(dir.path(), needle),
            "{needle} is still on disk after purge"
        );
    }
    assert!(on_disk(dir.path(), "keeper message"));
    assert_eq!(idx.search(&SearchQuery::new(a, "保留")).unwrap().total, 1);
    drop(idx);
    let idx = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(idx.search(&SearchQuery::new(a, "keeper")).unwrap().total, 2);
}
