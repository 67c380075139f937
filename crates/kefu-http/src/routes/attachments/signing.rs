//! Signed download links and the attachment as clients see it.

use kefu_core::model::Attachment;
use kefu_core::{AttachmentId, ConversationId, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Keys;
use crate::auth::secrets;

/// How long a download link works.
pub const LINK_TTL_MS: i64 = 60 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    #[default]
    Original,
    Thumbnail,
}

impl Variant {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Thumbnail => "thumbnail",
        }
    }
}

/// What the signature covers. The conversation is included so a link made
/// before the file was attached somewhere stops working once it is.
fn payload(a: &Attachment, variant: Variant, exp: i64) -> String {
    let conv = a
        .conversation_id
        .map(|c: ConversationId| c.to_string())
        .unwrap_or_else(|| "-".into());
    format!(
        "{}|{}|{}|{}|{}",
        a.account_id,
        a.id,
        conv,
        variant.as_str(),
        exp
    )
}

pub fn sign(keys: &Keys, a: &Attachment, variant: Variant, exp: i64) -> String {
    secrets::b64(&secrets::hmac_sha256(
        &keys.download,
        payload(a, variant, exp).as_bytes(),
    ))
}

/// Constant-time check.
pub fn verify(keys: &Keys, a: &Attachment, variant: Variant, exp: i64, sig: &str) -> bool {
    secrets::verify_hmac_b64(&keys.download, payload(a, variant, exp).as_bytes(), sig)
}

/// A link relative to the API's origin.
pub fn link(keys: &Keys, a: &Attachment, variant: Variant, exp: i64) -> String {
    let mut url = format!(
        "/api/v1/attachments/{}/content?account_id={}&exp={}&sig={}",
        a.id,
        a.account_id,
        exp,
        sign(keys, a, variant, exp)
    );
    if variant == Variant::Thumbnail {
        url.push_str("&variant=thumbnail");
    }
    url
}

/// An attachment as the API shows it: what was learnt from the bytes, and
/// fresh links. Storage keys stay inside.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: AttachmentId,
    pub conversation_id: Option<ConversationId>,
    pub file_name: String,
    /// Detected from the content, not taken from the uploader.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub created_at: Timestamp,
    /// Signed download link, relative to the API origin.
    pub url: String,
    /// Signed link to a preview at most 320 px wide or high (images only).
    pub thumbnail_url: Option<String>,
    /// When the links stop working (ms since the epoch).
    pub urls_expire_at: Timestamp,
}

impl AttachmentView {
    pub fn new(keys: &Keys, a: &Attachment, now: Timestamp) -> Self {
        let exp = now.plus_millis(LINK_TTL_MS);
        Self {
            id: a.id,
            conversation_id: a.conversation_id,
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            width: a.width,
            height: a.height,
            created_at: a.created_at,
            url: link(keys, a, Variant::Original, exp.millis()),
            thumbnail_url: a
                .thumbnail_key
                .as_ref()
                .map(|_| link(keys, a, Variant::Thumbnail, exp.millis())),
            urls_expire_at: exp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::AccountId;

    fn attachment() -> Attachment {
        Attachment {
            id: AttachmentId::new(),
            account_id: AccountId::new(),
            conversation_id: None,
            file_name: "a.png".into(),
            content_type: "image/png".into(),
            size: 1,
            sha256: String::new(),
            storage_key: "k".into(),
            thumbnail_key: None,
            width: None,
            height: None,
            created_at: Timestamp(0),
        }
    }

    #[test]
    fn signatures_bind_every_part() {
        let keys = Keys::derive(b"master");
        let a = attachment();
        let sig = sign(&keys, &a, Variant::Original, 100);
        assert!(verify(&keys, &a, Variant::Original, 100, &sig));
        assert!(!verify(&keys, &a, Variant::Thumbnail, 100, &sig));
        assert!(!verify(&keys, &a, Variant::Original, 101, &sig));
        let mut other = a.clone();
        other.account_id = AccountId::new();
        assert!(!verify(&keys, &other, Variant::Original, 100, &sig));
        let mut attached = a.clone();
        attached.conversation_id = Some(ConversationId::new());
        assert!(!verify(&keys, &attached, Variant::Original, 100, &sig));
        assert!(!verify(
            &Keys::derive(b"other"),
            &a,
            Variant::Original,
            100,
            &sig
        ));
        assert!(!verify(&keys, &a, Variant::Original, 100, "garbage!"));
    }
}
