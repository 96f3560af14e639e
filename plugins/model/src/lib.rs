//! # slant-model
//!
//! The one path from tokens to decisions, shared by `slant train` and every classifier plugin:
//! - [`features`]: tokens → hashed sparse n-gram features (word, char, target-window, pair);
//! - [`model`]: selected columns, weighting, normalization, linear softmax heads, explanations;
//! - `projector`: serving — a document's features counted straight into a model's columns,
//!   with a per-model, per-thread memo of the columns each word's char n-grams select;
//! - [`format`]: the validated binary model file.

mod cues;
pub mod features;
mod few_terms;
pub mod format;
pub mod model;
mod projector;
pub mod settings;
mod word_memo;

pub use features::{extract, FeatureSpec, Sparse, WordHash};
pub use format::{
    format_version, from_bytes, read_file, to_bytes, ModelError, FORMAT_VERSION,
    OLDEST_FORMAT_VERSION,
};
pub use model::{softmax, Contribution, HeadSpec, HeadWeights, InputKind, Model, ModelHeader};
pub use settings::model_from_settings;

/// A seeded xorshift64 stream for the randomized tests (no crate needed, and the same draws on
/// every run): each call draws a number in `0..n`.
#[cfg(test)]
pub(crate) fn xorshift(mut state: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn tiny() -> Model {
        Model::new(
            ModelHeader {
                task: "toxicity".into(),
                input: InputKind::Text,
                heads: vec![HeadSpec {
                    name: "toxic".into(),
                    classes: vec!["no".into(), "yes".into()],
                    positive: Some("yes".into()),
                    temperature: 1.0,
                    threshold: Some(0.5),
                }],
                features: FeatureSpec::default(),
                tokenizer_fingerprint: "fp".into(),
                weighting: "idf".into(),
                learner: serde_json::json!({"name": "test"}),
                training: serde_json::json!({}),
                metrics: serde_json::json!({}),
                seed: 7,
                slant_version: "0".into(),
            },
            vec![3, 9, 100],
            vec![1.0, 2.0, 0.5],
            vec![HeadWeights {
                weights: vec![0.0, 1.0, 0.0, -1.0, 0.5, 0.5],
                bias: vec![0.1, -0.1],
            }],
        )
    }

    fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
        let n = bytes.len() - 32;
        let digest = Sha256::digest(&bytes[..n]);
        bytes[n..].copy_from_slice(&digest);
        bytes
    }

    #[test]
    fn round_trips_byte_for_byte() {
        let m = tiny();
        let bytes = to_bytes(&m).unwrap();
        let back = from_bytes(&bytes, "m").unwrap();
        assert_eq!(back, m);
        assert_eq!(to_bytes(&back).unwrap(), bytes);
    }

    #[test]
    fn projection_normalizes_and_predicts_probabilities() {
        let m = tiny();
        let x = m.project(&vec![(3, 1.0), (50, 4.0), (100, 2.0)]);
        assert_eq!(x.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 2]);
        let norm: f32 = x.iter().map(|p| p.1 * p.1).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        let mut out = [0.0; 2];
        m.predict_into(&x, &mut out);
        assert!((out[0] + out[1] - 1.0).abs() < 1e-6);
        // z = bias + x·W with x = (1/√2, 1/√2) on columns 0 and 2: p(yes) = σ(1/√2 − 0.2).
        let expected = 1.0 / (1.0 + (0.2f32 - 0.5f32.sqrt()).exp());
        assert!((out[1] - expected).abs() < 1e-5, "{out:?} vs {expected}");
    }

    #[test]
    fn fused_featurize_equals_project_of_extract() {
        use slant_sdk::{DocView, TextView, Token};
        let text =
            "Zürich police said the protest was peaceful, the protest organisers said so too";
        let mut tokens = Vec::new();
        let mut pos = 0;
        for (i, w) in text.split(' ').enumerate() {
            tokens.push(Token {
                term_start: pos as u32,
                term_len: w.len() as u32,
                byte_start: pos as u32,
                byte_end: (pos + w.len()) as u32,
                sentence: (i / 6) as u32,
                flags: 0,
            });
            pos += w.len() + 1;
        }
        let doc = DocView {
            main: TextView::new(text, &tokens, text),
            pair: TextView::new("", &[], ""),
            target: "",
        };
        let mut m = tiny();
        m.header.features.char_ngrams = Some([2, 4]);
        m.header.features.hash_bits = 16;
        // Select every third bucket the document produces, plus some it does not.
        let raw = extract(&m.header.features, &doc);
        let mut ids: Vec<u32> = raw
            .iter()
            .map(|p| p.0)
            .step_by(3)
            .chain([1, 2, 65535])
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let weights: Vec<f32> = (0..ids.len()).map(|i| 0.5 + i as f32 / 7.0).collect();
        let m = Model::new(m.header, ids, weights, Vec::new());
        let fused = m.featurize(&doc);
        assert!(!fused.is_empty());
        assert_eq!(fused, m.project(&raw));
    }

    #[test]
    fn predictions_on_the_stack_and_the_heap_equal_predict_into_of_featurize() {
        use slant_sdk::{DocView, TextView, Token};
        let text = "alpha beta gamma";
        let tokens: Vec<Token> = [(0, 5), (6, 10), (11, 16)]
            .map(|(a, b)| Token {
                term_start: a,
                term_len: b - a,
                byte_start: a,
                byte_end: b,
                sentence: 0,
                flags: 0,
            })
            .to_vec();
        let doc = DocView {
            main: TextView::new(text, &tokens, text),
            pair: TextView::new("", &[], ""),
            target: "",
        };
        let spec = FeatureSpec::default();
        let ids: Vec<u32> = extract(&spec, &doc).iter().map(|p| p.0).collect();
        // Two classes (on the stack) and more classes than the stack holds (on the heap).
        for k in [2, model::STACK_OUTPUTS + 4] {
            let mut header = tiny().header;
            header.heads[0].classes = (0..k).map(|c| format!("c{c}")).collect();
            header.heads[0].positive = None;
            header.heads[0].threshold = None;
            let weights = (0..ids.len() * k).map(|i| (i % 7) as f32 - 3.0).collect();
            let bias = (0..k).map(|c| c as f32 / 10.0).collect();
            let m = Model::new(
                header,
                ids.clone(),
                vec![1.0; ids.len()],
                vec![HeadWeights { weights, bias }],
            );
            let mut expected = vec![0.0; k];
            m.predict_into(&m.featurize(&doc), &mut expected);
            let got = m.with_prediction(&doc, <[f32]>::to_vec);
            assert_eq!(got, expected, "{k} classes");
            assert_eq!(m.predict(&doc), expected, "{k} classes");
            assert!((expected.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn every_damage_is_a_clear_error() {
        let good = to_bytes(&tiny()).unwrap();
        // Truncated anywhere.
        for cut in [0, 5, 12, 30, good.len() / 2, good.len() - 1] {
            assert!(from_bytes(&good[..cut], "m").is_err(), "cut at {cut}");
        }
        // Wrong magic.
        let mut b = good.clone();
        b[0] = b'X';
        assert!(matches!(from_bytes(&b, "m"), Err(ModelError::Magic { .. })));
        // Wrong version.
        let mut b = good.clone();
        b[8] = 9;
        assert!(matches!(
            from_bytes(&b, "m"),
            Err(ModelError::Version { found: 9, .. })
        ));
        // Bit flip.
        let mut b = good.clone();
        let mid = b.len() - 40;
        b[mid] ^= 0x10;
        assert!(matches!(
            from_bytes(&b, "m"),
            Err(ModelError::Checksum { .. })
        ));
        // Hostile lengths with a valid checksum: header length, then feature count.
        let mut b = good.clone();
        b[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
        let e = from_bytes(&reseal(b), "m").unwrap_err().to_string();
        assert!(e.contains("header length"), "{e}");
        let header_len = u64::from_le_bytes(good[12..20].try_into().unwrap()) as usize;
        let mut b = good.clone();
        let at = 20 + header_len;
        b[at..at + 8].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
        let e = from_bytes(&reseal(b), "m").unwrap_err().to_string();
        assert!(e.contains("cannot fit"), "{e}");
        // Random bytes behind a valid prefix.
        let mut b = good[..20].to_vec();
        b.extend((0..500u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
        assert!(from_bytes(&reseal(b), "m").is_err());
    }
}
