//! What an uploaded file really is, and a small preview of images.
//!
//! The type comes from the bytes, never from the uploader's file name or
//! `Content-Type`: a "photo.png" that is really HTML or an executable must not
//! be stored, because whoever downloads it later trusts what we say it is. The
//! allow-list is short on purpose; anything we do not recognise is refused.
//! Image decoding runs under [`image::Limits`] so a small file that claims
//! enormous dimensions (a decompression bomb) fails fast instead of taking the
//! node's memory.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_MAX: u32 = 320;
/// Widest or tallest image we decode. Larger ones are refused.
pub const MAX_IMAGE_SIDE: u32 = 16_384;
/// Most memory a single decode may allocate.
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// The detected type of an upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sniffed {
    pub content_type: &'static str,
    /// A raster image we can decode and preview.
    pub is_image: bool,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("files of this type are not accepted")]
    Unsupported,
    #[error("the image could not be read: {0}")]
    BadImage(String),
    #[error("the image is too large to process")]
    ImageTooLarge,
}

/// Types we store. Everything else, including every executable, script,
/// HTML, SVG and XML, is refused.
const ALLOWED: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "audio/mpeg",
    "audio/m4a",
    "audio/ogg",
    "audio/opus",
    "audio/x-wav",
    "audio/aac",
    "audio/amr",
    "audio/x-flac",
    "video/mp4",
    "video/x-m4v",
    "video/webm",
    "video/quicktime",
];

const IMAGES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

pub const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// Detects the type from the content alone.
pub fn sniff(bytes: &[u8]) -> Result<Sniffed, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Unsupported);
    }
    if let Some(t) = infer::get(bytes) {
        let mime = t.mime_type();
        return match ALLOWED.iter().find(|a| **a == mime) {
            Some(a) => Ok(Sniffed {
                content_type: a,
                is_image: IMAGES.contains(a),
            }),
            None => Err(MediaError::Unsupported),
        };
    }
    if is_plain_text(bytes) {
        return Ok(Sniffed {
            content_type: TEXT_PLAIN,
            is_image: false,
        });
    }
    Err(MediaError::Unsupported)
}

/// UTF-8 without NULs or other binary control characters, and nothing a
/// browser or shell would treat as markup or a script. Text that *starts*
/// like a document (`<`, `#!`) is refused outright; HTML tags further in are
/// looked for in the first kilobytes, where browsers sniff.
fn is_plain_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
    {
        return false;
    }
    let head = text.trim_start_matches(['\u{feff}', ' ', '\n', '\r', '\t', '\u{c}']);
    if head.starts_with('<') || head.starts_with("#!") {
        return false;
    }
    let end = head
        .char_indices()
        .map(|(i, _)| i)
        .find(|i| *i >= 4096)
        .unwrap_or(head.len());
    let lower = head[..end].to_ascii_lowercase();
    const MARKUP: &[&str] = &[
        "<!doctype",
        "<html",
        "<head",
        "<body",
        "<script",
        "<iframe",
        "<svg",
        "<?xml",
        "<object",
        "<embed",
        "<meta",
    ];
    !MARKUP.iter().any(|m| lower.contains(m))
}

/// A decoded image's size and its preview.
#[derive(Debug)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_IMAGE_SIDE);
    l.max_image_height = Some(MAX_IMAGE_SIDE);
    l.max_alloc = Some(MAX_DECODE_BYTES);
    l
}

/// Decodes the image under limits and renders a preview at most
/// [`THUMBNAIL_MAX`] on its longer side: PNG when the image has
/// transparency, JPEG otherwise (smaller for photos). CPU-bound: call it on
/// the blocking pool.
pub fn thumbnail(bytes: &[u8]) -> Result<Thumbnail, MediaError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| MediaError::BadImage(e.to_string()))?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)
    ) {
        return Err(MediaError::Unsupported);
    }
    reader.limits(limits());
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => MediaError::ImageTooLarge,
        other => MediaError::BadImage(other.to_string()),
    })?;
    let (width, height) = (img.width(), img.height());
    let small = if width > THUMBNAIL_MAX || height > THUMBNAIL_MAX {
        img.thumbnail(THUMBNAIL_MAX, THUMBNAIL_MAX)
    } else {
        // Re-encoded anyway: the preview never carries the original's
        // metadata (EXIF location) or trailing bytes.
        img
    };
    let mut out = Cursor::new(Vec::new());
    let content_type = if small.color().has_alpha() {
        small
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|e| MediaError::BadImage(e.to_string()))?;
        "image/png"
    } else {
        let rgb = DynamicImage::ImageRgb8(small.to_rgb8());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&rgb)
            .map_err(|e| MediaError::BadImage(e.to_string()))?;
        "image/jpeg"
    };
    Ok(Thumbnail {
        width,
        height,
        bytes: out.into_inner(),
        content_type,
    })
}

/// A file name safe to store and to put in a `Content-Disposition` header:
/// no path, no control characters, bounded length. Falls back to `file`.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266).
pub fn content_disposition(kind: &str, file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, alpha: bool) -> Vec<u8> {
        let img = if alpha {
            DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
                w,
                h,
                image::Rgba([10, 20, 30, 128]),
            ))
        } else {
            DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([1, 2, 3])))
        };
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn images_are_recognised_and_previewed() {
        let bytes = png(800, 400, false);
        assert_eq!(
            sniff(&bytes).unwrap(),
            Sniffed {
                content_type: "image/png",
                is_image: true
            }
        );
        let t = thumbnail(&bytes).unwrap();
        assert_eq!((t.width, t.height), (800, 400));
        assert_eq!(t.content_type, "image/jpeg");
        let decoded = image::load_from_memory(&t.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (320, 160));

        let t = thumbnail(&png(10, 20, true)).unwrap();
        assert_eq!(t.content_type, "image/png");
        let decoded = image::load_from_memory(&t.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (10, 20));
    }

    #[test]
    fn dangerous_content_is_refused_whatever_it_is_called() {
        let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
        assert_eq!(sniff(elf), Err(MediaError::Unsupported));
        let pe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
        assert_eq!(sniff(pe), Err(MediaError::Unsupported));
        for markup in [
            "<!DOCTYPE html><html><script>alert(1)</script>",
            "  <html><body>hi</body></html>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            "<?xml version=\"1.0\"?><svg/>",
            "\u{feff}<script>x</script>",
            "hello\n<script>alert(1)</script>",
            "#!/bin/sh\nrm -rf /",
        ] {
            assert_eq!(
                sniff(markup.as_bytes()),
                Err(MediaError::Unsupported),
                "{markup}"
            );
        }
        assert_eq!(sniff(b""), Err(MediaError::Unsupported));
        assert_eq!(sniff(b"\x00\x01\x02binary"), Err(MediaError::Unsupported));
    }

    #[test]
    fn plain_text_and_documents_pass() {
        assert_eq!(
            sniff("订单号 12345\nthanks".as_bytes())
                .unwrap()
                .content_type,
            TEXT_PLAIN
        );
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
                .unwrap()
                .content_type,
            "application/pdf"
        );
        assert_eq!(
            sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00")
                .unwrap()
                .content_type,
            "application/zip"
        );
    }

    #[test]
    fn a_fake_image_fails_to_decode() {
        let mut bytes = png(4, 4, false);
        bytes.truncate(40);
        assert!(matches!(thumbnail(&bytes), Err(MediaError::BadImage(_))));
    }

    #[test]
    fn decompression_bombs_are_refused() {
        // A valid PNG header claiming 100000 x 100000 pixels.
        let mut bytes = png(1, 1, false);
        // IHDR width and height live at bytes 16..24; the CRC no longer
        // matches, so also accept a decode error, but never success.
        bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(thumbnail(&bytes).is_err());

        // A real (but tiny) encoding of a huge, uniform image.
        let img = image::GrayImage::from_pixel(20_000, 10, image::Luma([0]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageLuma8(img)
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        assert_eq!(
            thumbnail(&out.into_inner()).unwrap_err(),
            MediaError::ImageTooLarge
        );
    }

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\x\\a\"b.png"), "ab.png");
        assert_eq!(clean_file_name(".."), "file");
        assert_eq!(clean_file_name("发票.pdf"), "发票.pdf");
        let d = content_disposition("attachment", "发票 1.pdf");
        assert!(d.starts_with("attachment; filename=\"__ 1.pdf\"; filename*=UTF-8''"));
        assert!(d.ends_with("%E5%8F%91%E7%A5%A8%201.pdf"));
    }
}
