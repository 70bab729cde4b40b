//! Native dialogs on the desktop: GTK file choosers and message boxes,
//! built and answered on the event-loop thread.
//!
//! A dialog never runs a nested main loop (`gtk_dialog_run`): it is shown,
//! and its `response` signal sends the answer and closes it, while the
//! event loop goes on serving every window. Each dialog's reply is kept
//! here as well, so a window that closes (or the app ending) can drop the
//! replies of its dialogs, which the asker reads as "closed".

use std::cell::RefCell;
use std::fmt;
use std::path::Path;
use std::rc::Rc;

use gtk::prelude::*;
use tokio::sync::oneshot;

use crate::window::{Dialog, DialogAnswer, FileFilter, MessageBox, MessageKind};

type Reply = Rc<RefCell<Option<oneshot::Sender<DialogAnswer>>>>;

/// A dialog on screen.
struct Shown {
    parent: Option<String>,
    widget: gtk::Dialog,
    reply: Reply,
}

/// The dialogs on screen.
#[derive(Default)]
pub(super) struct NativeDialogs {
    shown: Vec<Shown>,
}

impl fmt::Debug for NativeDialogs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeDialogs")
            .field("shown", &self.shown.len())
            .finish()
    }
}

impl NativeDialogs {
    /// Shows `dialog`, modal to `parent` (the window labelled `label`) when
    /// there is one.
    pub(super) fn show(
        &mut self,
        parent: Option<(&str, &gtk::ApplicationWindow)>,
        dialog: Dialog,
        answer: oneshot::Sender<DialogAnswer>,
    ) {
        // Answered dialogs closed themselves.
        self.shown.retain(|shown| shown.reply.borrow().is_some());
        let window = parent.map(|(_, window)| window);
        let widget = match &dialog {
            Dialog::Open(open) => {
                let action = if open.directories {
                    gtk::FileChooserAction::SelectFolder
                } else {
                    gtk::FileChooserAction::Open
                };
                let chooser = chooser(
                    open.title.as_deref().unwrap_or("Open"),
                    window,
                    action,
                    open.button_label.as_deref().unwrap_or("_Open"),
                    &open.filters,
                    open.show_hidden,
                );
                chooser.set_select_multiple(open.multiple);
                if let Some(path) = &open.default_path {
                    if path.is_dir() {
                        chooser.set_current_folder(path);
                    } else {
                        chooser.set_filename(path);
                    }
                }
                chooser.upcast::<gtk::Dialog>()
            }
            Dialog::Save(save) => {
                let chooser = chooser(
                    save.title.as_deref().unwrap_or("Save"),
                    window,
                    gtk::FileChooserAction::Save,
                    save.button_label.as_deref().unwrap_or("_Save"),
                    &save.filters,
                    save.show_hidden,
                );
                chooser.set_do_overwrite_confirmation(true);
                chooser.set_create_folders(true);
                if let Some(path) = &save.default_path {
                    propose(&chooser, path);
                }
                chooser.upcast::<gtk::Dialog>()
            }
            Dialog::Message(message) => message_box(window, message),
        };
        if window.is_some() {
            widget.set_modal(true);
            widget.set_destroy_with_parent(true);
        }
        let reply: Reply = Rc::new(RefCell::new(Some(answer)));
        let answered = Rc::clone(&reply);
        widget.connect_response(move |widget, response| {
            let Some(reply) = answered.borrow_mut().take() else {
                // The close below reports a second response.
                return;
            };
            let answer = match &dialog {
                Dialog::Open(_) | Dialog::Save(_) => {
                    let files = match (response, widget.dynamic_cast_ref::<gtk::FileChooser>()) {
                        (gtk::ResponseType::Accept, Some(chooser)) => chooser.filenames(),
                        _ => Vec::new(),
                    };
                    DialogAnswer::Files(files)
                }
                Dialog::Message(message) => match response {
                    gtk::ResponseType::Other(index)
                        if usize::from(index) < message.buttons.len() =>
                    {
                        DialogAnswer::Button(usize::from(index))
                    }
                    _ => DialogAnswer::Button(message.cancel_id),
                },
            };
            let _ = reply.send(answer);
            widget.close();
        });
        widget.show_all();
        if window.is_some() {
            widget.present();
        }
        self.shown.push(Shown {
            parent: parent.map(|(label, _)| label.to_owned()),
            widget,
            reply,
        });
    }

    /// Closes the dialogs of window `label` (every dialog for `None`)
    /// unanswered.
    pub(super) fn close(&mut self, label: Option<&str>) {
        self.shown.retain(|shown| {
            let goes = label.is_none() || shown.parent.as_deref() == label;
            if goes {
                // Dropped first, so the response the close causes finds no
                // reply to send.
                shown.reply.borrow_mut().take();
                shown.widget.close();
            }
            !goes
        });
    }
}

/// A file chooser with Cancel and an accept button.
fn chooser(
    title: &str,
    parent: Option<&gtk::ApplicationWindow>,
    action: gtk::FileChooserAction,
    accept: &str,
    filters: &[FileFilter],
    show_hidden: bool,
) -> gtk::FileChooserDialog {
    let chooser = gtk::FileChooserDialog::with_buttons(
        Some(title),
        parent,
        action,
        &[
            ("_Cancel", gtk::ResponseType::Cancel),
            (accept, gtk::ResponseType::Accept),
        ],
    );
    chooser.set_default_response(gtk::ResponseType::Accept);
    chooser.set_show_hidden(show_hidden);
    for filter in filters {
        let native = gtk::FileFilter::new();
        native.set_name(Some(&filter.name));
        for extension in &filter.extensions {
            if extension == "*" {
                native.add_pattern("*");
            } else {
                native.add_pattern(&format!("*.{extension}"));
            }
        }
        chooser.add_filter(native);
    }
    chooser
}

/// Puts a save dialog's proposed path in place: a folder opens, a file
/// name is filled in.
fn propose(chooser: &gtk::FileChooserDialog, path: &Path) {
    if path.is_dir() {
        chooser.set_current_folder(path);
        return;
    }
    if let Some(folder) = path.parent().filter(|folder| folder.is_dir()) {
        chooser.set_current_folder(folder);
    }
    if let Some(name) = path.file_name().and_then(|name| name.to_str()) {
        chooser.set_current_name(name);
    }
}

fn message_box(parent: Option<&gtk::ApplicationWindow>, message: &MessageBox) -> gtk::Dialog {
    let kind = match message.kind {
        MessageKind::None => gtk::MessageType::Other,
        MessageKind::Info => gtk::MessageType::Info,
        MessageKind::Warning => gtk::MessageType::Warning,
        MessageKind::Error => gtk::MessageType::Error,
        MessageKind::Question => gtk::MessageType::Question,
    };
    let dialog = gtk::MessageDialog::new(
        parent,
        gtk::DialogFlags::empty(),
        kind,
        gtk::ButtonsType::None,
        &message.message,
    );
    if let Some(title) = &message.title {
        dialog.set_title(title);
    }
    if let Some(detail) = &message.detail {
        dialog.set_secondary_text(Some(detail));
    }
    for (index, label) in message.buttons.iter().enumerate() {
        // At most 16 buttons: the index fits.
        let index = u16::try_from(index).unwrap_or(u16::MAX);
        dialog.add_button(label, gtk::ResponseType::Other(index));
    }
    let default = u16::try_from(message.default_id).unwrap_or(0);
    dialog.set_default_response(gtk::ResponseType::Other(default));
    dialog.upcast()
}
