//! Native dialogs: the file choosers and message boxes main asks for, the
//! bounds the host holds them to, and the answers a backend gives back.
//!
//! A dialog is checked here before any backend sees it, so the desktop and
//! headless backends get the same, valid requests: bounded strings, no NUL
//! bytes (GTK takes C strings), a usable default path, buttons that exist.

use std::path::{Path, PathBuf};

/// The longest title or button text, in characters.
const MAX_LABEL: usize = 1024;
/// The longest message or detail text, in characters.
const MAX_TEXT: usize = 16 * 1024;
const MAX_BUTTONS: usize = 16;
const MAX_FILTERS: usize = 64;
const MAX_EXTENSIONS: usize = 64;
const MAX_EXTENSION: usize = 32;
const MAX_PATH: usize = 4096;

/// Files a chooser lists: extensions without the dot, or `*` for all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFilter {
    pub name: String,
    pub extensions: Vec<String>,
}

/// A file chooser for opening files or folders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenDialog {
    pub title: Option<String>,
    /// Absolute: the folder to start in, or a file in it to select.
    pub default_path: Option<PathBuf>,
    /// The accept button's text ("Open" when `None`).
    pub button_label: Option<String>,
    pub filters: Vec<FileFilter>,
    /// Choose folders instead of files.
    pub directories: bool,
    pub multiple: bool,
    pub show_hidden: bool,
}

/// A file chooser for saving; the window system asks before an existing
/// file is chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaveDialog {
    pub title: Option<String>,
    /// Absolute, or only a file name to propose.
    pub default_path: Option<PathBuf>,
    pub button_label: Option<String>,
    pub filters: Vec<FileFilter>,
    pub show_hidden: bool,
}

/// The icon and tone of a message box.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MessageKind {
    #[default]
    None,
    Info,
    Warning,
    Error,
    Question,
}

/// A message box with buttons. Once checked, `buttons` is never empty and
/// both ids index into it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageBox {
    pub kind: MessageKind,
    pub title: Option<String>,
    pub message: String,
    pub detail: Option<String>,
    pub buttons: Vec<String>,
    /// The button Enter chooses.
    pub default_id: usize,
    /// The answer when the box is dismissed (Escape, its close button).
    pub cancel_id: usize,
}

/// A dialog main asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    Open(OpenDialog),
    Save(SaveDialog),
    Message(MessageBox),
}

/// What the user answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogAnswer {
    /// The files or folders chosen in a file chooser; none is a cancel.
    Files(Vec<PathBuf>),
    /// The index of the message box button chosen.
    Button(usize),
}

impl Dialog {
    /// The answer when the user dismisses the dialog without choosing.
    pub fn dismissed(&self) -> DialogAnswer {
        match self {
            Dialog::Open(_) | Dialog::Save(_) => DialogAnswer::Files(Vec::new()),
            Dialog::Message(message) => DialogAnswer::Button(message.cancel_id),
        }
    }

    /// Whether `answer` is one this dialog can give: files from a chooser
    /// (one at most unless it allows several), a button the box has.
    pub fn accepts(&self, answer: &DialogAnswer) -> bool {
        match (self, answer) {
            (Dialog::Open(open), DialogAnswer::Files(files)) => open.multiple || files.len() <= 1,
            (Dialog::Save(_), DialogAnswer::Files(files)) => files.len() <= 1,
            (Dialog::Message(message), DialogAnswer::Button(index)) => {
                *index < message.buttons.len()
            }
            _ => false,
        }
    }
}

/// Checks the text of a title, label or message.
fn text(what: &str, value: &str, max: usize) -> Result<(), String> {
    if value.contains('\0') {
        return Err(format!("the {what} holds a NUL character"));
    }
    if value.chars().count() > max {
        return Err(format!("the {what} is longer than {max} characters"));
    }
    Ok(())
}

fn optional(what: &str, value: Option<&String>, max: usize) -> Result<(), String> {
    value.map_or(Ok(()), |value| text(what, value, max))
}

fn filters(filters: &[FileFilter]) -> Result<(), String> {
    if filters.len() > MAX_FILTERS {
        return Err(format!("more than {MAX_FILTERS} filters"));
    }
    for filter in filters {
        text("filter name", &filter.name, MAX_LABEL)?;
        if filter.name.is_empty() {
            return Err("a filter has no name".into());
        }
        if filter.extensions.is_empty() || filter.extensions.len() > MAX_EXTENSIONS {
            return Err(format!(
                "filter `{}` needs 1 to {MAX_EXTENSIONS} extensions",
                filter.name
            ));
        }
        for extension in &filter.extensions {
            let plain = !extension.is_empty()
                && extension.len() <= MAX_EXTENSION
                && extension
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'));
            if extension != "*" && !plain {
                return Err(format!(
                    "filter `{}`: `{extension}` is not an extension (letters, digits, `_-+`, \
                     without the dot) or `*`",
                    filter.name
                ));
            }
        }
    }
    Ok(())
}

fn path(value: &Path, bare_name_too: bool) -> Result<(), String> {
    let shown = value.display();
    let Some(utf8) = value.to_str() else {
        return Err(format!("the default path `{shown}` is not UTF-8"));
    };
    text("default path", utf8, MAX_PATH)?;
    let bare_name = !utf8.is_empty() && !utf8.contains('/') && utf8 != "." && utf8 != "..";
    if value.is_absolute() || (bare_name_too && bare_name) {
        return Ok(());
    }
    Err(if bare_name_too {
        format!("the default path `{shown}` is neither absolute nor a file name")
    } else {
        format!("the default path `{shown}` is not absolute")
    })
}

impl Dialog {
    /// Checks the dialog against the host's bounds, and fills in a message
    /// box's defaults (one "OK" button; which buttons Enter and Escape
    /// choose).
    ///
    /// # Errors
    /// A sentence naming the option out of range.
    pub fn checked(self) -> Result<Self, String> {
        match self {
            Dialog::Open(open) => {
                optional("title", open.title.as_ref(), MAX_LABEL)?;
                optional("button label", open.button_label.as_ref(), MAX_LABEL)?;
                filters(&open.filters)?;
                if let Some(default) = &open.default_path {
                    path(default, false)?;
                }
                Ok(Dialog::Open(open))
            }
            Dialog::Save(save) => {
                optional("title", save.title.as_ref(), MAX_LABEL)?;
                optional("button label", save.button_label.as_ref(), MAX_LABEL)?;
                filters(&save.filters)?;
                if let Some(default) = &save.default_path {
                    path(default, true)?;
                }
                Ok(Dialog::Save(save))
            }
            Dialog::Message(mut message) => {
                optional("title", message.title.as_ref(), MAX_LABEL)?;
                text("message", &message.message, MAX_TEXT)?;
                optional("detail", message.detail.as_ref(), MAX_TEXT)?;
                if message.buttons.len() > MAX_BUTTONS {
                    return Err(format!("more than {MAX_BUTTONS} buttons"));
                }
                for button in &message.buttons {
                    text("button label", button, MAX_LABEL)?;
                    if button.is_empty() {
                        return Err("a button has no label".into());
                    }
                }
                if message.buttons.is_empty() {
                    message.buttons.push("OK".into());
                }
                let count = message.buttons.len();
                for (what, id) in [
                    ("default-id", message.default_id),
                    ("cancel-id", message.cancel_id),
                ] {
                    if id >= count {
                        return Err(format!("{what} {id} is not a button (there are {count})"));
                    }
                }
                Ok(Dialog::Message(message))
            }
        }
    }
}

/// A message box's cancel id when main gave none: the first button
/// reading "Cancel" or "No" (ignoring case and mnemonic underscores), else
/// the first.
pub fn default_cancel_id(buttons: &[String]) -> usize {
    buttons
        .iter()
        .position(|label| {
            let plain = label.replace('_', "").to_lowercase();
            plain == "cancel" || plain == "no"
        })
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn message(buttons: &[&str]) -> MessageBox {
        MessageBox {
            message: "Save?".into(),
            buttons: buttons.iter().map(|b| (*b).to_owned()).collect(),
            ..MessageBox::default()
        }
    }

    #[test]
    fn a_message_box_without_buttons_gets_ok() {
        let Dialog::Message(checked) = Dialog::Message(message(&[])).checked().unwrap() else {
            panic!("a message box");
        };
        assert_eq!(checked.buttons, ["OK"]);
        assert_eq!((checked.default_id, checked.cancel_id), (0, 0));
    }

    #[test]
    fn escape_chooses_cancel_or_no_when_main_names_none() {
        assert_eq!(default_cancel_id(&["Save".into(), "_Cancel".into()]), 1);
        assert_eq!(default_cancel_id(&["Yes".into(), "NO".into()]), 1);
        assert_eq!(default_cancel_id(&["Save".into(), "Discard".into()]), 0);
    }

    #[test]
    fn out_of_range_options_are_named() {
        let mut bad = message(&["A", "B"]);
        bad.cancel_id = 2;
        let error = Dialog::Message(bad).checked().unwrap_err();
        assert!(error.contains("cancel-id 2"), "{error}");

        let many: Vec<String> = (0..17).map(|i| i.to_string()).collect();
        let error = Dialog::Message(MessageBox {
            buttons: many,
            ..message(&[])
        })
        .checked()
        .unwrap_err();
        assert!(error.contains("more than 16 buttons"), "{error}");

        let error = Dialog::Message(message(&["A\0B"])).checked().unwrap_err();
        assert!(error.contains("NUL"), "{error}");

        let error = Dialog::Open(OpenDialog {
            default_path: Some("relative/dir".into()),
            ..OpenDialog::default()
        })
        .checked()
        .unwrap_err();
        assert!(error.contains("not absolute"), "{error}");

        let error = Dialog::Save(SaveDialog {
            filters: vec![FileFilter {
                name: "Images".into(),
                extensions: vec![".png".into()],
            }],
            ..SaveDialog::default()
        })
        .checked()
        .unwrap_err();
        assert!(error.contains("`.png` is not an extension"), "{error}");
    }

    #[test]
    fn a_save_dialog_may_propose_a_bare_file_name() {
        for good in ["notes.txt", "/tmp/notes.txt", "/tmp"] {
            let dialog = Dialog::Save(SaveDialog {
                default_path: Some(good.into()),
                ..SaveDialog::default()
            });
            assert!(dialog.checked().is_ok(), "{good}");
        }
        for bad in ["dir/notes.txt", "..", ""] {
            let dialog = Dialog::Save(SaveDialog {
                default_path: Some(bad.into()),
                ..SaveDialog::default()
            });
            assert!(dialog.checked().is_err(), "{bad}");
        }
    }

    #[test]
    fn answers_must_fit_the_dialog() {
        let open = Dialog::Open(OpenDialog::default());
        assert!(open.accepts(&DialogAnswer::Files(vec!["/a".into()])));
        assert!(!open.accepts(&DialogAnswer::Files(vec!["/a".into(), "/b".into()])));
        assert!(!open.accepts(&DialogAnswer::Button(0)));
        let boxed = Dialog::Message(message(&["A", "B"]));
        assert!(boxed.accepts(&DialogAnswer::Button(1)));
        assert!(!boxed.accepts(&DialogAnswer::Button(2)));
        assert_eq!(open.dismissed(), DialogAnswer::Files(Vec::new()));
    }
}
