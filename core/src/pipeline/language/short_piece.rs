//! A whitespace-free piece of up to 15 bytes judged from one 16-byte load, without a loop: where
//! it ends, whether it is ASCII, how many of its bytes are letters, and its lower-cased
//! function-word key, all from the same two registers (eight bytes at a time, "SWAR").
//!
//! Nearly every piece of prose is that short. Counted byte by byte, each piece ran three loops
//! as long as itself (finding its end, checking it is ASCII, counting its letters), and each
//! loop's exit was a branch the processor could not predict (the piece's length): that, more
//! than the work, was the language check's cost.

use slant_word_table::ascii8;

/// A piece of 1 to 15 bytes that ends at an ASCII whitespace byte, read from the 16 bytes at
/// its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ShortPiece {
    /// Its length in bytes.
    pub len: usize,
    /// Its bytes, little-endian and zero-padded past `len` (the layout of
    /// `function_words::pack16`).
    pub bytes: u128,
}

impl ShortPiece {
    /// The piece that starts at `window[0]` (not whitespace), when it ends inside `window`;
    /// `None` when the 16 bytes hold no whitespace (a piece of 16 bytes or more).
    #[inline]
    pub(super) fn at(window: &[u8; 16]) -> Option<ShortPiece> {
        let (lo, hi) = halves(u128::from_le_bytes(*window));
        let ends = u128::from(ascii8::whitespace(lo)) | u128::from(ascii8::whitespace(hi)) << 64;
        if ends == 0 {
            return None;
        }
        let len = (ends.trailing_zeros() / 8) as usize;
        let keep = (1u128 << (8 * len)) - 1;
        Some(ShortPiece {
            len,
            bytes: u128::from_le_bytes(*window) & keep,
        })
    }

    /// Whether every byte is ASCII.
    #[inline]
    pub(super) fn is_ascii(self) -> bool {
        let (lo, hi) = halves(self.bytes);
        (lo | hi) & ascii8::HIGHS == 0
    }

    /// How many bytes are ASCII letters.
    #[inline]
    pub(super) fn letters(self) -> usize {
        let (lo, hi) = halves(self.bytes);
        ascii8::count(ascii8::letters(lo)) + ascii8::count(ascii8::letters(hi))
    }

    /// The bytes lower-cased (ASCII letters only), as `function_words::pack_lowercase` packs
    /// them.
    #[inline]
    pub(super) fn lowercase(self) -> u128 {
        let (lo, hi) = halves(self.bytes);
        u128::from(ascii8::lowercase(lo)) | u128::from(ascii8::lowercase(hi)) << 64
    }
}

fn halves(x: u128) -> (u64, u64) {
    (x as u64, (x >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// What the loads must agree with, byte by byte.
    fn by_bytes(window: &[u8; 16]) -> Option<(usize, bool, usize, Vec<u8>)> {
        let is_space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ');
        let len = window.iter().position(|&b| is_space(b))?;
        let piece = &window[..len];
        Some((
            len,
            piece.is_ascii(),
            piece.iter().filter(|b| b.is_ascii_alphabetic()).count(),
            piece.to_ascii_lowercase(),
        ))
    }

    #[test]
    fn a_short_piece_reads_as_its_bytes_do() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(13);
        // Bytes drawn mostly from the edges of the ranges tested: letters, whitespace, and
        // their neighbours, and now and then any byte at all.
        let edges = [
            0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x1F, 0x20, 0x21, b'@', b'A', b'Z', b'[',
            b'`', b'a', b'z', b'{', 0x7F, 0x80, 0x89, 0xA0, 0xC3, 0xE2, 0xFF,
        ];
        for _ in 0..200_000 {
            let mut window = [0u8; 16];
            let space_from = rng.random_range(0..=17);
            for (i, b) in window.iter_mut().enumerate() {
                *b = match rng.random_range(0..4) {
                    0 => rng.random(),
                    1 => edges[rng.random_range(0..edges.len())],
                    _ if i < space_from => rng.random_range(b'a'..=b'z'),
                    _ => b' ',
                };
            }
            let piece = ShortPiece::at(&window);
            let expected = by_bytes(&window);
            assert_eq!(
                piece.map(|p| p.len),
                expected.as_ref().map(|e| e.0),
                "{window:?}"
            );
            let (Some(piece), Some((len, ascii, letters, lower))) = (piece, expected) else {
                continue;
            };
            assert_eq!(piece.is_ascii(), ascii, "{window:?}");
            assert_eq!(piece.letters(), letters, "{window:?}");
            if ascii {
                let mut packed = [0u8; 16];
                packed[..len].copy_from_slice(&lower);
                assert_eq!(piece.lowercase(), u128::from_le_bytes(packed), "{window:?}");
            }
        }
    }
}
