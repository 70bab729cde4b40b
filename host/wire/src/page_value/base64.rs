//! Standard base64 (RFC 4648's alphabet, with padding): how a page's
//! `Uint8Array` crosses the page bridge, which carries text only.
//!
//! Written here rather than taken from a crate: the wire crate keeps its
//! dependencies to what the fuzz targets already build. Decoding is strict,
//! so one byte string has one text: a character outside the alphabet, a
//! length that is not a whole number of groups, padding anywhere but at the
//! end, and bits set in the padding's place are all refused.

/// The 64 characters, in the order of the six-bit values they stand for.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// What a byte of text is not, in [`VALUES`].
const NOT_BASE64: u8 = 0xff;

/// Each byte's six-bit value, or [`NOT_BASE64`]: one look-up a character.
const VALUES: [u8; 256] = {
    let mut values = [NOT_BASE64; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        values[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    values
};

/// Why text is not base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum Base64Error {
    #[error("{0} characters, not a whole number of groups of 4")]
    Length(usize),
    #[error("the character at {0} is not base64")]
    Character(usize),
    #[error("the last group has bits set where its padding is")]
    TrailingBits,
}

/// The bytes as base64, padded to whole groups.
pub(super) fn encode(bytes: &[u8]) -> String {
    let digit = |n: u32, shift: u32| ALPHABET[((n >> shift) & 63) as usize];
    // Written into a buffer of the final size, group by group, so a
    // mebibyte costs no more than the look-ups.
    let mut text = vec![0u8; bytes.len().div_ceil(3) * 4];
    let (whole, last) = text.split_at_mut(bytes.len() / 3 * 4);
    let groups = bytes.chunks_exact(3);
    let rest = groups.remainder();
    for (group, out) in groups.zip(whole.chunks_exact_mut(4)) {
        let n = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        out.copy_from_slice(&[digit(n, 18), digit(n, 12), digit(n, 6), digit(n, 0)]);
    }
    match *rest {
        [a] => {
            let n = u32::from(a) << 16;
            last.copy_from_slice(&[digit(n, 18), digit(n, 12), b'=', b'=']);
        }
        [a, b] => {
            let n = u32::from(a) << 16 | u32::from(b) << 8;
            last.copy_from_slice(&[digit(n, 18), digit(n, 12), digit(n, 6), b'=']);
        }
        _ => {}
    }
    // Only the alphabet and `=` went in: ASCII, so this never falls back.
    String::from_utf8(text).unwrap_or_default()
}

/// The bytes that `text` encodes.
///
/// # Errors
/// [`Base64Error`] saying what is wrong first (positions count bytes of
/// the text, from 0).
pub(super) fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(4) {
        return Err(Base64Error::Length(text.len()));
    }
    let Some(last_at) = text.len().checked_sub(4) else {
        return Ok(Vec::new());
    };
    // Every group but the last decodes to three bytes, into a buffer of
    // their size; only the last may be padded.
    let (whole, last) = text.split_at(last_at);
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    bytes.resize(whole.len() / 4 * 3, 0);
    for (index, (group, out)) in whole
        .chunks_exact(4)
        .zip(bytes.chunks_exact_mut(3))
        .enumerate()
    {
        let n = sextets(group, index * 4)?;
        out.copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let padding = last.iter().rev().take_while(|&&c| c == b'=').count();
    if padding > 2 {
        return Err(Base64Error::Character(last_at + 4 - padding));
    }
    let n = sextets(&last[..4 - padding], last_at)?;
    match padding {
        0 => bytes.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]),
        // 18 bits: two bytes, then 2 bits that must be 0.
        1 if n & 0b11 == 0 => bytes.extend_from_slice(&[(n >> 10) as u8, (n >> 2) as u8]),
        // 12 bits: one byte, then 4 bits that must be 0.
        2 if n & 0b1111 == 0 => bytes.push((n >> 4) as u8),
        _ => return Err(Base64Error::TrailingBits),
    }
    Ok(bytes)
}

/// The six-bit values of a group's characters, one after the other; `at`
/// is where the group starts in the text.
fn sextets(group: &[u8], at: usize) -> Result<u32, Base64Error> {
    let mut n = 0u32;
    for (i, &c) in group.iter().enumerate() {
        let value = VALUES[usize::from(c)];
        if value == NOT_BASE64 {
            return Err(Base64Error::Character(at + i));
        }
        n = n << 6 | u32::from(value);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_rfc_vectors_encode_and_decode() {
        // RFC 4648, section 10.
        for (bytes, text) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(bytes.as_bytes()), text);
            assert_eq!(decode(text).unwrap(), bytes.as_bytes());
        }
        let every: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&every)).unwrap(), every);
        assert_eq!(encode(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn bad_text_is_refused_by_what_is_wrong() {
        assert_eq!(decode("Zg="), Err(Base64Error::Length(3)));
        assert_eq!(decode("Zm9vY"), Err(Base64Error::Length(5)));
        assert_eq!(decode("Zm9v Yg=="), Err(Base64Error::Length(9)));
        assert_eq!(decode("Zm9-"), Err(Base64Error::Character(3)));
        assert_eq!(decode("Zm9vYé=="), Err(Base64Error::Length(9)));
        assert_eq!(decode("Zm9vYé="), Err(Base64Error::Character(5)));
        // Padding only at the end, and at most two.
        assert_eq!(decode("Zg==Zm9v"), Err(Base64Error::Character(2)));
        assert_eq!(decode("Z==="), Err(Base64Error::Character(1)));
        assert_eq!(decode("===="), Err(Base64Error::Character(0)));
        assert_eq!(decode("Z=g="), Err(Base64Error::Character(1)));
        // "Zh==" and "Zm9=" would be "f" and "fo" with stray bits.
        assert_eq!(decode("Zh=="), Err(Base64Error::TrailingBits));
        assert_eq!(decode("Zm9="), Err(Base64Error::TrailingBits));
    }
}
