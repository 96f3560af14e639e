//! The columns of a batch the Parquet / Arrow reader takes from their arrays rather than through
//! each row's JSON text: the article's text fields (the body is most of a row's bytes, and was
//! written as escaped JSON text only to be parsed back), and `comments` when it is a list of
//! structs whose comment fields are text (the shape slant itself writes, and the usual one in a
//! data lake). Each gives the values the row's JSON text would have given: a null cell is a
//! field left out, a null comment is a JSON `null`, a comment's other fields are dropped.
//! Every other column, and `comments` of any other shape, stays in [`Columns::rest`]. Of two
//! columns of one name, the one read from its arrays wins (through the text, the last did).

use std::ops::Range;

use arrow_array::cast::AsArray;
use arrow_array::{
    Array, ArrayRef, LargeListArray, LargeStringArray, ListArray, RecordBatch, StringArray,
    StringViewArray, StructArray,
};
use arrow_schema::{ArrowError, DataType};
use serde_json::Value;

use crate::ingest::record::{ArticleFields, RawComment, ARTICLE_KEYS, COMMENT_KEYS};

/// A batch's columns as the reader takes them.
pub(super) struct Columns<'a> {
    /// The text columns that are article fields, each with its place in [`ARTICLE_KEYS`].
    texts: Vec<(usize, TextColumn<'a>)>,
    /// The `comments` column, when its shape is read from its arrays.
    pub(super) comments: Option<CommentColumn<'a>>,
    /// The batch of the other columns, read through each row's JSON text (`None` when there are
    /// none).
    pub(super) rest: Option<RecordBatch>,
}

impl<'a> Columns<'a> {
    /// Divides the columns of `batch` into those read from their arrays and the rest.
    pub(super) fn of(batch: &'a RecordBatch) -> Result<Columns<'a>, ArrowError> {
        let mut texts = Vec::new();
        let mut comments = None;
        let mut others = Vec::new();
        let fields = batch.schema_ref().fields();
        for (at, (field, column)) in fields.iter().zip(batch.columns()).enumerate() {
            let key = ARTICLE_KEYS.iter().position(|k| k == field.name());
            match (key, TextColumn::of(column)) {
                (Some(key), Some(text)) => texts.push((key, text)),
                _ if field.name() == "comments" && comments.is_none() => {
                    match CommentColumn::of(column) {
                        Some(column) => comments = Some(column),
                        None => others.push(at),
                    }
                }
                _ => others.push(at),
            }
        }
        let rest = match others.is_empty() {
            true => None,
            false => Some(batch.project(&others)?),
        };
        Ok(Columns {
            texts,
            comments,
            rest,
        })
    }

    /// Puts row `row`'s values of the columns read from their arrays into `fields`.
    pub(super) fn fill(&self, row: usize, fields: &mut ArticleFields) {
        for (key, column) in &self.texts {
            fields.known[*key] = column.string(row);
        }
        if let Some(comments) = &self.comments {
            fields.comments = comments.list(row);
        }
    }
}

/// A column of text, whichever of Arrow's string types holds it.
enum TextColumn<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> TextColumn<'a> {
    /// `column` as text, if it is of a string type.
    fn of(column: &'a ArrayRef) -> Option<TextColumn<'a>> {
        match column.data_type() {
            DataType::Utf8 => Some(TextColumn::Utf8(column.as_string::<i32>())),
            DataType::LargeUtf8 => Some(TextColumn::LargeUtf8(column.as_string::<i64>())),
            DataType::Utf8View => Some(TextColumn::View(column.as_string_view())),
            _ => None,
        }
    }

    /// The text of row `row`; `None` when the cell is null (as the row's JSON text leaves it out).
    fn text(&self, row: usize) -> Option<&'a str> {
        match self {
            TextColumn::Utf8(a) => a.is_valid(row).then(|| a.value(row)),
            TextColumn::LargeUtf8(a) => a.is_valid(row).then(|| a.value(row)),
            TextColumn::View(a) => a.is_valid(row).then(|| a.value(row)),
        }
    }

    /// [`TextColumn::text`] as the JSON value the row's text would have held.
    fn string(&self, row: usize) -> Option<Value> {
        self.text(row).map(|t| Value::String(t.to_owned()))
    }
}

/// A `comments` column of lists (of either offset width) of structs whose comment fields
/// ([`COMMENT_KEYS`]) are text.
pub(super) struct CommentColumn<'a> {
    lists: Lists<'a>,
    comments: &'a StructArray,
    /// The text column of each of [`COMMENT_KEYS`] the structs have.
    fields: [Option<TextColumn<'a>>; COMMENT_KEYS.len()],
}

impl<'a> CommentColumn<'a> {
    /// `column` as comments, if it has that shape (a comment field of another type, a number
    /// as the id say, leaves the column to the JSON text).
    fn of(column: &'a ArrayRef) -> Option<CommentColumn<'a>> {
        let lists = match column.data_type() {
            DataType::List(_) => Lists::Small(column.as_list::<i32>()),
            DataType::LargeList(_) => Lists::Large(column.as_list::<i64>()),
            _ => return None,
        };
        let comments = lists.values().as_struct_opt()?;
        let mut fields: [Option<TextColumn<'a>>; COMMENT_KEYS.len()] = Default::default();
        for (field, child) in comments.fields().iter().zip(comments.columns()) {
            if let Some(key) = COMMENT_KEYS.iter().position(|k| k == field.name()) {
                fields[key] = Some(TextColumn::of(child)?);
            }
        }
        Some(CommentColumn {
            lists,
            comments,
            fields,
        })
    }

    /// Row `row`'s comments; `None` when the cell is null.
    fn list(&self, row: usize) -> Option<RawComment> {
        let items = self.lists.items(row)?;
        Some(RawComment::List(items.map(|i| self.comment(i)).collect()))
    }

    /// Comment `i` of the structs: its comment fields, or `Null` for a null comment.
    fn comment(&self, i: usize) -> RawComment {
        if self.comments.is_null(i) {
            return RawComment::Null;
        }
        RawComment::Fields(std::array::from_fn(|key| {
            self.fields[key]
                .as_ref()
                .and_then(|column| column.string(i))
        }))
    }
}

/// A list column of either offset width.
#[derive(Clone, Copy)]
enum Lists<'a> {
    Small(&'a ListArray),
    Large(&'a LargeListArray),
}

impl<'a> Lists<'a> {
    /// The array of every list's items.
    fn values(self) -> &'a ArrayRef {
        match self {
            Lists::Small(a) => a.values(),
            Lists::Large(a) => a.values(),
        }
    }

    /// Where row `row`'s items are in [`Lists::values`]; `None` when the cell is null.
    fn items(self, row: usize) -> Option<Range<usize>> {
        match self {
            Lists::Small(a) => a.is_valid(row).then(|| {
                let offsets = a.value_offsets();
                offsets[row] as usize..offsets[row + 1] as usize
            }),
            Lists::Large(a) => a.is_valid(row).then(|| {
                let offsets = a.value_offsets();
                offsets[row] as usize..offsets[row + 1] as usize
            }),
        }
    }
}
