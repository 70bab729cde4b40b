//! The channel of the dialogs suite: message boxes and file choosers.

use wasmtron_guest::{HandlerError, Payload, Request, dialogs};

use crate::TestMain;
use crate::probe::fields;

/// `what|window|arg`, window `-` for none: `open|w|many` or `open|w|one`,
/// `save|w|default path`, `box|w|B1,B2,...`, `bad-box|w|`, `bad-open|w|`.
/// Replies with the dialog's outcome.
pub(crate) fn dialog(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [what, window, arg] = fields(&request)?;
    let window = (window != "-").then_some(window.as_str());
    let text = dialogs::filter("Text", &["txt", "md"]);
    let asked = match what.as_str() {
        "open" => format!(
            "{:?}",
            dialogs::open_file(
                window,
                &dialogs::OpenOptions {
                    title: Some("Pick a note".into()),
                    default_path: Some("/tmp".into()),
                    filters: vec![text],
                    multiple: arg == "many",
                    ..Default::default()
                },
            )
        ),
        "save" => format!(
            "{:?}",
            dialogs::save_file(
                window,
                &dialogs::SaveOptions {
                    default_path: Some(arg),
                    filters: vec![text],
                    ..Default::default()
                },
            )
        ),
        "box" | "bad-box" => format!(
            "{:?}",
            dialogs::message_box(
                window,
                &dialogs::MessageOptions {
                    kind: dialogs::MessageKind::Question,
                    title: Some("Unsaved".into()),
                    message: "Save the note?".into(),
                    detail: Some("It changed since it was saved.".into()),
                    buttons: arg
                        .split(',')
                        .filter(|b| !b.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    cancel_id: (what == "bad-box").then_some(7),
                    ..Default::default()
                },
            )
        ),
        // `bad-open`: a relative default folder, which the host refuses.
        _ => format!(
            "{:?}",
            dialogs::open_file(
                window,
                &dialogs::OpenOptions {
                    default_path: Some("relative/folder".into()),
                    ..Default::default()
                },
            )
        ),
    };
    Request::reply(&asked)
}
