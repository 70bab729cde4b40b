//! The page bridge: the script injected into every page, the messages it
//! posts, and the scripts the host evaluates in the page.
//!
//! Messages come from the page, so they are hostile input: they are size
//! checked and parsed strictly, and anything unexpected is an error the
//! caller logs and drops. Scripts the host builds embed data only as JSON
//! produced by `serde_json`, never as spliced strings.

use crate::window::{PageAnswer, PageEvent};
use crate::wire::page::{self, MessageError, PageMessage};
use crate::wire::{DomOp, DomRead, DomReadError, ReadAnswer};

/// The script wry injects before every page's own scripts.
pub(super) const PAGE_SCRIPT: &str = include_str!("../page.js");

/// The script that settles page call `id`: resolves its promise with the
/// value, or rejects it with the failure.
///
/// # Errors
/// Only if a value cannot be serialized, which JSON values always can.
pub(super) fn settle_script(id: u64, answer: &PageAnswer) -> Result<String, serde_json::Error> {
    Ok(match answer {
        Ok(value) => format!(
            "window.__wasmtron.settle({id}, true, {});",
            js_literal(value)?
        ),
        Err(failure) => format!(
            "window.__wasmtron.settle({id}, false, {});",
            js_literal(failure)?
        ),
    })
}

/// The script that gives the page's listeners of `event` the arguments
/// `args` (a JSON array).
///
/// # Errors
/// As [`settle_script`].
pub(super) fn emit_script(
    event: &str,
    args: &serde_json::Value,
) -> Result<String, serde_json::Error> {
    Ok(format!(
        "window.__wasmtron.emit({}, {});",
        js_literal(&event)?,
        js_literal(args)?
    ))
}

/// What a message posted by a page asks for.
#[derive(Debug, PartialEq)]
pub(crate) enum FromPage {
    /// An event for the host.
    Event(PageEvent),
    /// A ping, which the window answers itself ([`pong_script`]).
    Ping { id: u64, data: String },
}

/// Turns one message posted by a page into the event it reports, or the
/// ping it makes.
///
/// # Errors
/// [`MessageError`] for oversized, malformed or unknown messages.
pub(crate) fn parse_message(body: &str) -> Result<FromPage, MessageError> {
    Ok(FromPage::Event(match page::parse(body)? {
        PageMessage::Loaded => PageEvent::Loaded,
        PageMessage::Painted => PageEvent::Painted,
        PageMessage::Ui(event) => PageEvent::Ui(event),
        PageMessage::Call { id, function, args } => PageEvent::Call { id, function, args },
        PageMessage::Ping { id, data } => return Ok(FromPage::Ping { id, data }),
    }))
}

/// The script that answers ping `id` with the text it carried, or, when
/// `data` is `None`, refuses it (too many pongs on their way).
///
/// # Errors
/// As [`settle_script`].
pub(super) fn pong_script(id: u64, data: Option<&str>) -> Result<String, serde_json::Error> {
    Ok(format!(
        "window.__wasmtron.pong({id}, {});",
        js_literal(&data)?
    ))
}

/// The script that applies `op` in the page through `page.js`.
///
/// # Errors
/// Only if `op` cannot be serialized, which would be a bug in [`DomOp`].
pub(crate) fn apply_script(op: &DomOp) -> Result<String, serde_json::Error> {
    Ok(format!("window.__wasmtron.apply({});", js_literal(op)?))
}

/// The script that reads the page for `read` through `page.js`, which
/// answers text of at most `max_bytes` (by its count of UTF-16 units, at
/// most the bytes) and otherwise says how long it is. The read is embedded
/// as JSON, like an operation.
///
/// # Errors
/// Only if `read` cannot be serialized, which would be a bug in [`DomRead`].
pub(crate) fn read_script(read: &DomRead, max_bytes: usize) -> Result<String, serde_json::Error> {
    Ok(format!(
        "window.__wasmtron.read({}, {max_bytes});",
        js_literal(read)?
    ))
}

/// What WebKit reported for a [`read_script`]: `raw` is the JSON of the
/// string `page.js` returned, itself the JSON of its answer. The page is
/// not trusted; [`wire::parse_page_answer`](crate::wire::parse_page_answer)
/// checks the answer.
pub(crate) fn parse_read_result(read: &DomRead, raw: &str, max_bytes: usize) -> ReadAnswer {
    // wry reports a script that did not run (an exception, a page that is
    // gone) as an empty string.
    let answer = serde_json::from_str::<String>(raw)
        .map_err(|_| DomReadError::NoAnswer("the page's bridge did not answer the read".into()))?;
    crate::wire::parse_page_answer(read, &answer, max_bytes)
}

/// The script that evaluates `expression` and wraps its value or exception
/// so that [`parse_query_result`] can tell them apart.
///
/// The value is turned into JSON inside the page: WebKit cannot carry DOM
/// objects (a `DOMRect`, say) back to the host, but their JSON it can. The
/// bridge's own `JSON.stringify`, taken before the page's scripts ran, does
/// it, so that a page replacing `JSON` cannot answer for the host.
///
/// The expression is spliced in as code: it is the caller's own trusted test
/// code, and it cannot be passed as data because the page's policy forbids
/// `eval`. The newline keeps a trailing `//` comment from eating the wrapper.
pub(super) fn query_script(expression: &str) -> String {
    format!(
        "(function () {{ var json = window.__wasmtron.stringify; \
         try {{ return json({{ ok: ({expression}\n) }}); }} \
         catch (e) {{ return json({{ err: String(e) }}); }} }})()"
    )
}

/// Reads what WebKit reported for a [`query_script`]: the JSON text of the
/// expression's value, or the exception's message.
///
/// # Errors
/// The exception message, or a description when the script did not run.
pub(super) fn parse_query_result(raw: &str) -> Result<String, String> {
    // wry reports a script that failed to run (a syntax error, a page that
    // is gone) as an empty string; otherwise `raw` is the JSON of the string
    // the wrapper returned, itself JSON.
    let value: serde_json::Value = serde_json::from_str::<String>(raw)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| "the expression did not evaluate (syntax error or no page)".to_owned())?;
    if let Some(error) = value.get("err") {
        return Err(error.as_str().unwrap_or("exception").to_owned());
    }
    // An `undefined` value leaves `ok` out of the object.
    Ok(value
        .get("ok")
        .map_or_else(|| "null".to_owned(), ToString::to_string))
}

/// `value` as a JavaScript expression. JSON is one, once U+2028 and U+2029
/// are escaped (they are line terminators in older JavaScript grammars).
fn js_literal(value: &impl serde::Serialize) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_string(value)?
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn apply_scripts_embed_ops_as_json() {
        let op = DomOp::SetText {
            selector: "#reply".into(),
            text: "\"); alert(1); (\"\u{2028}</script>".into(),
        };
        let script = apply_script(&op).unwrap();
        let json = script
            .strip_prefix("window.__wasmtron.apply(")
            .and_then(|rest| rest.strip_suffix(");"))
            .unwrap();
        assert!(!json.contains('\u{2028}'));
        let back: DomOp = serde_json::from_str(json).unwrap();
        assert_eq!(back, op);
    }

    #[test]
    fn apply_scripts_escape_the_paragraph_separator_like_the_line_separator() {
        let op = DomOp::SetAttribute {
            selector: "#note".into(),
            name: "title".into(),
            value: "one\u{2029}two\u{2028}three\u{2029}".into(),
        };
        let script = apply_script(&op).unwrap();
        for separator in ['\u{2028}', '\u{2029}'] {
            assert!(!script.contains(separator), "{separator:?} left raw");
        }
        assert_eq!(script.matches("\\u2029").count(), 2, "{script}");
        assert_eq!(script.matches("\\u2028").count(), 1, "{script}");
        let json = script
            .strip_prefix("window.__wasmtron.apply(")
            .and_then(|rest| rest.strip_suffix(");"))
            .unwrap();
        let back: DomOp = serde_json::from_str(json).unwrap();
        assert_eq!(back, op);
    }

    #[test]
    fn pings_are_answered_with_their_own_text_as_json() {
        let body = r#"{"type":"ping","id":9,"data":"\"); alert(1); (\"\u2028"}"#;
        let Ok(FromPage::Ping { id, data }) = parse_message(body) else {
            panic!("{body} is a ping");
        };
        let script = pong_script(id, Some(&data)).unwrap();
        assert!(!script.contains('\u{2028}'), "{script}");
        let json = script
            .strip_prefix("window.__wasmtron.pong(9, ")
            .and_then(|rest| rest.strip_suffix(");"))
            .unwrap();
        assert_eq!(serde_json::from_str::<String>(json).unwrap(), data);
        assert_eq!(
            pong_script(3, None).unwrap(),
            "window.__wasmtron.pong(3, null);"
        );
        assert_eq!(
            parse_message(r#"{"type":"loaded"}"#).unwrap(),
            FromPage::Event(PageEvent::Loaded)
        );
    }

    #[test]
    fn read_scripts_embed_the_read_as_json_and_their_results_are_checked() {
        let read = DomRead::Attribute {
            selector: "[title=\"\u{2028}\"]".into(),
            name: "title".into(),
        };
        let script = read_script(&read, 4096).unwrap();
        assert!(!script.contains('\u{2028}'), "{script}");
        let json = script
            .strip_prefix("window.__wasmtron.read(")
            .and_then(|rest| rest.strip_suffix(", 4096);"))
            .unwrap();
        assert_eq!(serde_json::from_str::<DomRead>(json).unwrap(), read);
        let raw = |answer: &str| serde_json::to_string(answer).unwrap();
        assert_eq!(
            parse_read_result(&read, &raw(r#"{"ok":"hi"}"#), 4096),
            Ok(crate::wire::DomFound::Text(Some("hi".into())))
        );
        for raw in ["", "null", r#"{"ok":"hi"}"#, "7"] {
            assert!(
                matches!(
                    parse_read_result(&read, raw, 4096),
                    Err(DomReadError::NoAnswer(_))
                ),
                "{raw}"
            );
        }
    }

    #[test]
    fn query_results_separate_values_and_errors() {
        let raw = |inner: &str| serde_json::to_string(inner).unwrap();
        assert_eq!(
            parse_query_result(&raw(r#"{"ok":"hi"}"#)).unwrap(),
            r#""hi""#
        );
        assert_eq!(
            parse_query_result(&raw(r#"{"ok":{"x":1}}"#)).unwrap(),
            r#"{"x":1}"#
        );
        assert_eq!(parse_query_result(&raw("{}")).unwrap(), "null");
        assert_eq!(
            parse_query_result(&raw(r#"{"err":"TypeError: x"}"#)).unwrap_err(),
            "TypeError: x"
        );
        assert!(parse_query_result("").is_err());
        assert!(parse_query_result(r#"{"ok":1}"#).is_err());
    }
}
