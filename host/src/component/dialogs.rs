//! The main world's `dialogs` import: native file choosers and message
//! boxes. Main waits in the call for the user's answer, as Electron's
//! synchronous dialog calls do; the wait costs it no CPU time.

use std::path::PathBuf;

use tokio::sync::oneshot;

use super::main::MainState;
use crate::bindings::main::wasmtron::app::dialogs as wit;
use crate::shell::DialogRefused;
use crate::window::{
    Dialog, DialogAnswer, FileFilter, MessageBox, MessageKind, OpenDialog, SaveDialog,
    default_cancel_id,
};

impl MainState {
    /// Shows `dialog`; the receiver yields the answer. (Only the receiver
    /// is held across the wait: the state is not `Sync`.)
    fn show(
        &self,
        window: Option<String>,
        dialog: Dialog,
    ) -> Result<oneshot::Receiver<DialogAnswer>, wit::DialogError> {
        self.shell
            .show_dialog(window.as_deref(), dialog)
            .map_err(|refused| match refused {
                DialogRefused::NotOpen(label) => wit::DialogError::NotOpen(label),
                DialogRefused::BadOptions(reason) => wit::DialogError::BadOptions(reason),
            })
    }
}

/// Waits for the user's answer; a dialog that went away is `closed`. The
/// wait is main's on its user: invokes waiting for main meanwhile do not
/// count it toward their timeout.
async fn answer(
    router: std::sync::Arc<crate::ipc::Router>,
    shown: Result<oneshot::Receiver<DialogAnswer>, wit::DialogError>,
) -> Result<DialogAnswer, wit::DialogError> {
    let shown = shown?;
    let _waiting = router.user_waits().begin();
    shown.await.map_err(|_| wit::DialogError::Closed)
}

fn filters(filters: Vec<wit::FileFilter>) -> Vec<FileFilter> {
    filters
        .into_iter()
        .map(|filter| FileFilter {
            name: filter.name,
            extensions: filter.extensions,
        })
        .collect()
}

/// Paths as main gets them: strings. A path that is not UTF-8 cannot be
/// named in a WIT string; it is left out, and the log says so.
fn strings(files: Vec<PathBuf>) -> Vec<String> {
    files
        .into_iter()
        .filter_map(|file| match file.into_os_string().into_string() {
            Ok(file) => Some(file),
            Err(file) => {
                tracing::warn!(?file, "a chosen path is not UTF-8; main cannot be given it");
                None
            }
        })
        .collect()
}

fn index(id: Option<u32>) -> Option<usize> {
    // Past any button: `checked` names it.
    id.map(|id| usize::try_from(id).unwrap_or(usize::MAX))
}

impl wit::Host for MainState {
    async fn open_file(
        &mut self,
        window: Option<String>,
        options: wit::OpenOptions,
    ) -> Result<Vec<String>, wit::DialogError> {
        let dialog = Dialog::Open(OpenDialog {
            title: options.title,
            default_path: options.default_path.map(PathBuf::from),
            button_label: options.button_label,
            filters: filters(options.filters),
            directories: options.directories,
            multiple: options.multiple,
            show_hidden: options.show_hidden,
        });
        match answer(self.shell.router().clone(), self.show(window, dialog)).await? {
            DialogAnswer::Files(files) => Ok(strings(files)),
            DialogAnswer::Button(_) => Ok(Vec::new()),
        }
    }

    async fn save_file(
        &mut self,
        window: Option<String>,
        options: wit::SaveOptions,
    ) -> Result<Option<String>, wit::DialogError> {
        let dialog = Dialog::Save(SaveDialog {
            title: options.title,
            default_path: options.default_path.map(PathBuf::from),
            button_label: options.button_label,
            filters: filters(options.filters),
            show_hidden: options.show_hidden,
        });
        match answer(self.shell.router().clone(), self.show(window, dialog)).await? {
            DialogAnswer::Files(files) => Ok(strings(files).into_iter().next()),
            DialogAnswer::Button(_) => Ok(None),
        }
    }

    async fn message_box(
        &mut self,
        window: Option<String>,
        options: wit::MessageOptions,
    ) -> Result<u32, wit::DialogError> {
        let kind = match options.kind {
            wit::MessageKind::None => MessageKind::None,
            wit::MessageKind::Info => MessageKind::Info,
            wit::MessageKind::Warning => MessageKind::Warning,
            wit::MessageKind::Error => MessageKind::Error,
            wit::MessageKind::Question => MessageKind::Question,
        };
        let dialog = Dialog::Message(MessageBox {
            kind,
            title: options.title,
            message: options.message,
            detail: options.detail,
            default_id: index(options.default_id).unwrap_or(0),
            cancel_id: index(options.cancel_id)
                .unwrap_or_else(|| default_cancel_id(&options.buttons)),
            buttons: options.buttons,
        });
        match answer(self.shell.router().clone(), self.show(window, dialog)).await? {
            DialogAnswer::Button(index) => Ok(u32::try_from(index).unwrap_or(0)),
            DialogAnswer::Files(_) => Err(wit::DialogError::Closed),
        }
    }
}
