//! Secrets: random tokens (stored only as SHA-256), HMAC signatures for visitor
//! tokens, signed download URLs and customer identity verification.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// A random secret with a recognisable prefix, e.g. `kefu_pat_…`.
pub fn random_token(prefix: &str) -> String {
    let mut b = [0u8; 32];
    rand::fill(&mut b);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(b))
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any size");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// Constant-time check of an HMAC given as hex.
pub fn verify_hmac_hex(key: &[u8], msg: &[u8], signature_hex: &str) -> bool {
    let Ok(sig) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any size");
    mac.update(msg);
    mac.verify_slice(&sig).is_ok()
}

/// Constant-time check of an HMAC given as unpadded base64url.
pub fn verify_hmac_b64(key: &[u8], msg: &[u8], signature: &str) -> bool {
    let Ok(sig) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any size");
    mac.update(msg);
    mac.verify_slice(&sig).is_ok()
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn hmac_round_trip_and_tamper() {
        let sig = hex::encode(hmac_sha256(b"k", b"user-42"));
        assert!(verify_hmac_hex(b"k", b"user-42", &sig));
        assert!(!verify_hmac_hex(b"k", b"user-43", &sig));
        assert!(!verify_hmac_hex(b"other", b"user-42", &sig));
        assert!(!verify_hmac_hex(b"k", b"user-42", "zz"));
        let t = random_token("kefu_pat_");
        assert!(t.starts_with("kefu_pat_") && t.len() > 40);
        assert_ne!(t, random_token("kefu_pat_"));
    }
}
