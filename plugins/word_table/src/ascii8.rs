//! Byte classes of eight bytes at once ("SWAR": one 64-bit register, no loop): which bytes are
//! ASCII whitespace, letters, letters or digits, and the bytes lower-cased. Scanning text byte by
//! byte, a loop ends where a word or piece ends, and that exit is a branch the processor cannot
//! predict (it depends on the word's length); a mask of the bytes that end it, and its lowest set
//! bit, find the same place without one. Used by the tokenizer's word scanner, the host's
//! mention finder, and the language check (which lower-cases its words with it).
//!
//! A mask marks a byte by its top bit (0x80) and leaves every other bit clear. A byte with its
//! top bit set (not ASCII) is never marked.

/// One in every byte.
pub const ONES: u64 = 0x0101_0101_0101_0101;
/// The top bit of every byte.
pub const HIGHS: u64 = ONES * 0x80;

/// The mask of the bytes of `low7` (bytes below 0x80) that are at least `lo`. Each byte's sum
/// stays below 0x100, so nothing carries into the next byte.
#[inline]
fn at_least(low7: u64, lo: u8) -> u64 {
    (low7 + ONES * u64::from(0x80 - lo)) & HIGHS
}

/// The mask of the bytes of `x` in `lo..=hi` (both below 0x80).
#[inline]
fn in_range(x: u64, lo: u8, hi: u8) -> u64 {
    let low7 = x & !HIGHS;
    at_least(low7, lo) & !at_least(low7, hi + 1) & !x
}

/// The ASCII whitespace of `char::is_whitespace`: tab, line feed, vertical tab, form feed,
/// carriage return (9 to 13) and space.
#[inline]
pub fn whitespace(x: u64) -> u64 {
    in_range(x, 0x09, 0x0D) | in_range(x, b' ', b' ')
}

/// The ASCII letters.
#[inline]
pub fn letters(x: u64) -> u64 {
    // Setting 0x20 folds upper case onto lower case (and leaves the top bits as they were, so
    // a non-ASCII byte stays unmarked).
    in_range(x | (ONES * 0x20), b'a', b'z')
}

/// The ASCII letters and digits.
#[inline]
pub fn alphanumerics(x: u64) -> u64 {
    letters(x) | in_range(x, b'0', b'9')
}

/// How many bytes a mask marks.
#[inline]
pub fn count(marks: u64) -> usize {
    // Each byte becomes 0 or 1; the multiplication sums them into the top byte (at most 8).
    ((marks >> 7).wrapping_mul(ONES) >> 56) as usize
}

/// The index (0 to 7) of the first byte a mask marks, 8 when it marks none.
#[inline]
pub fn first(marks: u64) -> usize {
    (marks.trailing_zeros() / 8) as usize
}

/// The bytes of `x` with ASCII upper-case letters lower-cased (for ASCII `x`: the additions
/// cannot carry from one byte into the next below 0x80).
#[inline]
pub fn lowercase(x: u64) -> u64 {
    let above_z = x + ONES * u64::from(0x7f - b'Z');
    let from_a = x + ONES * u64::from(0x80 - b'A');
    let upper = !above_z & from_a & HIGHS;
    x | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mask `class` should give for `bytes`, byte by byte.
    fn expected(bytes: [u8; 8], is: impl Fn(u8) -> bool) -> u64 {
        u64::from_le_bytes(bytes.map(|b| if is(b) { 0x80 } else { 0 }))
    }

    #[test]
    fn every_byte_in_every_place_is_classed_as_std_classes_it() {
        let is_space = |b: u8| b.is_ascii() && char::from(b).is_whitespace();
        // Each byte value beside every other, so a carry or borrow between neighbours shows.
        for b in 0..=255u8 {
            for other in 0..=255u8 {
                let bytes = [b, other, b, b, other, other, b, other];
                let x = u64::from_le_bytes(bytes);
                assert_eq!(whitespace(x), expected(bytes, is_space), "{bytes:?}");
                assert_eq!(letters(x), expected(bytes, |b| b.is_ascii_alphabetic()));
                assert_eq!(
                    alphanumerics(x),
                    expected(bytes, |b| b.is_ascii_alphanumeric())
                );
                assert_eq!(
                    count(letters(x)),
                    bytes.iter().filter(|b| b.is_ascii_alphabetic()).count()
                );
                let ascii = bytes.map(|b| b & 0x7F);
                assert_eq!(
                    lowercase(u64::from_le_bytes(ascii)),
                    u64::from_le_bytes(ascii.map(|b| b.to_ascii_lowercase()))
                );
            }
        }
        assert_eq!(first(0), 8);
        assert_eq!(first(0x80 << 24), 3);
    }
}
