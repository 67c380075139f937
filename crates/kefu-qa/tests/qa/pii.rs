use kefu_qa::{PiiKind, find_pii, valid_id_card, valid_luhn};

#[test]
fn id_cards_need_their_check_digit_and_a_real_birth_date() {
    // The example number of GB 11643.
    assert!(valid_id_card("11010519491231002X"));
    assert!(valid_id_card("11010519491231002x"));
    // One digit off breaks the check digit.
    assert!(!valid_id_card("11010519491231003X"));
    assert!(!valid_id_card("110105194912310021"));
    // A check digit that fits but an impossible date (Feb 30): rebuilt so
    // the check is right for it.
    let body = "11010519490230002";
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    assert!(!valid_id_card(&format!("{body}{check}")));
    assert!(!valid_id_card("1101051949123100"));
}

#[test]
fn cards_need_the_luhn_digit() {
    for good in ["4111111111111111", "5500000000000004", "6011000990139424"] {
        assert!(valid_luhn(good), "{good}");
    }
    for bad in ["4111111111111112", "5500000000000005", "12a4", ""] {
        assert!(!valid_luhn(bad), "{bad}");
    }
}

#[test]
fn personal_data_is_found_with_its_place_in_characters() {
    let text = "请联系13800138000或者发邮件到 li.lei@example.com，身份证11010519491231002X";
    let found = find_pii(text);
    let kinds: Vec<PiiKind> = found.iter().map(|f| f.0).collect();
    assert_eq!(kinds, vec![PiiKind::Phone, PiiKind::Email, PiiKind::IdCard]);
    let chars: Vec<char> = text.chars().collect();
    let span = |i: usize| chars[found[i].1..found[i].2].iter().collect::<String>();
    assert_eq!(span(0), "13800138000");
    assert_eq!(span(1), "li.lei@example.com");
    assert_eq!(span(2), "11010519491231002X");
    // Grouped card numbers, +86 numbers.
    let found = find_pii("card 4111 1111 1111 1111, call +86 139-1234-5678");
    let kinds: Vec<PiiKind> = found.iter().map(|f| f.0).collect();
    assert_eq!(kinds, vec![PiiKind::BankCard, PiiKind::Phone]);
}

#[test]
fn order_numbers_amounts_and_glued_digits_are_not_personal_data() {
    for text in [
        "订单号 A20261126001",
        "订单号 2026112612345678",
        "金额 1380.00 元",
        "tracking 12345678901234",
        "SKU13800138000",
        "the year 2026",
    ] {
        assert_eq!(find_pii(text), vec![], "{text}");
    }
}
