//! The streaming contract cluster engines rely on (Spark `RDD.pipe`, Hadoop Streaming):
//! `slant label -` and `slant predict -` answer each JSON line on stdin with exactly one line, in
//! order, carrying the input's id, as soon as it is labeled — a writer that waits for each answer
//! before sending the next line never stalls. Bad lines become error records (exit code 0); only
//! setup failures exit non-zero; the same input gives the same output however it arrives.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use serde_json::Value;

mod common;
use common::{repo, slant};

/// Longest wait for one answer; far above the milliseconds a line takes, far below "stalled".
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `slant` with its stdout lines arriving on a channel.
struct Conversation {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Conversation {
    fn start(args: &[&str]) -> Conversation {
        let mut child = slant()
            .current_dir(repo())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    return;
                }
            }
        });
        Conversation {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    /// Sends one line and waits for the one answer.
    fn ask(&mut self, line: &str) -> Value {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        let answer = self
            .lines
            .recv_timeout(ANSWER_TIMEOUT)
            .unwrap_or_else(|_| panic!("no answer to {line:?} within {ANSWER_TIMEOUT:?}"));
        serde_json::from_str(&answer).expect("every answer is one JSON line")
    }

    /// Closes stdin; returns the exit code and whatever else was written.
    fn finish(mut self) -> (i32, Vec<String>) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), self.lines.iter().collect())
    }
}

fn article(id: usize) -> String {
    serde_json::json!({
        "id": format!("s{id}"),
        "outlet": "Lakeside Gazette",
        "body": format!("The council met on day {id}. The budget passed."),
        "comments": [{"id": "c1", "text": "Thanks for the report."},
                     {"id": "c2", "text": "You idiot, what a moron."}],
    })
    .to_string()
}

#[test]
fn label_answers_each_line_before_the_next_is_sent() {
    let mut talk = Conversation::start(&["label", "--config", "seeds/slant.toml", "-"]);
    for i in 0..5 {
        let answer = talk.ask(&article(i));
        assert_eq!(answer["id"], format!("s{i}"), "{answer}");
        assert!(answer.get("error").is_none(), "{answer}");
        assert_eq!(answer["counts"]["comments"], 2);
    }
    // A bad line is answered too, with an error record naming the line; the run goes on.
    let bad = talk.ask("{not json");
    assert_eq!(bad["source"]["line"], 6);
    assert!(
        bad["error"].as_str().unwrap().contains("malformed JSON"),
        "{bad}"
    );
    // A record read but unusable keeps its id, so its answer can be matched to its input.
    let no_body = talk.ask(r#"{"id":"no-body","title":"Only a title"}"#);
    assert_eq!(no_body["id"], "no-body", "{no_body}");
    assert!(
        no_body["error"].as_str().unwrap().contains("no `body`"),
        "{no_body}"
    );
    let after = talk.ask(&article(7));
    assert_eq!(after["id"], "s7");
    let (code, rest) = talk.finish();
    assert_eq!(code, 0, "bad records are not setup failures");
    assert!(
        rest.is_empty(),
        "one answer per line, nothing more: {rest:?}"
    );
}

#[test]
fn predict_answers_each_line_before_the_next_is_sent() {
    let mut talk = Conversation::start(&["predict", "--model", "models/toxicity.model", "-"]);
    for (i, text) in ["Thanks for the report.", "You idiot.", "Useful summary."]
        .iter()
        .enumerate()
    {
        let line = serde_json::json!({"id": format!("p{i}"), "text": text}).to_string();
        let answer = talk.ask(&line);
        assert_eq!(answer["id"], format!("p{i}"), "{answer}");
        assert!(answer["scores"].is_object(), "{answer}");
    }
    let (code, rest) = talk.finish();
    assert_eq!(code, 0);
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn output_is_the_same_whether_lines_trickle_or_arrive_at_once() {
    let lines: Vec<String> = (0..40).map(article).collect();
    let mut talk = Conversation::start(&["label", "--config", "seeds/slant.toml", "-"]);
    let trickled: Vec<Value> = lines.iter().map(|l| talk.ask(l)).collect();
    assert_eq!(talk.finish().0, 0);

    let mut child = slant()
        .current_dir(repo())
        .args(["label", "--config", "seeds/slant.toml", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let all = lines.join("\n");
    let writer = std::thread::spawn(move || stdin.write_all(all.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    let at_once = common::records(&out);
    assert_eq!(at_once.len(), 40);
    assert_eq!(trickled, at_once);
}

#[test]
fn a_broken_model_is_a_setup_failure_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("broken.model");
    std::fs::write(&model, b"not a model at all").unwrap();
    let out = slant()
        .current_dir(repo())
        .args(["label", "--config", "seeds/slant.toml", "-"])
        .arg("--model")
        .arg(format!("toxicity={}", model.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.model"), "{stderr}");
    assert!(out.stdout.is_empty());
}
