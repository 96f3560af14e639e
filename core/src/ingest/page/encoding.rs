//! Page bytes → text in the encoding the page declares or, failing that, the one it looks like.
//!
//! The order is the one browsers follow: a byte-order mark, then (HTML only) the `<meta charset>`
//! or `http-equiv` declaration in the first bytes, then UTF-8 when the bytes are valid UTF-8,
//! then a guess from the bytes (`chardetng`, Firefox's detector). Decoding itself is
//! `encoding_rs` (the WHATWG Encoding Standard), so Windows-1252, Shift-JIS, GBK and the other
//! legacy encodings of the web are all read. Text and Markdown pages carry no declaration: a page
//! that is not valid UTF-8 there is decoded lossily with a warning, as before.

use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;

use super::PageKind;

/// How far into an HTML page a charset declaration is looked for (the HTML standard's prescan
/// reads 1024 bytes; pages with long `<head>` comments state it later, so a little more).
const PRESCAN_BYTES: usize = 4096;

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i-u)<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#)
        .expect("built-in pattern is valid")
});

/// A page's text and what its decoding had to say.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    /// Name of the encoding used ("UTF-8", "windows-1252", "Shift_JIS"); read by the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub encoding: &'static str,
    /// Set when the text lost characters or the encoding was a guess.
    pub warning: Option<String>,
}

/// Decodes the bytes of a page of `kind`.
pub fn decode(bytes: &[u8], kind: PageKind) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return with(encoding, &bytes[bom_len..], None);
    }
    if kind == PageKind::Html {
        if let Some(encoding) = declared(bytes) {
            return with(encoding, bytes, None);
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded {
            text: text.to_string(),
            encoding: UTF_8.name(),
            warning: None,
        };
    }
    if kind != PageKind::Html {
        return lossy_utf8(bytes);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let guess = detector.guess(None, true);
    let note = format!(
        "no declared encoding and not UTF-8: read as {} (guessed from the bytes)",
        guess.name()
    );
    with(guess, bytes, Some(note))
}

/// The encoding an HTML page declares in its first bytes, as the HTML standard maps labels
/// (a declared UTF-16 means UTF-8: the bytes were already read as ASCII-compatible to find it).
fn declared(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    let label = META_CHARSET.captures(head)?.get(1)?.as_bytes();
    let encoding = Encoding::for_label(label)?;
    Some(
        if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
            UTF_8
        } else if encoding == encoding_rs::X_USER_DEFINED {
            WINDOWS_1252
        } else {
            encoding
        },
    )
}

fn with(encoding: &'static Encoding, bytes: &[u8], note: Option<String>) -> Decoded {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let used = encoding;
    let warning = match (had_errors, note) {
        (true, Some(n)) => Some(format!(
            "{n}; bytes invalid in it were replacement characters"
        )),
        (true, None) => Some(format!(
            "bytes invalid in the page's encoding {} were decoded as replacement characters",
            used.name()
        )),
        (false, n) => n,
    };
    Decoded {
        text: text.into_owned(),
        encoding: used.name(),
        warning,
    }
}

fn lossy_utf8(bytes: &[u8]) -> Decoded {
    let valid_up_to = std::str::from_utf8(bytes)
        .err()
        .map_or(0, |e| e.valid_up_to());
    Decoded {
        text: String::from_utf8_lossy(bytes).into_owned(),
        encoding: UTF_8.name(),
        warning: Some(format!(
            "invalid UTF-8 at byte {valid_up_to}: decoded lossily (replacement characters in the text)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(bytes: &[u8]) -> Decoded {
        decode(bytes, PageKind::Html)
    }

    #[test]
    fn meta_charset_windows_1252() {
        let d = html(b"<html><head><meta charset=\"windows-1252\"></head><body>Caf\xe9 \x93quoted\x94</body>");
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("Café “quoted”"), "{}", d.text);
        assert!(d.warning.is_none());
    }

    #[test]
    fn http_equiv_shift_jis() {
        // 日本語 in Shift-JIS.
        let d = html(b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"><p>\x93\xfa\x96\x7b\x8c\xea</p>");
        assert_eq!(d.encoding, "Shift_JIS");
        assert!(d.text.contains("<p>日本語</p>"), "{}", d.text);
    }

    #[test]
    fn byte_order_mark_wins_over_declaration() {
        let d = html(b"\xef\xbb\xbf<meta charset=\"iso-8859-1\"><p>Caf\xc3\xa9</p>");
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.starts_with("<meta") && d.text.contains("Café"));
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("<p>Ok</p>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(html(&utf16).text, "<p>Ok</p>");
    }

    #[test]
    fn undeclared_legacy_bytes_are_guessed_with_a_warning() {
        let d = html(
            b"<p>Le caf\xe9 \xe9tait ferm\xe9 depuis l'\xe9t\xe9, et la client\xe8le s'en \xe9tonnait.</p>",
        );
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("café était fermé"), "{}", d.text);
        assert!(d.warning.unwrap().contains("guessed"));
    }

    #[test]
    fn text_pages_stay_lossy_utf8() {
        let d = decode(b"Caf\xe9", PageKind::Text);
        assert_eq!(d.text, "Caf\u{fffd}");
        assert!(d.warning.unwrap().contains("invalid UTF-8 at byte 3"));
    }
}
