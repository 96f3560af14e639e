//! Fuzz target: the model file loader. The last 32 bytes are replaced by the SHA-256 of the rest,
//! so mutations reach the header and weight checks instead of stopping at the checksum. A model
//! that loads must then score a document without panicking and give probabilities.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use slant_model::format::from_bytes;
use slant_sdk::{DocView, TextView, Token};

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    if bytes.len() >= 32 {
        let n = bytes.len() - 32;
        let digest = Sha256::digest(&bytes[..n]);
        bytes[n..].copy_from_slice(&digest);
    }
    let Ok(model) = from_bytes(&bytes, "fuzz.model") else {
        return;
    };
    let text = "you are awful people";
    let terms = "youareawfulpeopl";
    let token = |start: u32, end: u32, term_start: u32, term_len: u32| Token {
        term_start,
        term_len,
        byte_start: start,
        byte_end: end,
        sentence: 0,
        flags: 0,
    };
    let tokens = [
        token(0, 3, 0, 3),
        token(4, 7, 3, 3),
        token(8, 13, 6, 5),
        token(14, 20, 11, 5),
    ];
    let view = TextView::new(text, &tokens, terms);
    let doc = DocView {
        main: view,
        pair: view,
        target: "people",
    };
    let scores = model.predict(&doc);
    assert_eq!(scores.len(), model.n_outputs());
    for s in scores {
        assert!(
            (0.0..=1.0).contains(&s),
            "score {s} from a model that loaded"
        );
    }
});
