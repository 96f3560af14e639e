//! Labeled phrases of a PTB-style sentiment tree (the Stanford Sentiment Treebank's `tree`
//! field): `(3 (2 The) (4 (3 lovely) (2 film)))` gives every subtree's label and its words.
//! Training on these phrases, not only on whole sentences, is how SST models learn that
//! "not good" is negative while "good" is positive (Socher et al. 2013).

/// One subtree: its label as written and its leaves joined by single spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub label: String,
    pub text: String,
    /// Number of leaves (words and punctuation tokens).
    pub words: usize,
}

/// Every subtree of `tree`, children before their parent, the whole sentence last. The PTB
/// escapes `-LRB-` / `-RRB-` become brackets again, as in SST's `text` field.
///
/// # Errors
/// A message with the byte offset when the text is not a well-formed labeled tree.
pub fn phrases(tree: &str) -> Result<Vec<Phrase>, String> {
    let mut parser = Parser {
        s: tree.as_bytes(),
        at: 0,
        out: Vec::new(),
    };
    parser.skip_spaces();
    parser.node(0)?;
    parser.skip_spaces();
    if parser.at != parser.s.len() {
        return Err(format!("tree: unexpected text at byte {}", parser.at));
    }
    Ok(parser.out)
}

/// Deepest nesting accepted (SST's deepest tree has about 50 levels).
const MAX_DEPTH: usize = 1000;

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
    out: Vec<Phrase>,
}

impl Parser<'_> {
    fn skip_spaces(&mut self) {
        while self.s.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        if self.s.get(self.at) == Some(&b) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!(
                "tree: expected `{}` at byte {}",
                char::from(b),
                self.at
            ))
        }
    }

    /// An atom: bytes up to a space or bracket.
    fn atom(&mut self) -> Result<&str, String> {
        let start = self.at;
        while self
            .s
            .get(self.at)
            .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'(' && *b != b')')
        {
            self.at += 1;
        }
        if start == self.at {
            return Err(format!("tree: expected a label or word at byte {start}"));
        }
        std::str::from_utf8(&self.s[start..self.at])
            .map_err(|_| format!("tree: invalid UTF-8 at byte {start}"))
    }

    /// `(label word)` or `(label child child…)`; returns the subtree's leaves.
    fn node(&mut self, depth: usize) -> Result<Vec<String>, String> {
        // A bound on nesting keeps a hostile file from overflowing the stack.
        if depth > MAX_DEPTH {
            return Err(format!(
                "tree: nested deeper than {MAX_DEPTH} at byte {}",
                self.at
            ));
        }
        self.expect(b'(')?;
        let label = self.atom()?.to_string();
        self.skip_spaces();
        let mut leaves = Vec::new();
        if self.s.get(self.at) == Some(&b'(') {
            while self.s.get(self.at) == Some(&b'(') {
                leaves.extend(self.node(depth + 1)?);
                self.skip_spaces();
            }
        } else {
            leaves.push(unescape(self.atom()?));
            self.skip_spaces();
        }
        self.expect(b')')?;
        self.out.push(Phrase {
            label,
            text: leaves.join(" "),
            words: leaves.len(),
        });
        Ok(leaves)
    }
}

fn unescape(word: &str) -> String {
    match word {
        "-LRB-" => "(".into(),
        "-RRB-" => ")".into(),
        w => w.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subtree_with_its_label_and_words() {
        let p = phrases("(3 (2 -LRB-) (4 (3 lovely) (2 film)))").unwrap();
        let got: Vec<(&str, &str, usize)> = p
            .iter()
            .map(|p| (p.label.as_str(), p.text.as_str(), p.words))
            .collect();
        assert_eq!(
            got,
            [
                ("2", "(", 1),
                ("3", "lovely", 1),
                ("2", "film", 1),
                ("4", "lovely film", 2),
                ("3", "( lovely film", 3),
            ]
        );
    }

    #[test]
    fn malformed_trees_are_errors_with_an_offset() {
        let deep = "(1 ".repeat(5000);
        for bad in ["", "(3 (2 a)", "(3 a) b", "(3 ())", "3 a", deep.as_str()] {
            let e = phrases(bad).unwrap_err();
            assert!(e.starts_with("tree:") && e.contains("byte"), "{e}");
        }
    }
}
