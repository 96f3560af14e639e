//! The counts the language check decides by: a text's letters, visible characters, words and
//! function words.
//!
//! The text is classed as a whole first ([`blocks`](super::blocks): one bit per byte for
//! whitespace, for letters, and for the bytes that need a closer look). The pieces (runs between
//! ASCII whitespace) that are not plain ASCII prose, those with a non-ASCII byte and the
//! @-handles, #-hashtags and web addresses, are counted one by one, char by char or byte by
//! byte, and blanked out of the bits; the rest is counted from the bits a block at a time, each
//! word looked up as one lower-cased 16-byte key.

use std::cell::RefCell;

use slant_word_table::ascii8::lowercase;

use super::blocks::{bits_in_block, classify, Block, BLOCK};
use super::function_words::FunctionWords;
use super::{FAST_PATH_MIN_SHARE, FAST_PATH_MIN_WORDS};

thread_local! {
    /// The blocks of the text being counted, kept between texts so that counting allocates
    /// nothing once a thread has seen its longest text.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Blocks the reused list may keep room for between texts (a text of 1 MiB): one huge text's
/// list is dropped after it rather than held by the thread.
const BLOCKS_KEPT: usize = 1 << 14;

/// The letters, visible characters, words and function words of one text.
#[derive(Debug, Default)]
pub(super) struct TextCounts {
    pub letters: usize,
    pub visible: usize,
    pub words: usize,
    pub function_words: usize,
}

impl TextCounts {
    /// Counts `text`; words are runs of letters, compared lower-cased with `function_words`.
    /// The letters of @-handles, #-hashtags and web addresses count as letters but not as
    /// words: they are names, not language, and a tweet of three handles and six English words
    /// should not fall to the detector because `user` is no function word. The pieces are
    /// those of `split_whitespace`. (The check itself counts [`for_verdict`](Self::for_verdict);
    /// the tests measure shares with this full count.)
    #[cfg(test)]
    pub(super) fn of(text: &str, function_words: &FunctionWords) -> TextCounts {
        TextCounts::count(text, function_words, |_| usize::MAX)
    }

    /// The counts `of` gives, with the function words of plain ASCII prose looked up only until
    /// [`clearly_expected`](Self::clearly_expected) can no longer change its answer (its share
    /// of the text's words is reached): `function_words` may then fall short of the text's
    /// count, every other count and that answer are the same. Looking words up is most of the
    /// check's time, and an English text passes the share about two thirds of the way in.
    pub(super) fn for_verdict(text: &str, function_words: &FunctionWords) -> TextCounts {
        TextCounts::count(text, function_words, |counts| {
            counts.function_words_deciding(function_words)
        })
    }

    /// Counts `text`, looking the words of plain ASCII prose up until as many function words as
    /// `enough` says, given the other counts, are found.
    fn count(
        text: &str,
        function_words: &FunctionWords,
        enough: impl FnOnce(&TextCounts) -> usize,
    ) -> TextCounts {
        BLOCKS.with(|blocks| {
            let mut blocks = blocks.borrow_mut();
            classify(text.as_bytes(), &mut blocks);
            let mut counts = TextCounts::default();
            counts.add_odd_pieces(text, &mut blocks, function_words);
            counts.add_plain_blocks(&blocks);
            let enough = enough(&counts);
            counts.add_plain_function_words(text.as_bytes(), &blocks, function_words, enough);
            if blocks.capacity() > BLOCKS_KEPT {
                *blocks = Vec::new();
            }
            counts
        })
    }

    /// Counts, one by one, the pieces that their odd bytes make more than plain ASCII prose,
    /// and blanks them out of `blocks` (whitespace, no letters).
    fn add_odd_pieces(&mut self, text: &str, blocks: &mut [Block], function_words: &FunctionWords) {
        let bytes = text.as_bytes();
        let mut scratch = String::new();
        // The bytes before this place were counted with the piece they belong to.
        let mut counted_to = 0;
        for index in 0..blocks.len() {
            let mut odd = blocks[index].odd;
            while odd != 0 {
                let at = index * BLOCK + odd.trailing_zeros() as usize;
                odd &= odd - 1;
                if at < counted_to || !makes_piece_odd(bytes, at) {
                    continue;
                }
                let (start, end) = piece_around(blocks, at, bytes.len());
                self.add_piece(&text[start..end], function_words, &mut scratch);
                blank(blocks, start, end);
                counted_to = end;
            }
        }
    }

    /// Counts the visible characters, letters and words left in `blocks`: pieces of ASCII
    /// bytes, none a handle or an address.
    fn add_plain_blocks(&mut self, blocks: &[Block]) {
        for (block, word_starts) in blocks.iter().zip(word_starts(blocks)) {
            self.visible += (!block.space).count_ones() as usize;
            self.letters += block.letter.count_ones() as usize;
            self.words += word_starts.count_ones() as usize;
        }
    }

    /// Counts the function words among the words left in `blocks`, stopping after the block
    /// where the count reaches `enough`.
    fn add_plain_function_words(
        &mut self,
        bytes: &[u8],
        blocks: &[Block],
        function_words: &FunctionWords,
        enough: usize,
    ) {
        for (index, mut word_starts) in word_starts(blocks).enumerate() {
            if self.function_words >= enough {
                return;
            }
            let next_letters = blocks.get(index + 1).map_or(0, |next| next.letter);
            let not_letters = !(u128::from(blocks[index].letter) | u128::from(next_letters) << 64);
            while word_starts != 0 {
                let start = word_starts.trailing_zeros();
                word_starts &= word_starts - 1;
                // Exact up to 64 bytes; a word this long is measured again anyway.
                let len = (not_letters >> start).trailing_zeros() as usize;
                let at = index * BLOCK + start as usize;
                self.function_words +=
                    usize::from(is_function_word_at(bytes, at, len, function_words));
            }
        }
    }

    /// How many function words the lookups must find before the answer of
    /// [`clearly_expected`](Self::clearly_expected) can no longer change: its share of the
    /// text's words, or none when that answer cannot be yes (too few words, or a language
    /// without a list).
    fn function_words_deciding(&self, function_words: &FunctionWords) -> usize {
        if self.words < FAST_PATH_MIN_WORDS || function_words.is_empty() {
            return 0;
        }
        // A whole number of function words reaches a share exactly when it reaches its ceiling.
        (FAST_PATH_MIN_SHARE * self.words as f64).ceil() as usize
    }

    /// Counts one piece (no ASCII whitespace in it) the way its bytes need.
    fn add_piece(&mut self, piece: &str, function_words: &FunctionWords, scratch: &mut String) {
        if piece.is_ascii() {
            self.add_ascii_chunk(piece.as_bytes(), function_words);
        } else {
            // Cut at the rest of Unicode's whitespace, as `split_whitespace` would.
            for chunk in piece.split_whitespace() {
                self.add_chunk(chunk, function_words, scratch);
            }
        }
    }

    /// Counts one whitespace-free chunk, char by char.
    fn add_chunk(&mut self, chunk: &str, function_words: &FunctionWords, scratch: &mut String) {
        if is_handle_or_address(chunk) {
            for c in chunk.chars() {
                self.letters += usize::from(c.is_alphabetic());
                self.visible += 1;
            }
            return;
        }
        let mut word_start = None;
        for (at, c) in chunk.char_indices() {
            let letter = c.is_alphabetic();
            self.letters += usize::from(letter);
            self.visible += 1;
            match (letter, word_start) {
                (true, None) => word_start = Some(at),
                (false, Some(start)) => {
                    self.add_word(&chunk[start..at], function_words, scratch);
                    word_start = None;
                }
                _ => {}
            }
        }
        if let Some(start) = word_start {
            self.add_word(&chunk[start..], function_words, scratch);
        }
    }

    /// What [`add_chunk`](Self::add_chunk) counts, for a chunk of ASCII bytes.
    fn add_ascii_chunk(&mut self, chunk: &[u8], function_words: &FunctionWords) {
        let letters = chunk.iter().filter(|b| b.is_ascii_alphabetic()).count();
        self.visible += chunk.len();
        self.letters += letters;
        // A chunk of letters alone is one word (and no handle or address is all letters).
        if letters == chunk.len() {
            self.add_ascii_word(chunk, function_words);
        } else {
            self.add_ascii_words(chunk, function_words);
        }
    }

    /// Counts the words of an ASCII chunk that is not all letters: none when it is a handle or
    /// an address.
    fn add_ascii_words(&mut self, chunk: &[u8], function_words: &FunctionWords) {
        if is_handle_or_address_bytes(chunk) {
            return;
        }
        let words = chunk.split(|b| !b.is_ascii_alphabetic());
        for word in words.filter(|w| !w.is_empty()) {
            self.add_ascii_word(word, function_words);
        }
    }

    /// Counts one word of ASCII letters, and whether it is a function word.
    fn add_ascii_word(&mut self, word: &[u8], function_words: &FunctionWords) {
        self.words += 1;
        self.function_words += usize::from(function_words.contains_ascii(word));
    }

    /// Counts one word, and whether it is a function word.
    fn add_word(&mut self, word: &str, function_words: &FunctionWords, scratch: &mut String) {
        self.words += 1;
        self.function_words += usize::from(function_words.contains(word, scratch));
    }

    /// Whether the function-word share alone says the text is in the expected language.
    pub(super) fn clearly_expected(&self) -> bool {
        self.words >= FAST_PATH_MIN_WORDS
            && self.function_words as f64 >= FAST_PATH_MIN_SHARE * self.words as f64
    }
}

/// Whether a whitespace-free chunk is an @-handle, a #-hashtag or a web address.
fn is_handle_or_address(chunk: &str) -> bool {
    is_handle_or_address_bytes(chunk.as_bytes())
}

/// [`is_handle_or_address`] on bytes.
fn is_handle_or_address_bytes(chunk: &[u8]) -> bool {
    chunk.starts_with(b"@")
        || chunk.starts_with(b"#")
        || chunk.starts_with(b"www.")
        || chunk.windows(3).any(|w| w == b"://")
}

/// Whether the odd byte at `at` puts its piece on the piece-by-piece count: a non-ASCII byte,
/// the `:` of a `://`, an `@` or `#` that starts a piece ([`Block::odd`] marks no other), or the
/// `w` of a `www.` that starts one.
fn makes_piece_odd(bytes: &[u8], at: usize) -> bool {
    match bytes[at] {
        b':' => bytes[at + 1..].starts_with(b"//"),
        b'w' => bytes[at..].starts_with(b"www."),
        _ => true,
    }
}

/// The piece (the run between ASCII whitespace) holding byte `at`, as a byte range.
fn piece_around(blocks: &[Block], at: usize, text_len: usize) -> (usize, usize) {
    let (index, bit) = (at / BLOCK, at % BLOCK);
    let below_at = (1u64 << bit) - 1;
    // The last whitespace before `at`, looked for backwards block by block.
    let (mut block, mut before) = (index, blocks[index].space & below_at);
    while before == 0 && block > 0 {
        block -= 1;
        before = blocks[block].space;
    }
    let start = match before {
        0 => 0,
        _ => block * BLOCK + BLOCK - before.leading_zeros() as usize,
    };
    // The first whitespace after `at` (the padding past the text's end is whitespace).
    let (mut block, mut after) = (index, blocks[index].space & !below_at);
    while after == 0 && block + 1 < blocks.len() {
        block += 1;
        after = blocks[block].space;
    }
    let end = match after {
        0 => text_len,
        _ => text_len.min(block * BLOCK + after.trailing_zeros() as usize),
    };
    (start, end)
}

/// Marks bytes `start..end` as whitespace without letters.
fn blank(blocks: &mut [Block], start: usize, end: usize) {
    let first = start / BLOCK;
    for (index, block) in (first..).zip(&mut blocks[first..end.div_ceil(BLOCK)]) {
        let bits = bits_in_block(index, start, end);
        block.space |= bits;
        block.letter &= !bits;
    }
}

/// Each block's word starts: its letters that follow no letter (the letter before a block
/// is the last byte of the one before it).
fn word_starts(blocks: &[Block]) -> impl Iterator<Item = u64> + '_ {
    let mut letter_before = 0u64;
    blocks.iter().map(move |block| {
        let starts = block.letter & !(block.letter << 1 | letter_before);
        letter_before = block.letter >> 63;
        starts
    })
}

/// Whether the run of ASCII letters at `at` (`len` bytes, when that is 64 or less) is a
/// function word.
#[inline]
fn is_function_word_at(
    bytes: &[u8],
    at: usize,
    len: usize,
    function_words: &FunctionWords,
) -> bool {
    if len > 16 {
        let end = bytes[at..]
            .iter()
            .position(|b| !b.is_ascii_alphabetic())
            .map_or(bytes.len(), |n| at + n);
        return function_words.contains_ascii(&bytes[at..end]);
    }
    let keep = match len {
        16 => u128::MAX,
        _ => (1u128 << (8 * len)) - 1,
    };
    let key = load_16(bytes, at) & keep;
    let (low, high) = (key as u64, (key >> 64) as u64);
    let key = u128::from(lowercase(low)) | u128::from(lowercase(high)) << 64;
    function_words.contains_lowercase(key, len)
}

/// The 16 bytes at `at`, little-endian, zero past the text's end.
#[inline]
fn load_16(bytes: &[u8], at: usize) -> u128 {
    match bytes.get(at..at + 16) {
        Some(window) => u128::from_le_bytes(window.try_into().unwrap_or_default()),
        None => {
            let mut window = [0u8; 16];
            window[..bytes.len() - at].copy_from_slice(&bytes[at..]);
            u128::from_le_bytes(window)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The counts by the general (char by char, string lookup) loop alone, as before the
    /// ASCII path existed.
    fn reference_counts(text: &str, function_words: &FunctionWords) -> [usize; 4] {
        let mut counts = TextCounts::default();
        let mut scratch = String::new();
        for chunk in text.split_whitespace() {
            let handle = is_handle_or_address(chunk);
            let mut word_start = None;
            for (at, c) in chunk.char_indices().chain([(chunk.len(), ' ')]) {
                let letter = c.is_alphabetic();
                if at < chunk.len() {
                    counts.letters += usize::from(letter);
                    counts.visible += 1;
                }
                match (letter && at < chunk.len(), word_start) {
                    (true, None) => word_start = Some(at),
                    (false, Some(start)) if !handle => {
                        counts.add_word(&chunk[start..at], function_words, &mut scratch);
                        word_start = None;
                    }
                    _ => {}
                }
            }
        }
        [
            counts.letters,
            counts.visible,
            counts.words,
            counts.function_words,
        ]
    }

    /// Pieces of text to build test texts from: words, function words, odd bytes and the
    /// edges of the 16-byte key and the 64-byte blocks.
    const PIECES: &[&str] = &[
        "the",
        "The",
        "THE",
        "of",
        "And",
        "yourselves",
        "YOURSELVES",
        "themselvesandmore",
        "\u{b}",
        "\u{c}",
        "\u{85}",
        "\u{2003}",
        "the\u{a0}war",
        "ftp://x",
        "a://",
        "www.",
        "@",
        "#",
        "war",
        "Syria",
        "don't",
        "it's",
        "x",
        "a1b",
        "@user",
        "#tag",
        "www.example.org",
        "https://a.b/c",
        "naïve",
        "ÉTÉ",
        "über",
        "1234",
        "!!",
        "--",
        "\u{a0}",
        "\t",
        "\n",
        " ",
        " ",
        " ",
        ",",
        ".",
        "(",
        ")",
        "aaaaaaaaaaaaaaaab",
        "of2",
        "İs",
        // Around the 16-byte key.
        "fifteen-letters",
        "@sixteen_letters",
        "www.seventeen.xy",
        "a://fifteenbytes",
        "Notwithstanding",
        "THEMSELVESOURSEL",
        "café-fifteen",
        "sixteenletterss",
        "a",
        "w",
        "ww",
        ":",
        "/",
        "//",
        "x@y",
        "a#b",
        // Across the 64-byte blocks.
        "thethethethethethethethethethethethethethethethethethethethethethethethethethe",
        "https://example.com/a-very-long-address/that/runs/over/a/block/boundary/and/on",
        "@a_handle_long_enough_to_cross_a_block_boundary_whereever_it_starts_in_one",
        "Ünïcödé-wörds-ünd-möre-Ünïcödé-wörds-ünd-möre-Ünïcödé-wörds-ünd-möre-Ünï",
    ];

    #[test]
    fn the_blocks_count_like_the_general_loop() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let english = FunctionWords::of(Some(whatlang::Lang::Eng));
        for _ in 0..20_000 {
            let n = rng.random_range(0..100);
            let text: String = (0..n)
                .map(|_| PIECES[rng.random_range(0..PIECES.len())])
                .collect();
            let counts = TextCounts::of(&text, &english);
            let got = [
                counts.letters,
                counts.visible,
                counts.words,
                counts.function_words,
            ];
            assert_eq!(got, reference_counts(&text, &english), "{text:?}");
        }
    }

    #[test]
    fn counting_for_the_verdict_decides_as_counting_everything() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let english = FunctionWords::of(Some(whatlang::Lang::Eng));
        let function_words = ["the", "of", "And", "it's", "THE"];
        let (mut expected, mut not_expected, mut stopped_short) = (0, 0, 0);
        for _ in 0..20_000 {
            // A share of function words from none to most, so that texts fall on both sides.
            let share = rng.random_range(0.0..0.8);
            let n = rng.random_range(0..120);
            let text: String = (0..n)
                .map(|_| match rng.random_bool(share) {
                    true => function_words[rng.random_range(0..function_words.len())],
                    false => PIECES[rng.random_range(0..PIECES.len())],
                })
                .map(|piece| format!("{piece} "))
                .collect();
            let all = TextCounts::of(&text, &english);
            let verdict = TextCounts::for_verdict(&text, &english);
            assert_eq!(
                [verdict.letters, verdict.visible, verdict.words],
                [all.letters, all.visible, all.words],
                "{text:?}"
            );
            assert!(verdict.function_words <= all.function_words, "{text:?}");
            stopped_short += usize::from(verdict.function_words < all.function_words);
            assert_eq!(
                verdict.clearly_expected(),
                all.clearly_expected(),
                "{text:?}"
            );
            match all.clearly_expected() {
                true => expected += 1,
                false => not_expected += 1,
            }
        }
        assert!(
            expected > 1000 && not_expected > 1000,
            "{expected} / {not_expected}"
        );
        assert!(stopped_short > 1000, "{stopped_short}");
        // Without a list, no word is looked up.
        let none = FunctionWords::of(None);
        assert_eq!(
            TextCounts::for_verdict("the of and the of and the of", &none).function_words,
            0
        );
    }
}
