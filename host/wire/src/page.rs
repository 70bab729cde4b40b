//! The messages a page's injected script posts to the host. They come from
//! the page, so they are hostile input: size checked and parsed strictly,
//! and anything unexpected is an error the caller logs and drops.

use serde::Deserialize;

use crate::{EventDetail, EventKind, UiEvent};

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
    /// The bridge's own round trip (`__wasmtron.ping`), which the window
    /// answers at once with `data` and `id`, without the renderer: the
    /// floor under a page call, for the benchmark.
    Ping { id: u64, data: String },
}

/// The largest message a page may post: a call carrying the largest
/// payload a renderer takes by default (16 MiB), as base64, fits; anything
/// larger is a page flooding its renderer. A call's arguments are then held
/// to its renderer's own `max-message-bytes`.
pub const MAX_MESSAGE_BYTES: usize = 24 << 20;

/// The most JSON values (numbers, strings, arrays, objects...) a message
/// may hold. Bytes travel as one base64 string each (`{"$bytes": ...}`), so
/// only a page that sends them as arrays of numbers, or sends a flood of
/// small values, meets it.
pub const MAX_VALUES: usize = 1 << 18;

/// How many JSON values `body` holds, at least: one, and one more for each
/// `,` and `:` outside strings. Counted on the text, before parsing.
#[must_use]
pub fn count_values(body: &str) -> usize {
    let mut count = 1;
    let mut in_string = false;
    let mut escaped = false;
    for byte in body.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b',' | b':' => count += 1,
                _ => {}
            }
        }
    }
    count
}

/// The id of the page call a message the host could not read was meant to
/// be, when it starts as the bridge writes calls (`{"type":"call","id":N,`):
/// so that the page's promise is settled with the refusal, not left waiting.
#[must_use]
pub fn call_id(body: &str) -> Option<u64> {
    let rest = body.strip_prefix(r#"{"type":"call","id":"#)?;
    let digits: &str = &rest[..rest.find(|c: char| !c.is_ascii_digit())?];
    if !rest[digits.len()..].starts_with(',') {
        return None;
    }
    digits.parse().ok()
}

/// Why a message from a page was dropped.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("message of {0} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("message of {0} values is over the limit of {MAX_VALUES} (send bytes as a Uint8Array)")]
    TooManyValues(usize),
    /// The parser's complaint, cut short: it quotes the page's input.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A UI event whose detail is not the one its kind carries.
    #[error("a `{0}` event with the detail of another kind")]
    WrongDetail(&'static str),
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
        /// Left out, or `null`, by events that carry none.
        #[serde(default)]
        detail: Option<EventDetail>,
    },
    Call {
        id: u64,
        function: String,
        args: serde_json::Value,
    },
    Ping {
        id: u64,
        data: String,
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
    // A parsed value takes tens of times the bytes of a short one
    // (`[0,0,0,...]`): their number is held down before anything is built.
    let values = count_values(body);
    if values > MAX_VALUES {
        return Err(MessageError::TooManyValues(values));
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
            detail,
        } => {
            let event = UiEvent {
                kind,
                target,
                value,
                fields,
                detail,
            };
            if !event.detail_fits() {
                return Err(MessageError::WrongDetail(kind.name()));
            }
            PageMessage::Ui(event)
        }
        Posted::Call { id, function, args } => PageMessage::Call { id, function, args },
        Posted::Ping { id, data } => PageMessage::Ping { id, data },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn values_are_counted_outside_strings_and_held_down() {
        assert_eq!(count_values(r#"{"type":"loaded"}"#), 2);
        assert_eq!(count_values(r#"[1,2,3]"#), 3);
        assert_eq!(count_values(r#"["a,b:c\",d", 1]"#), 2);
        let many = format!(
            r#"{{"type":"call","id":1,"function":"f","args":[[{}0]]}}"#,
            "0,".repeat(MAX_VALUES)
        );
        assert!(matches!(parse(&many), Err(MessageError::TooManyValues(_))));
    }

    #[test]
    fn a_refused_call_is_still_known_by_its_id() {
        assert_eq!(
            call_id(r#"{"type":"call","id":42,"function":"f","args":["\ud83e"]}"#),
            Some(42)
        );
        assert_eq!(call_id(r#"{"type":"call","id":7}"#), None);
        assert_eq!(call_id(r#"{"type":"ui","id":7,"#), None);
        assert_eq!(call_id(r#"{"type":"call","id":-1,"#), None);
        assert_eq!(
            call_id(r#"{"type":"call","id":99999999999999999999999,"#),
            None
        );
        assert_eq!(call_id(""), None);
    }

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
                detail: None,
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

    /// A `ui` message of `kind` with `detail` (JSON), as page.js posts it.
    fn ui(kind: &str, detail: &str) -> String {
        format!(
            r#"{{"type":"ui","kind":"{kind}","target":"t","value":null,"fields":[],"detail":{detail}}}"#
        )
    }

    const KEY: &str = r#"{"key":{"key":"s","code":"KeyS","ctrl":true,"shift":false,"alt":false,"meta":false,"repeat":false}}"#;
    const POINTER: &str = r#"{"pointer":{"x":10.5,"y":20,"button":0,"buttons":1}}"#;
    const DROP: &str = r#"{"drop":[{"name":"a.txt","size":12,"mime-type":"text/plain"}]}"#;

    #[test]
    fn parses_the_details_of_keys_pointers_and_drops() {
        let detail = |body: &str| match parse(body).unwrap() {
            PageMessage::Ui(event) => event.detail,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            detail(&ui("keydown", KEY)),
            Some(EventDetail::Key(crate::KeyInfo {
                key: "s".into(),
                code: "KeyS".into(),
                ctrl: true,
                shift: false,
                alt: false,
                meta: false,
                repeat: false,
            }))
        );
        assert_eq!(
            detail(&ui("contextmenu", POINTER)),
            Some(EventDetail::Pointer(crate::PointerInfo {
                x: 10.5,
                y: 20.0,
                button: 0,
                buttons: 1,
            }))
        );
        assert_eq!(
            detail(&ui("drop", DROP)),
            Some(EventDetail::Drop(vec![crate::DroppedFile {
                name: "a.txt".into(),
                size: 12,
                mime_type: "text/plain".into(),
            }]))
        );
        // Kinds without a detail: left out, or null.
        for kind in ["focus", "blur", "click"] {
            assert_eq!(detail(&ui(kind, "null")), None);
        }
        let bare = r#"{"type":"ui","kind":"blur","target":"","value":null,"fields":[]}"#;
        assert_eq!(detail(bare), None);
        // Every kind page.js declares parses, with the detail it carries.
        for kind in EventKind::ALL {
            let carried = match kind.detail_shape() {
                crate::DetailShape::None => "null",
                crate::DetailShape::Key => KEY,
                crate::DetailShape::Pointer => POINTER,
                crate::DetailShape::Drop => DROP,
            };
            assert!(parse(&ui(kind.name(), carried)).is_ok(), "{kind:?}");
        }
    }

    #[test]
    fn a_detail_must_be_the_one_its_kind_carries() {
        for (kind, detail) in [
            ("keydown", "null"),
            ("keyup", POINTER),
            ("pointermove", KEY),
            ("pointerdown", "null"),
            ("dblclick", DROP),
            ("drop", r#"{"drop":null}"#),
            ("drop", "null"),
            ("click", KEY),
            ("focus", POINTER),
            ("submit", DROP),
        ] {
            assert!(parse(&ui(kind, detail)).is_err(), "{kind} with {detail}");
        }
        match parse(&ui("click", KEY)) {
            Err(MessageError::WrongDetail("click")) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostile_details_are_refused() {
        for (kind, detail) in [
            // Wrong types.
            (
                "keydown",
                r#"{"key":{"key":7,"code":"KeyS","ctrl":true,"shift":false,"alt":false,"meta":false,"repeat":false}}"#,
            ),
            (
                "keydown",
                r#"{"key":{"key":"s","code":"KeyS","ctrl":"yes","shift":false,"alt":false,"meta":false,"repeat":false}}"#,
            ),
            (
                "pointerup",
                r#"{"pointer":{"x":"1","y":2,"button":0,"buttons":1}}"#,
            ),
            (
                "pointerup",
                r#"{"pointer":{"x":1,"y":2,"button":40000,"buttons":1}}"#,
            ),
            (
                "pointerup",
                r#"{"pointer":{"x":1,"y":2,"button":0,"buttons":-1}}"#,
            ),
            (
                "pointerup",
                r#"{"pointer":{"x":1e999,"y":2,"button":0,"buttons":1}}"#,
            ),
            (
                "drop",
                r#"{"drop":[{"name":"a","size":-1,"mime-type":""}]}"#,
            ),
            (
                "drop",
                r#"{"drop":[{"name":"a","size":1.5,"mime-type":""}]}"#,
            ),
            ("drop", r#"{"drop":{"name":"a","size":1,"mime-type":""}}"#),
            ("drop", r#"{"drop":["a.txt"]}"#),
            // Missing and unknown fields.
            ("keydown", r#"{"key":{"key":"s","code":"KeyS"}}"#),
            (
                "keydown",
                r#"{"key":{"key":"s","code":"KeyS","ctrl":true,"shift":false,"alt":false,"meta":false,"repeat":false,"which":83}}"#,
            ),
            (
                "pointermove",
                r#"{"pointer":{"x":1,"y":2,"button":0,"buttons":1,"pressure":0.5}}"#,
            ),
            (
                "drop",
                r#"{"drop":[{"name":"a","size":1,"mime-type":"","contents":"c2VjcmV0"}]}"#,
            ),
            ("drop", r#"{"drop":[{"name":"a","size":1,"type":""}]}"#),
            // Unknown and doubled details.
            ("keydown", r#"{"touch":{}}"#),
            (
                "keydown",
                r#"{"key":{"key":"s","code":"KeyS","ctrl":true,"shift":false,"alt":false,"meta":false,"repeat":false},"pointer":{"x":1,"y":2,"button":0,"buttons":1}}"#,
            ),
            ("keydown", r#""key""#),
            ("keydown", "[]"),
            // Unknown kinds.
            ("keypress", KEY),
            ("wheel", POINTER),
            ("Drop", DROP),
        ] {
            assert!(parse(&ui(kind, detail)).is_err(), "{kind} with {detail}");
        }
    }

    #[test]
    fn a_drop_names_at_most_a_thousand_files() {
        let file = r#"{"name":"a","size":1,"mime-type":""}"#;
        let drop = |n: usize| {
            ui(
                "drop",
                &format!(r#"{{"drop":[{}]}}"#, vec![file; n].join(",")),
            )
        };
        assert!(parse(&drop(crate::MAX_DROPPED_FILES)).is_ok());
        match parse(&drop(crate::MAX_DROPPED_FILES + 1)) {
            Err(MessageError::Malformed(why)) => assert!(why.contains("1000"), "{why}"),
            other => panic!("{other:?}"),
        }
        // A drop as large as a message may be is refused by its size,
        // before it is read.
        let flood = drop(MAX_MESSAGE_BYTES / file.len() + 1);
        assert!(matches!(parse(&flood), Err(MessageError::TooLarge(_))));
        // Long names are held only to the message limit.
        let long = ui(
            "drop",
            &format!(
                r#"{{"drop":[{{"name":"{}","size":1,"mime-type":""}}]}}"#,
                "n".repeat(1 << 20)
            ),
        );
        assert!(parse(&long).is_ok());
    }

    #[test]
    fn unknown_fields_are_refused_in_every_shape() {
        // Each shape as page.js posts it is taken...
        let shapes = [
            r#"{"type":"loaded"}"#,
            r#"{"type":"painted"}"#,
            r#"{"type":"ui","kind":"click","target":"b","value":null,"fields":[]}"#,
            r#"{"type":"call","id":7,"function":"addNote","args":[{"title":"a"}]}"#,
            r#"{"type":"ping","id":7,"data":"abc"}"#,
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

    #[test]
    fn pings_carry_a_string_and_nothing_else() {
        assert_eq!(
            parse(r#"{"type":"ping","id":42,"data":"AAECAw=="}"#).unwrap(),
            PageMessage::Ping {
                id: 42,
                data: "AAECAw==".into()
            }
        );
        // Escapes are the page's text, as JSON.stringify wrote it.
        assert_eq!(
            parse(r#"{"type":"ping","id":0,"data":"a\"\n\u00e9"}"#).unwrap(),
            PageMessage::Ping {
                id: 0,
                data: "a\"\n\u{e9}".into()
            }
        );
        for body in [
            r#"{"type":"ping"}"#,
            r#"{"type":"ping","id":1}"#,
            r#"{"type":"ping","data":"x"}"#,
            r#"{"type":"ping","id":-1,"data":"x"}"#,
            r#"{"type":"ping","id":"1","data":"x"}"#,
            r#"{"type":"ping","id":1,"data":null}"#,
            r#"{"type":"ping","id":1,"data":7}"#,
            r#"{"type":"ping","id":1,"data":["x"]}"#,
            r#"{"type":"ping","id":1,"data":{"$bytes":"AA=="}}"#,
            // A lone surrogate is no text the host can hold.
            r#"{"type":"ping","id":1,"data":"\ud800"}"#,
            r#"{"type":"ping","id":1,"data":"x","function":"f"}"#,
        ] {
            assert!(parse(body).is_err(), "{body}");
        }
        // Held to the page's message limit like every message.
        let huge = format!(
            r#"{{"type":"ping","id":1,"data":"{}"}}"#,
            "x".repeat(MAX_MESSAGE_BYTES)
        );
        assert!(matches!(parse(&huge), Err(MessageError::TooLarge(_))));
        let largest = format!(
            r#"{{"type":"ping","id":1,"data":"{}"}}"#,
            "x".repeat(MAX_MESSAGE_BYTES - 32)
        );
        assert!(matches!(parse(&largest), Ok(PageMessage::Ping { .. })));
    }
}
