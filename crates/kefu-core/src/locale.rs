//! Locales of knowledge-base content: a small, strict subset of BCP 47
//! (`language[-Script][-REGION]`), normalised so that `zh_cn`, `ZH-cn` and
//! `zh-CN` are one locale and a typo such as `englsh` is refused instead of
//! silently creating a language nobody's customers speak.

use crate::error::CoreError;

/// The languages the bot understands (tokenisation, synonyms, intent
/// models). Entries in other well-formed ISO 639-1 languages are stored and
/// exported, and the bot can return them by exact match, but retrieval
/// quality is only tuned for these.
pub const BOT_LANGUAGES: &[&str] = &["en", "zh"];

/// ISO 639-1, the two-letter language codes. A locale's language must be
/// one of them: two letters alone would let `xx` or `qq` through.
const ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj",
    "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb",
    "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi",
    "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk",
    "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti",
    "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo",
    "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// The longest locale text looked at; anything longer is garbage, and is
/// not echoed back whole in the error.
const LOCALE_MAX: usize = 20;

/// Normalises a locale: `language` lower case, an optional four-letter
/// `Script` title case, an optional `REGION` (two letters upper case, or
/// three digits such as `419`); `_` is accepted as the separator. The
/// language must be an ISO 639-1 code. Errors name the field `locale`.
pub fn normalize_locale(s: &str) -> Result<String, CoreError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(CoreError::invalid(
            "locale",
            "must not be empty (e.g. en, zh-CN)",
        ));
    }
    let shown: String = t.chars().take(LOCALE_MAX).collect();
    let bad = |why: &str| {
        CoreError::invalid(
            "locale",
            format!("unknown locale {shown:?}: {why}; use e.g. en, en-US, zh, zh-CN, zh-Hans"),
        )
    };
    if t.chars().count() > LOCALE_MAX || !t.is_ascii() {
        return Err(bad("not a language tag"));
    }
    let mut parts = t.split(['-', '_']);
    let lang = parts.next().unwrap_or_default().to_ascii_lowercase();
    if !ISO_639_1.contains(&lang.as_str()) {
        return Err(bad("the language is not an ISO 639-1 code"));
    }
    let mut out = lang;
    let mut script_seen = false;
    let mut region_seen = false;
    for p in parts {
        if p.len() == 4
            && p.chars().all(|c| c.is_ascii_alphabetic())
            && !script_seen
            && !region_seen
        {
            script_seen = true;
            out.push('-');
            let mut cs = p.chars();
            if let Some(first) = cs.next() {
                out.push(first.to_ascii_uppercase());
            }
            out.extend(cs.map(|c| c.to_ascii_lowercase()));
        } else if !region_seen
            && ((p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
                || (p.len() == 3 && p.chars().all(|c| c.is_ascii_digit())))
        {
            region_seen = true;
            out.push('-');
            out.push_str(&p.to_ascii_uppercase());
        } else {
            return Err(bad("expected language[-Script][-REGION]"));
        }
    }
    Ok(out)
}

/// The language part of a normalised locale (`zh` for `zh-Hans-CN`).
pub fn language_of(locale: &str) -> &str {
    locale.split('-').next().unwrap_or(locale)
}

/// Whether the bot is tuned for this locale's language.
pub fn bot_speaks(locale: &str) -> bool {
    BOT_LANGUAGES.contains(&language_of(locale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_normalised() {
        for (input, want) in [
            ("en", "en"),
            (" EN ", "en"),
            ("en-us", "en-US"),
            ("en_US", "en-US"),
            ("zh", "zh"),
            ("zh-cn", "zh-CN"),
            ("zh-TW", "zh-TW"),
            ("zh-hans", "zh-Hans"),
            ("ZH-HANT-tw", "zh-Hant-TW"),
            ("es-419", "es-419"),
            ("fr", "fr"),
        ] {
            assert_eq!(normalize_locale(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn garbage_locales_are_refused_with_the_field_named() {
        for bad in [
            "",
            "  ",
            "english",
            "xx",
            "e",
            "zh-",
            "zh-C",
            "zh-CHINA",
            "zh-CN-CN",
            "en-US-Latn",
            "中文",
            "en;drop table",
            &"x".repeat(1000),
        ] {
            let e = normalize_locale(bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    CoreError::Invalid {
                        field: "locale",
                        ..
                    }
                ),
                "{bad}"
            );
            assert!(e.to_string().len() < 200, "the message stays short: {e}");
        }
    }

    #[test]
    fn the_bot_languages() {
        assert!(bot_speaks("zh-Hans-CN"));
        assert!(bot_speaks("en-GB"));
        assert!(!bot_speaks("fr"));
        assert_eq!(language_of("zh-CN"), "zh");
    }
}
