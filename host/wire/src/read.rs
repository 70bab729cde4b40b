//! A renderer's reads of its own page (`dom.get-value`, `get-attribute`,
//! `get-text`, `count`): the request a worker sends
//! ([`WorkerToHost::DomRead`](crate::WorkerToHost::DomRead)), what the page
//! found, and the page's answer as `page.js` returns it, parsed as hostile
//! input.

use serde::{Deserialize, Serialize};

use crate::{DomOpError, valid_name};

/// What a renderer asks of its page. Like a [`DomOp`](crate::DomOp), its
/// selector is checked by the worker, by the host and by the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "read", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DomRead {
    /// The current value of the first match, if it is a form control.
    Value { selector: String },
    /// Attribute `name` of the first match.
    Attribute { selector: String, name: String },
    /// The text content of the first match.
    Text { selector: String },
    /// How many elements match.
    Count { selector: String },
}

/// What a read found: text (`None`: no element matches, or it has no such
/// value or attribute) or, for [`DomRead::Count`], a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DomFound {
    Text(Option<String>),
    Count(u32),
}

impl DomFound {
    /// The bytes the answer carries: what [`DomReadError::TooLarge`] counts.
    pub fn size(&self) -> usize {
        match self {
            DomFound::Text(text) => text.as_ref().map_or(0, String::len),
            DomFound::Count(_) => 0,
        }
    }
}

/// Why a read found nothing usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "kebab-case")]
pub enum DomReadError {
    #[error("bad selector `{0}`")]
    BadSelector(String),
    #[error("bad attribute name `{0}`")]
    BadName(String),
    /// The request, or what the page found, is over `max-message-bytes`.
    #[error("{0} bytes, over the message limit")]
    TooLarge(usize),
    /// The window is closed (or closed before its page answered).
    #[error("the window is gone")]
    WindowGone,
    /// The page did not answer in time, or its answer was not one.
    #[error("the page did not answer: {0}")]
    NoAnswer(String),
}

impl From<DomOpError> for DomReadError {
    fn from(err: DomOpError) -> Self {
        match err {
            DomOpError::BadSelector(selector) => DomReadError::BadSelector(selector),
            DomOpError::BadName(name) => DomReadError::BadName(name),
            DomOpError::TooLarge(size) => DomReadError::TooLarge(size),
        }
    }
}

/// What the host tells a worker about its read.
pub type ReadAnswer = Result<DomFound, DomReadError>;

impl DomRead {
    /// The CSS selector the read looks for.
    pub fn selector(&self) -> &str {
        match self {
            DomRead::Value { selector }
            | DomRead::Attribute { selector, .. }
            | DomRead::Text { selector }
            | DomRead::Count { selector } => selector,
        }
    }

    /// Checks a read as [`DomOp::check`](crate::DomOp::check) checks a
    /// write: its size, its selector and its attribute name.
    ///
    /// # Errors
    /// The first problem found.
    pub fn check(&self, max_bytes: usize) -> Result<(), DomReadError> {
        let name = match self {
            DomRead::Attribute { name, .. } => Some(name),
            _ => None,
        };
        let size = self.selector().len() + name.map_or(0, String::len);
        if size > max_bytes {
            return Err(DomReadError::TooLarge(size));
        }
        if scraper::Selector::parse(self.selector()).is_err() {
            return Err(DomReadError::BadSelector(self.selector().to_owned()));
        }
        match name {
            Some(name) if !valid_name(name) => Err(DomReadError::BadName(name.clone())),
            _ => Ok(()),
        }
    }
}

/// What `page.js`'s `read` returns, as JSON text: the value, a refused
/// selector, or the length of a text too large to send.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
enum Answered {
    Ok(Option<String>),
    Count(u32),
    BadSelector,
    /// A text of this many UTF-16 units, over the limit the host gave: at
    /// least as many bytes.
    Large(u64),
}

/// Reads a page's answer to `read`, limited to `max_bytes` of text. The
/// page is not trusted: anything but the answer `page.js` gives for this
/// kind of read is a [`DomReadError::NoAnswer`].
///
/// # Errors
/// [`DomReadError`] for a refused selector, a text over the limit, or an
/// answer that is not one.
pub fn parse_page_answer(read: &DomRead, json: &str, max_bytes: usize) -> ReadAnswer {
    let answered: Answered = serde_json::from_str(json).map_err(|error| {
        let why: String = error.to_string().chars().take(200).collect();
        DomReadError::NoAnswer(format!("malformed answer: {why}"))
    })?;
    let found = match (answered, read) {
        (Answered::BadSelector, _) => {
            return Err(DomReadError::BadSelector(read.selector().to_owned()));
        }
        (Answered::Large(units), _) => {
            return Err(DomReadError::TooLarge(
                usize::try_from(units).unwrap_or(usize::MAX),
            ));
        }
        (Answered::Count(count), DomRead::Count { .. }) => DomFound::Count(count),
        (
            Answered::Ok(text),
            DomRead::Value { .. } | DomRead::Attribute { .. } | DomRead::Text { .. },
        ) => DomFound::Text(text),
        _ => {
            return Err(DomReadError::NoAnswer(
                "an answer of another kind of read".into(),
            ));
        }
    };
    if found.size() > max_bytes {
        return Err(DomReadError::TooLarge(found.size()));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn text(selector: &str) -> DomRead {
        DomRead::Text {
            selector: selector.into(),
        }
    }

    #[test]
    fn reads_are_checked_like_writes() {
        assert_eq!(text("#a li").check(64), Ok(()));
        assert_eq!(
            text("p[").check(64),
            Err(DomReadError::BadSelector("p[".into()))
        );
        let attribute = |name: &str| DomRead::Attribute {
            selector: "#a".into(),
            name: name.into(),
        };
        assert_eq!(attribute("data-x").check(64), Ok(()));
        assert_eq!(
            attribute("a b").check(64),
            Err(DomReadError::BadName("a b".into()))
        );
        assert!(matches!(
            text(&"#a".repeat(100)).check(64),
            Err(DomReadError::TooLarge(200))
        ));
    }

    #[test]
    fn page_answers_are_read_for_their_kind_of_read() {
        let count = DomRead::Count {
            selector: "li".into(),
        };
        assert_eq!(
            parse_page_answer(&text("#a"), r#"{"ok":"hi"}"#, 16),
            Ok(DomFound::Text(Some("hi".into())))
        );
        assert_eq!(
            parse_page_answer(&text("#a"), r#"{"ok":null}"#, 16),
            Ok(DomFound::Text(None))
        );
        assert_eq!(
            parse_page_answer(&count, r#"{"count":3}"#, 16),
            Ok(DomFound::Count(3))
        );
        assert_eq!(
            parse_page_answer(&count, r#""bad-selector""#, 16),
            Err(DomReadError::BadSelector("li".into()))
        );
        assert_eq!(
            parse_page_answer(&text("#a"), r#"{"large":70000}"#, 16),
            Err(DomReadError::TooLarge(70000))
        );
        // Within the page's count of units, over the limit in bytes.
        assert_eq!(
            parse_page_answer(&text("#a"), r#"{"ok":"ééééééééé"}"#, 16),
            Err(DomReadError::TooLarge(18))
        );
    }

    #[test]
    fn hostile_page_answers_are_no_answer() {
        let count = DomRead::Count {
            selector: "li".into(),
        };
        for (read, json) in [
            (text("#a"), ""),
            (text("#a"), "null"),
            (text("#a"), r#"{"ok":7}"#),
            (text("#a"), r#"{"ok":["x"]}"#),
            (text("#a"), r#"{"ok":"x","extra":1}"#),
            (text("#a"), r#"{"count":3}"#),
            (count.clone(), r#"{"ok":"3"}"#),
            (count.clone(), r#"{"count":-1}"#),
            (count.clone(), r#"{"count":4294967296}"#),
            (count, r#"{"count":1.5}"#),
            (text("#a"), r#"{"ok":"\ud800"}"#),
            (text("#a"), r#""exploded""#),
        ] {
            let answer = parse_page_answer(&read, json, 1 << 20);
            assert!(
                matches!(answer, Err(DomReadError::NoAnswer(_))),
                "{json}: {answer:?}"
            );
        }
        let long = format!(r#"{{"{}":1}}"#, "k".repeat(10_000));
        match parse_page_answer(&text("#a"), &long, 1 << 20) {
            Err(DomReadError::NoAnswer(why)) => assert!(why.len() < 300, "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_and_answers_survive_messagepack() {
        let read = DomRead::Attribute {
            selector: "#a".into(),
            name: "title".into(),
        };
        let bytes = rmp_serde::to_vec_named(&read).unwrap();
        assert_eq!(rmp_serde::from_slice::<DomRead>(&bytes).unwrap(), read);
        for answer in [
            Ok(DomFound::Text(Some("x".into()))),
            Ok(DomFound::Text(None)),
            Ok(DomFound::Count(7)),
            Err(DomReadError::WindowGone),
            Err(DomReadError::NoAnswer("late".into())),
        ] {
            let bytes = rmp_serde::to_vec_named(&answer).unwrap();
            assert_eq!(rmp_serde::from_slice::<ReadAnswer>(&bytes).unwrap(), answer);
        }
    }
}
