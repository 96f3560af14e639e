//! The byte classes the language check counts with, for a whole text, 64 bytes to a block and
//! one bit per byte: which bytes are ASCII whitespace, which are ASCII letters, and which may
//! put their piece (a run between whitespace) on the piece-by-piece count.
//!
//! With the classes as bits, a block's letters, visible characters and words are counted with a
//! few population counts, and its words' starts are visited by their set bits: no loop ends
//! where a piece or word ends, so no branch waits on a word's length (each piece's own loops,
//! and their exits, were most of the check's time). On x86-64 a block is classed 16 bytes at a
//! time with SSE2 (part of every x86-64 processor); elsewhere byte by byte, to the same bits.

/// Bytes in a block (one bit each in a `u64`).
pub(super) const BLOCK: usize = 64;

/// The classes of one block's bytes: bit `i` is byte `i` of the block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Block {
    /// ASCII whitespace (the ASCII bytes `char::is_whitespace` accepts: 9 to 13 and space); the
    /// places past the text's end are set too.
    pub space: u64,
    /// ASCII letters.
    pub letter: u64,
    /// Bytes whose piece may have to be counted piece by piece: every non-ASCII byte and every
    /// `:` (of a `://`), and an `@`, `#` or `w` (of `www.`) that starts a piece.
    pub odd: u64,
}

/// The classes of 64 bytes, before the piece starts are known.
struct Classes {
    space: u64,
    letter: u64,
    /// Non-ASCII bytes and `:`.
    odd_anywhere: u64,
    /// `@`, `#` and `w`: odd only where a piece starts.
    odd_at_start: u64,
}

/// Classes `text` into `blocks` (cleared first): one block per 64 bytes, the last one padded
/// with whitespace.
pub(super) fn classify(text: &[u8], blocks: &mut Vec<Block>) {
    blocks.clear();
    blocks.reserve(text.len().div_ceil(BLOCK));
    // The place before the text counts as whitespace: a piece may start at byte 0.
    let mut space_before = 1u64;
    for chunk in text.chunks(BLOCK) {
        let mut padded = [b' '; BLOCK];
        let bytes = match <&[u8; BLOCK]>::try_from(chunk) {
            Ok(bytes) => bytes,
            Err(_) => {
                padded[..chunk.len()].copy_from_slice(chunk);
                &padded
            }
        };
        let classes = classify_block(bytes);
        let piece_starts = !classes.space & (classes.space << 1 | space_before);
        space_before = classes.space >> 63;
        blocks.push(Block {
            space: classes.space,
            letter: classes.letter,
            odd: classes.odd_anywhere | (classes.odd_at_start & piece_starts),
        });
    }
}

/// The classes of a block's 64 bytes, 16 at a time ([`classify_16`]).
#[cfg(target_arch = "x86_64")]
fn classify_block(bytes: &[u8; BLOCK]) -> Classes {
    let mut classes = [0u64; 4];
    for (i, sixteen) in bytes.chunks_exact(16).enumerate() {
        let sixteen = <&[u8; 16]>::try_from(sixteen).expect("chunks of 16");
        for (class, bits) in classes.iter_mut().zip(classify_16(sixteen)) {
            *class |= u64::from(bits) << (16 * i);
        }
    }
    let [space, letter, odd_anywhere, odd_at_start] = classes;
    Classes {
        space,
        letter,
        odd_anywhere,
        odd_at_start,
    }
}

/// The four classes of 16 bytes, as [`Classes`] orders them.
#[cfg(target_arch = "x86_64")]
#[inline]
fn classify_16(bytes: &[u8; 16]) -> [u16; 4] {
    use std::arch::x86_64::*;
    // SAFETY: the load reads the 16 bytes of `bytes` (unaligned loads are allowed), and SSE2,
    // which the other intrinsics need, is part of the x86-64 baseline every build targets.
    unsafe {
        let b = _mm_loadu_si128(bytes.as_ptr().cast());
        let splat = |byte: u8| _mm_set1_epi8(byte as i8);
        let eq = |byte: u8| _mm_cmpeq_epi8(b, splat(byte));
        // `t <= most`, unsigned, byte by byte.
        let at_most = |t: __m128i, most: u8| _mm_cmpeq_epi8(_mm_min_epu8(t, splat(most)), t);
        let space = _mm_or_si128(eq(b' '), at_most(_mm_sub_epi8(b, splat(0x09)), 0x0D - 0x09));
        // Setting 0x20 folds upper case onto lower case; a non-ASCII byte stays above `z`.
        let folded = _mm_or_si128(b, splat(0x20));
        let letter = at_most(_mm_sub_epi8(folded, splat(b'a')), b'z' - b'a');
        let mask = |v: __m128i| _mm_movemask_epi8(v) as u16;
        [
            mask(space),
            mask(letter),
            // A non-ASCII byte has its top bit set, which is what the mask takes.
            mask(b) | mask(eq(b':')),
            mask(_mm_or_si128(_mm_or_si128(eq(b'@'), eq(b'#')), eq(b'w'))),
        ]
    }
}

/// The classes of a block's 64 bytes, where there is no SSE2: byte by byte.
#[cfg(not(target_arch = "x86_64"))]
fn classify_block(bytes: &[u8; BLOCK]) -> Classes {
    classify_block_bytewise(bytes)
}

/// [`classify_block`] byte by byte: the reference the SSE2 path is tested against, and the
/// path where there is no SSE2.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_block_bytewise(bytes: &[u8; BLOCK]) -> Classes {
    let mut classes = Classes {
        space: 0,
        letter: 0,
        odd_anywhere: 0,
        odd_at_start: 0,
    };
    for (i, &b) in bytes.iter().enumerate() {
        let bit = |is: bool| u64::from(is) << i;
        classes.space |= bit(b.is_ascii() && char::from(b).is_whitespace());
        classes.letter |= bit(b.is_ascii_alphabetic());
        classes.odd_anywhere |= bit(!b.is_ascii() || b == b':');
        classes.odd_at_start |= bit(matches!(b, b'@' | b'#' | b'w'));
    }
    classes
}

/// The bits of block `index` that fall in the text's byte range `from..to`.
pub(super) fn bits_in_block(index: usize, from: usize, to: usize) -> u64 {
    let low = from.saturating_sub(index * BLOCK).min(BLOCK);
    let high = to.saturating_sub(index * BLOCK).min(BLOCK);
    let below = |n: usize| {
        if n == BLOCK {
            u64::MAX
        } else {
            (1u64 << n) - 1
        }
    };
    below(high) & !below(low)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn both_ways_class_every_byte_alike() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(17);
        let check = |bytes: [u8; BLOCK]| {
            let (fast, slow) = (classify_block(&bytes), classify_block_bytewise(&bytes));
            assert_eq!(
                [
                    fast.space,
                    fast.letter,
                    fast.odd_anywhere,
                    fast.odd_at_start
                ],
                [
                    slow.space,
                    slow.letter,
                    slow.odd_anywhere,
                    slow.odd_at_start
                ],
                "{bytes:?}"
            );
        };
        // Every byte value in every place, then random blocks.
        for b in 0..=255u8 {
            check([b; BLOCK]);
            let mut bytes = [b'a'; BLOCK];
            bytes[usize::from(b) % BLOCK] = b;
            check(bytes);
        }
        for _ in 0..20_000 {
            check(std::array::from_fn(|_| rng.random()));
        }
    }

    #[test]
    fn odd_marks_start_bytes_only_where_a_piece_starts() {
        let text = b"www.x w@ #y :a a:b @z ww";
        let mut blocks = Vec::new();
        classify(text, &mut blocks);
        let odd: Vec<usize> = (0..text.len())
            .filter(|&i| blocks[0].odd >> i & 1 == 1)
            .collect();
        assert_eq!(odd, [0, 6, 9, 12, 16, 19, 22]);
        // The padding past the end is whitespace.
        assert_eq!(blocks[0].space >> text.len(), u64::MAX >> text.len());
    }

    #[test]
    fn a_pieces_start_is_seen_across_a_block_boundary() {
        let mut text = vec![b'x'; BLOCK - 1];
        text.extend_from_slice(b" @a xx@");
        let mut blocks = Vec::new();
        classify(&text, &mut blocks);
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            blocks[1].odd, 1,
            "the @ after the space, not the one inside a piece"
        );
    }

    #[test]
    fn bits_in_block_cover_the_range() {
        assert_eq!(bits_in_block(0, 0, 64), u64::MAX);
        assert_eq!(bits_in_block(0, 3, 5), 0b11000);
        assert_eq!(bits_in_block(1, 60, 70), 0b11_1111);
        assert_eq!(bits_in_block(0, 60, 70), 0xF << 60);
        assert_eq!(bits_in_block(2, 60, 70), 0);
    }
}
