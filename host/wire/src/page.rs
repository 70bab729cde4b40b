//! The messages a page's injected script posts to the host. They come from
//! the page, so they are hostile input: size checked and parsed strictly,
//! and anything unexpected is an error the caller logs and drops.

use serde::Deserialize;

use crate::{EventKind, UiEvent};

/// A message from a page, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum PageMessage {
    /// The page finished loading.
    Loaded,
    /// The first frame with the loaded page in it was drawn.
    Painted,
    /// A UI event the page declared with `data-on`.
    Ui(UiEvent),
    /// A page script called a function of its renderer's page API
    /// (`wasmtron.api.NAME(...)`). `function` is the name the script used
    /// (jco's camelCase), `args` its arguments as the bridge encodes them
    /// (see `page_value`), and `id` what the answer is matched to.
    Call {
        id: u64,
        function: String,
        args: serde_json::Value,
    },
}

/// The largest message a page may post: a call carrying the largest
/// payload a renderer takes by default (16 MiB), as base64, fits; anything
/// larger is a page flooding its renderer. A call's arguments are then held
/// to its renderer's own `max-message-bytes`.
pub const MAX_MESSAGE_BYTES: usize = 24 << 20;

/// Why a message from a page was dropped.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("message of {0} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge(usize),
    /// The parser's complaint, cut short: it quotes the page's input.
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// How much of a parse error is kept: enough to debug a page, too little to
/// let a hostile one flood the log through the quoted input.
const MAX_ERROR_CHARS: usize = 200;

/// What `page.js` posts, as JSON.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
enum Posted {
    // A struct variant: serde ignores `deny_unknown_fields` on unit variants.
    Loaded {},
    Painted {},
    Ui {
        kind: EventKind,
        target: String,
        value: Option<String>,
        fields: Vec<(String, String)>,
    },
    Call {
        id: u64,
        function: String,
        args: serde_json::Value,
    },
}

/// Parses one message a page posted.
///
/// # Errors
/// [`MessageError`] for oversized, malformed or unknown messages.
pub fn parse(body: &str) -> Result<PageMessage, MessageError> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(MessageError::TooLarge(body.len()));
    }
    let message = serde_json::from_str(body).map_err(|error| {
        MessageError::Malformed(error.to_string().chars().take(MAX_ERROR_CHARS).collect())
    })?;
    Ok(match message {
        Posted::Loaded {} => PageMessage::Loaded,
        Posted::Painted {} => PageMessage::Painted,
        Posted::Ui {
            kind,
            target,
            value,
            fields,
        } => PageMessage::Ui(UiEvent {
            kind,
            target,
            value,
            fields,
        }),
        Posted::Call { id, function, args } => PageMessage::Call { id, function, args },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn parses_the_messages_page_js_posts() {
        assert_eq!(parse(r#"{"type":"loaded"}"#).unwrap(), PageMessage::Loaded);
        assert_eq!(
            parse(r#"{"type":"painted"}"#).unwrap(),
            PageMessage::Painted
        );
        assert_eq!(
            parse(
                r#"{"type":"ui","kind":"submit","target":"f","value":null,"fields":[["a","1"],["b","2"]]}"#
            )
            .unwrap(),
            PageMessage::Ui(UiEvent {
                kind: EventKind::Submit,
                target: "f".into(),
                value: None,
                fields: vec![("a".into(), "1".into()), ("b".into(), "2".into())],
            })
        );
    }

    #[test]
    fn drops_hostile_messages() {
        for body in [
            "",
            "null",
            "[object Object]",
            r#"{"type":"closed"}"#,
            r#"{"type":"loaded","extra":1}"#,
            r#"{"type":"ui","kind":"hover","target":"","value":null,"fields":[]}"#,
            r#"{"type":"ui","kind":"click","target":7,"value":null,"fields":[]}"#,
            r#"{"type":"ui","kind":"click","target":"","value":null,"fields":[["a"]]}"#,
            r#"{"type":"call","id":-1,"function":"f","args":[]}"#,
            r#"{"type":"call","id":1.5,"function":"f","args":[]}"#,
            r#"{"type":"call","id":1,"function":7,"args":[]}"#,
            r#"{"type":"call","id":1,"function":"f"}"#,
            r#"{"type":"ui","kind":"click","target":""}"#,
            "{\"type\":\"loaded\"",
        ] {
            assert!(parse(body).is_err(), "{body}");
        }
        let huge = format!(
            r#"{{"type":"ui","kind":"input","target":"","value":"{}","fields":[]}}"#,
            "x".repeat(MAX_MESSAGE_BYTES)
        );
        assert!(matches!(parse(&huge), Err(MessageError::TooLarge(_))));
        let long_kind = format!(
            r#"{{"type":"ui","kind":"{}","target":"","value":null,"fields":[]}}"#,
            "k".repeat(10_000)
        );
        let error = parse(&long_kind).unwrap_err().to_string();
        assert!(error.len() < 300, "{error}");
    }

    #[test]
    fn unknown_fields_are_refused_in_every_shape() {
        // Each shape as page.js posts it is taken...
        let shapes = [
            r#"{"type":"loaded"}"#,
            r#"{"type":"painted"}"#,
            r#"{"type":"ui","kind":"click","target":"b","value":null,"fields":[]}"#,
            r#"{"type":"call","id":7,"function":"addNote","args":[{"title":"a"}]}"#,
        ];
        for body in shapes {
            assert!(parse(body).is_ok(), "{body}");
        }
        // ...and refused with one field more.
        for body in shapes {
            let extra = body.replacen('{', r#"{"extra":1,"#, 1);
            match parse(&extra) {
                Err(MessageError::Malformed(why)) => assert!(why.contains("extra"), "{why}"),
                other => panic!("{extra}: {other:?}"),
            }
        }
    }
}
