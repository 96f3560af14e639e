//! Labeling one batch of articles: tokenize bodies (and comments, once, if any stage reads
//! them), then run each classifier stage over the units it reads, in order. A stage that drops
//! a comment removes it from every later stage.

use indexmap::IndexMap;

use super::language::{LanguageCheck, OtherLanguage};
use super::stage::ClassifierStage;
use super::units::{regroup, sentence_ranges, weighted_mean, Unit};
use super::{LabelOptions, Pipeline};
use crate::article::{Article, Comment};
use crate::labeled::{
    round4, CommentStages, CommentSummary, Cue, SentenceResult, StageResult, TokenOut,
};
use crate::plugin::{ClassifyInput, PluginError, StageInstance, TokenBatch};

/// The tokenized texts of a batch, shared by every stage.
pub struct BatchTexts<'a> {
    pub articles: &'a [&'a Article],
    pub bodies: Vec<&'a str>,
    pub body_tokens: TokenBatch,
    /// Every comment of the batch, in article order, and their tokens (if any stage reads them).
    pub comment_texts: Vec<&'a str>,
    pub comment_tokens: TokenBatch,
    /// The pipeline's tokenizer, for texts a stage brings itself (claims).
    pub tokenizer: &'a StageInstance,
}

/// What the stages have found so far about one article.
#[derive(Debug, Default)]
pub struct ArticleWork {
    pub stages: IndexMap<String, StageResult>,
    pub comments: Vec<CommentWork>,
    /// The body's detected language (ISO 639-3), when detection is reliable.
    pub language: Option<String>,
    /// The body is not in the models' language or is not text (see [`LanguageCheck`]).
    pub off_language: bool,
    /// Remarks for the output (language, garbage).
    pub warnings: Vec<String>,
    /// What the output says of the body's tokens (filled once every stage has run).
    pub tokens: BodyTokens,
}

/// The body's tokens as the output record gives them: how many, in how many sentences, and
/// (when asked for) each one.
#[derive(Debug, Default)]
pub struct BodyTokens {
    pub count: usize,
    pub sentences: u32,
    pub listed: Option<Vec<TokenOut>>,
}

impl BodyTokens {
    /// Document `i` of `tokens`; each token listed when `list`.
    pub fn of(tokens: &TokenBatch, i: usize, list: bool) -> BodyTokens {
        let doc_tokens = tokens.doc_tokens(i);
        BodyTokens {
            count: doc_tokens.len(),
            sentences: tokens.sentences[i],
            listed: list.then(|| {
                doc_tokens
                    .iter()
                    .map(|t| TokenOut {
                        term: tokens.term(t).to_string(),
                        start: t.byte_start,
                        end: t.byte_end,
                        sentence: t.sentence,
                    })
                    .collect()
            }),
        }
    }
}

impl ArticleWork {
    /// Under `other_language = "skip"`: removes the article-level results of a body that is not
    /// in the models' language (its comments keep theirs; each was judged on its own).
    pub fn drop_article_results(&mut self) {
        if !self.off_language {
            return;
        }
        for result in self.stages.values_mut() {
            *result = StageResult {
                comments: result.comments.take(),
                ..StageResult::default()
            };
        }
        self.stages.retain(|_, r| r.comments.is_some());
    }
}

/// A comment still in the article. The comment itself stays in the article, from which the
/// output record takes it: a copy of every comment's text per batch was a tenth of the
/// labeling threads' allocations.
#[derive(Debug)]
pub struct CommentWork {
    /// Its index in [`BatchTexts::comment_texts`].
    pub index: usize,
    /// Its place among its article's comments.
    pub position: usize,
    /// A filter replaced its text (the output writes
    /// [`super::filter::REDACTED`] in its place).
    pub redacted: bool,
    /// Not scored: not in the models' language under `other_language = "skip"`.
    pub skipped: bool,
    pub stages: CommentStages,
}

impl CommentWork {
    /// True when stages score this comment.
    fn scored(&self) -> bool {
        !self.redacted && !self.skipped
    }
}

impl Pipeline {
    /// Tokenizes the batch's texts.
    pub(super) fn batch_texts<'a>(
        &'a self,
        articles: &'a [&'a Article],
    ) -> Result<BatchTexts<'a>, PluginError> {
        let bodies: Vec<&str> = articles.iter().map(|a| a.body.as_str()).collect();
        let body_tokens = self.tokenizer.tokenize(&bodies)?;
        let reads_comments = self
            .classifiers
            .iter()
            .any(|s| s.reads.contains(&Unit::Comments));
        let comment_texts: Vec<&str> = articles
            .iter()
            .flat_map(|a| a.comments.iter().map(|c| c.text.as_str()))
            .collect();
        let comment_tokens = if reads_comments {
            self.tokenizer.tokenize(&comment_texts)?
        } else {
            TokenBatch::default()
        };
        Ok(BatchTexts {
            articles,
            bodies,
            body_tokens,
            comment_texts,
            comment_tokens,
            tokenizer: &self.tokenizer,
        })
    }
}

/// Explains one comment's decision from its scores (`--explain`), or gives nothing.
type ExplainComment<'a> = dyn Fn(&CommentWork, &[f32]) -> Option<Vec<Cue>> + 'a;

/// The work of each article before any stage ran: every comment, unscored, and the language
/// verdicts on the body and on each comment.
pub fn initial_work(articles: &[&Article], check: &LanguageCheck) -> Vec<ArticleWork> {
    let skip = check.policy == OtherLanguage::Skip;
    let mut index = 0;
    let mut work_of = |a: &Article| {
        let body = check.check(&a.body);
        let mut warnings: Vec<String> = body.problem.iter().map(|p| format!("body: {p}")).collect();
        let comments = a
            .comments
            .iter()
            .enumerate()
            .map(|(position, c)| {
                index += 1;
                let verdict = check.check(&c.text);
                if let Some(p) = &verdict.problem {
                    warnings.push(format!("comment {}: {p}", c.id));
                }
                CommentWork {
                    index: index - 1,
                    position,
                    redacted: false,
                    skipped: skip && verdict.problem.is_some(),
                    stages: CommentStages::default(),
                }
            })
            .collect();
        ArticleWork {
            stages: IndexMap::new(),
            comments,
            language: body.language.map(str::to_string),
            off_language: body.problem.is_some(),
            warnings,
            tokens: BodyTokens::default(),
        }
    };
    articles.iter().map(|a| work_of(a)).collect()
}

impl ClassifierStage {
    /// Runs this stage over every unit it reads.
    pub fn apply(
        &self,
        texts: &BatchTexts<'_>,
        work: &mut [ArticleWork],
        options: &LabelOptions,
    ) -> Result<(), PluginError> {
        for unit in &self.reads {
            match unit {
                Unit::Body => self.apply_body(texts, work, options)?,
                Unit::Sentences => self.apply_sentences(texts, work, options)?,
                Unit::Comments => self.apply_comments(texts, work, options)?,
                // Units that bring their own inputs (targets, claims): see their modules.
                Unit::Mentions => {
                    if let Some(finder) = &self.inputs.finder {
                        super::mentions::apply(self, finder, texts, work, options)?;
                    }
                }
                Unit::Claims => super::claims::apply(self, &self.inputs.claims, texts, work)?,
            }
        }
        Ok(())
    }

    fn result<'w>(&self, work: &'w mut ArticleWork) -> &'w mut StageResult {
        work.stages.entry(self.name.to_string()).or_default()
    }

    /// The cues behind output `output` of document `doc` of `batch`, when explaining.
    fn cues(
        &self,
        options: &LabelOptions,
        text: &str,
        batch: &TokenBatch,
        doc: usize,
        output: usize,
    ) -> Option<Vec<Cue>> {
        let explainer = self.explainer.as_ref().filter(|_| options.explain > 0)?;
        Some(explainer.explain(text, batch, doc, output, options.explain))
    }

    fn apply_body(
        &self,
        texts: &BatchTexts<'_>,
        work: &mut [ArticleWork],
        options: &LabelOptions,
    ) -> Result<(), PluginError> {
        let inputs = ClassifyInput::texts(&texts.bodies, &texts.body_tokens);
        let scores = self.instance.classify(&inputs, self.width())?;
        for (i, (w, row)) in work
            .iter_mut()
            .zip(scores.chunks_exact(self.width()))
            .enumerate()
        {
            let unit = self.unit(row);
            let decided = self.decided_output(row);
            let explain = self.cues(options, texts.bodies[i], &texts.body_tokens, i, decided);
            let result = self.result(w);
            result.explain = explain;
            result.label = unit.label;
            result.scores = Some(unit.scores);
            result.score = unit.score;
            result.flagged = unit.flagged;
            result.flagged_by = unit.flagged_by;
        }
        Ok(())
    }

    fn apply_sentences(
        &self,
        texts: &BatchTexts<'_>,
        work: &mut [ArticleWork],
        options: &LabelOptions,
    ) -> Result<(), PluginError> {
        let per_article: Vec<Vec<std::ops::Range<usize>>> = (0..work.len())
            .map(|i| sentence_ranges(&texts.body_tokens, i))
            .collect();
        let all: Vec<std::ops::Range<usize>> = per_article.iter().flatten().cloned().collect();
        let sentences = regroup(&texts.body_tokens, &all);
        let inputs: Vec<ClassifyInput<'_>> = per_article
            .iter()
            .enumerate()
            .flat_map(|(i, ranges)| std::iter::repeat_n(i, ranges.len()))
            .enumerate()
            .map(|(j, owner)| ClassifyInput {
                main: (texts.bodies[owner], &sentences, j),
                pair: None,
                target: "",
            })
            .collect();
        let k = self.width();
        let scores = if inputs.is_empty() {
            Vec::new()
        } else {
            self.instance.classify(&inputs, k)?
        };
        let mut at = 0;
        for (w, ranges) in work.iter_mut().zip(&per_article) {
            let rows = &scores[at * k..(at + ranges.len()) * k];
            at += ranges.len();
            let listed = options
                .sentences
                .then(|| self.sentence_list(&texts.body_tokens, ranges, rows));
            let aggregate = self.aggregate(rows, ranges, listed);
            let result = self.result(w);
            // A stage may also read comments: keep their summary.
            let comments = result.comments.take();
            *result = StageResult {
                comments,
                ..aggregate
            };
        }
        if options.explain > 0 {
            self.explain_articles(texts, work, options);
        }
        Ok(())
    }

    /// Explains each article's aggregated decision by the n-grams of its whole body.
    fn explain_articles(
        &self,
        texts: &BatchTexts<'_>,
        work: &mut [ArticleWork],
        options: &LabelOptions,
    ) {
        for (i, w) in work.iter_mut().enumerate() {
            let result = self.result(w);
            let Some(scores) = &result.scores else {
                continue;
            };
            let row: Vec<f32> = scores.values().map(|&v| v as f32).collect();
            let decided = self.decided_output(&row);
            result.explain = self.cues(options, texts.bodies[i], &texts.body_tokens, i, decided);
        }
    }

    /// The article-level result of its sentences: length-weighted mean of their outputs.
    fn aggregate(
        &self,
        rows: &[f32],
        ranges: &[std::ops::Range<usize>],
        sentences: Option<Vec<SentenceResult>>,
    ) -> StageResult {
        let weights: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let mean = weighted_mean(rows, self.width(), &weights);
        StageResult {
            label: mean.as_ref().and_then(|m| self.outputs.label(m)),
            scores: mean.as_ref().map(|m| self.outputs.scores(m)),
            score: mean.as_ref().and_then(|m| self.outputs.signed(m)),
            units: Some(ranges.len()),
            sentences,
            ..StageResult::default()
        }
    }

    fn sentence_list(
        &self,
        tokens: &TokenBatch,
        ranges: &[std::ops::Range<usize>],
        rows: &[f32],
    ) -> Vec<SentenceResult> {
        ranges
            .iter()
            .zip(rows.chunks_exact(self.width()))
            .map(|(r, row)| SentenceResult {
                start: tokens.tokens[r.start].byte_start,
                end: tokens.tokens[r.end - 1].byte_end,
                result: self.unit(row),
            })
            .collect()
    }

    fn apply_comments(
        &self,
        texts: &BatchTexts<'_>,
        work: &mut [ArticleWork],
        options: &LabelOptions,
    ) -> Result<(), PluginError> {
        let inputs: Vec<ClassifyInput<'_>> = work
            .iter()
            .flat_map(|w| w.comments.iter().filter(|c| c.scored()))
            .map(|c| ClassifyInput {
                main: (texts.comment_texts[c.index], &texts.comment_tokens, c.index),
                pair: None,
                target: "",
            })
            .collect();
        let k = self.width();
        let scores = if inputs.is_empty() {
            Vec::new()
        } else {
            self.instance.classify(&inputs, k)?
        };
        let mut rows = scores.chunks_exact(k);
        for (w, article) in work.iter_mut().zip(texts.articles) {
            let summary =
                self.score_comments(&mut w.comments, &article.comments, &mut rows, &|c, row| {
                    let decided = self.decided_output(row);
                    let text = texts.comment_texts[c.index];
                    self.cues(options, text, &texts.comment_tokens, c.index, decided)
                });
            self.result(w).comments = Some(summary);
        }
        Ok(())
    }

    /// Scores an article's comments (rows in order for those not redacted), applies the
    /// filter, and accounts for every comment. `originals` are the article's comments, which
    /// `comments` point into.
    fn score_comments<'r>(
        &self,
        comments: &mut Vec<CommentWork>,
        originals: &[Comment],
        rows: &mut impl Iterator<Item = &'r [f32]>,
        explain: &ExplainComment<'_>,
    ) -> CommentSummary {
        let mut summary = CommentSummary::default();
        let mut sums = vec![0f64; self.width()];
        let mut kept = Vec::with_capacity(comments.len());
        for mut c in comments.drain(..) {
            if !c.scored() {
                kept.push(c);
                continue;
            }
            let Some(row) = rows.next() else {
                kept.push(c); // cannot happen: one row per comment scored; never lose one
                continue;
            };
            summary.total += 1;
            sums.iter_mut()
                .zip(row)
                .for_each(|(s, &v)| *s += f64::from(v));
            let mut unit = self.unit(row);
            unit.explain = explain(&c, row);
            let flagged = unit.flagged == Some(true);
            summary.flagged += usize::from(flagged);
            c.stages.insert(self.name.clone(), unit);
            match (flagged, self.filter.as_ref().map(|f| f.action)) {
                (true, Some(super::FilterAction::Drop)) => {
                    summary.dropped += 1;
                    summary.dropped_ids.push(originals[c.position].id.clone());
                    continue;
                }
                (true, Some(super::FilterAction::Redact)) => {
                    c.redacted = true;
                    summary.redacted += 1;
                }
                _ => {}
            }
            kept.push(c);
        }
        *comments = kept;
        if summary.total > 0 {
            let n = summary.total as f64;
            let means: Vec<f64> = sums.iter().map(|s| s / n).collect();
            summary.mean = self.outputs.scores(&means);
        }
        if self.filter.is_some() {
            let rate = summary.flagged as f64 / summary.total.max(1) as f64;
            summary.flag_rate = Some(round4(rate));
        }
        summary
    }
}
