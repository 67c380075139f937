//! Personal data in a message: mobile phone numbers, mainland ID card
//! numbers, bank card numbers and email addresses. Digit runs are found
//! first, then each is validated (an ID card's check digit and birth date,
//! a card's Luhn digit), so order numbers and amounts are not reported.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::matchers::CharIndex;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Phone,
    IdCard,
    BankCard,
    Email,
}

impl PiiKind {
    pub const ALL: [PiiKind; 4] = [Self::Phone, Self::IdCard, Self::BankCard, Self::Email];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::IdCard => "id_card",
            Self::BankCard => "bank_card",
            Self::Email => "email",
        }
    }
}

/// Digits, possibly grouped by single spaces or dashes ("6222 0200 …"),
/// possibly after `+86`, possibly ending in the ID card's `X`.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+?86[ -]?)?[0-9](?:[ -]?[0-9]){5,}[Xx]?").expect("valid number pattern")
});

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .expect("valid email pattern")
});

/// The ISO 7064 MOD 11-2 check of an 18-character mainland ID card number,
/// plus a real birth date (YYYYMMDD at positions 7–14, year 1900–2100).
pub fn valid_id_card(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    if b[17].to_ascii_uppercase() != CHECK[(sum % 11) as usize] {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (y, m, d) = (num(6..10), num(10..12), num(12..14));
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    (1900..=2100).contains(&y) && d >= 1 && d <= days
}

/// The Luhn check digit of a card number (digits only).
pub fn valid_luhn(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// What a run of digits is, if anything worth reporting.
fn classify(run: &str) -> Option<PiiKind> {
    let compact: String = run.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let national = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("86").filter(|r| r.len() == 11))
        .unwrap_or(&compact);
    if mobile(national) {
        return Some(PiiKind::Phone);
    }
    if valid_id_card(&compact) {
        return Some(PiiKind::IdCard);
    }
    if (13..=19).contains(&compact.len()) && valid_luhn(&compact) {
        return Some(PiiKind::BankCard);
    }
    None
}

/// Every piece of personal data in `text`, in characters: `(kind, start, end)`.
pub fn find_pii(text: &str) -> Vec<(PiiKind, usize, usize)> {
    let mut out = Vec::new();
    let mut chars = CharIndex::new(text);
    let mut emails = Vec::new();
    for m in EMAIL.find_iter(text) {
        emails.push(m.range());
        out.push((PiiKind::Email, chars.at(m.start()), chars.at(m.end())));
    }
    let mut chars = CharIndex::new(text);
    for m in NUMBER.find_iter(text) {
        // Digits inside an address are the address.
        if emails
            .iter()
            .any(|e| e.start < m.end() && m.start() < e.end)
        {
            continue;
        }
        // A run glued to letters or more digits is part of something else
        // (an order code, a longer number).
        let glued_before = text[..m.start()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let glued_after = text[m.end()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if glued_before || glued_after {
            continue;
        }
        if let Some(kind) = classify(m.as_str()) {
            out.push((kind, chars.at(m.start()), chars.at(m.end())));
            continue;
        }
        // Two numbers written side by side ("13800138000 1234"): each part.
        let mut offset = m.start();
        for part in m.as_str().split([' ', '-']) {
            if let Some(kind) = classify(part) {
                out.push((kind, chars.at(offset), chars.at(offset + part.len())));
            }
            offset += part.len() + 1;
        }
    }
    out.sort_by_key(|&(_, s, _)| s);
    out
}
