//! Main's control over open windows beyond opening and closing them: the
//! options a window is created with, focus, visibility, title and size,
//! what the host knows of each window's frame, the events main hears, and
//! the close that main may refuse.

use super::{Shell, WindowControlError, lock};
use crate::lifecycle::WindowEventKind;
use crate::mailbox::MainCall;
use crate::manifest::WindowManifest;
use crate::window::{Dialog, DialogAnswer, WindowChange, WindowSpec};

/// Sizes a window may have, in logical pixels (as the manifest's).
const SIZES: std::ops::RangeInclusive<u32> = 100..=16384;

/// How main creates a window, over what the manifest declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WindowOptions {
    pub title: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub min_size: (Option<u32>, Option<u32>),
    pub max_size: (Option<u32>, Option<u32>),
    pub position: (Option<i32>, Option<i32>),
    pub resizable: Option<bool>,
    pub visible: Option<bool>,
    /// Developer tools for the page: the host sets it in dev mode; main
    /// cannot ask for it.
    pub devtools: bool,
}

/// Why a dialog was not shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DialogRefused {
    /// The window to attach it to is not open.
    NotOpen(String),
    /// An option is out of range; the text says which.
    BadOptions(String),
}

/// What the host knows of an open window's frame, kept from what main
/// asked and what the window system reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WindowState {
    pub title: String,
    pub size: (u32, u32),
    pub visible: bool,
    pub focused: bool,
    pub resizable: bool,
}

impl WindowState {
    pub(crate) fn of(spec: &WindowSpec) -> Self {
        WindowState {
            title: spec.title.clone(),
            size: (spec.width, spec.height),
            visible: spec.visible,
            focused: false,
            resizable: spec.resizable,
        }
    }
}

/// One size, checked against [`SIZES`].
fn size(what: &str, value: u32) -> Result<u32, String> {
    if SIZES.contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "{what} is {value}; it must be between {} and {}",
            SIZES.start(),
            SIZES.end()
        ))
    }
}

/// A pair of bounds, both given or neither.
fn pair(
    what: &str,
    (width, height): (Option<u32>, Option<u32>),
) -> Result<Option<(u32, u32)>, String> {
    match (width, height) {
        (None, None) => Ok(None),
        (Some(w), Some(h)) => Ok(Some((
            size(&format!("{what}-width"), w)?,
            size(&format!("{what}-height"), h)?,
        ))),
        _ => Err(format!("{what}-width and {what}-height go together")),
    }
}

/// Most menus in a bar, and entries in a menu.
const MAX_MENUS: usize = 32;
const MAX_ENTRIES: usize = 256;

/// A menu bar main may set: bounded sizes, unique non-empty item ids, and
/// shortcuts that parse.
fn check_menu(bar: &crate::window::MenuBar) -> Result<(), String> {
    use crate::window::MenuEntry;
    if bar.menus.len() > MAX_MENUS {
        return Err(format!(
            "the menu bar has {} menus; at most {MAX_MENUS}",
            bar.menus.len()
        ));
    }
    let mut ids = std::collections::HashSet::new();
    for menu in &bar.menus {
        if menu.entries.len() > MAX_ENTRIES {
            return Err(format!(
                "menu `{}` has {} entries; at most {MAX_ENTRIES}",
                menu.label,
                menu.entries.len()
            ));
        }
        if menu.label.chars().count() > 256 {
            return Err("a menu label is longer than 256 characters".into());
        }
        for entry in &menu.entries {
            let MenuEntry::Item {
                id,
                label,
                accelerator,
                ..
            } = entry
            else {
                continue;
            };
            if id.is_empty() || id.len() > 128 {
                return Err(format!("menu item id `{id}` must be 1 to 128 bytes"));
            }
            if !ids.insert(id.as_str()) {
                return Err(format!("menu item id `{id}` is used twice"));
            }
            if label.chars().count() > 256 {
                return Err(format!("menu item `{id}` has a label over 256 characters"));
            }
            if let Some(accelerator) = accelerator
                && accelerator
                    .parse::<muda::accelerator::Accelerator>()
                    .is_err()
            {
                return Err(format!(
                    "menu item `{id}` has the shortcut `{accelerator}`, which does not parse"
                ));
            }
        }
    }
    Ok(())
}

/// The window system's spec for the declared window `declared` opened with
/// `options`, or why the options cannot be.
pub(crate) fn window_spec(
    declared: &WindowManifest,
    options: &WindowOptions,
    hardware_acceleration: crate::manifest::HardwareAcceleration,
) -> Result<WindowSpec, String> {
    let width = size("width", options.width.unwrap_or(declared.width))?;
    let height = size("height", options.height.unwrap_or(declared.height))?;
    let min_size = pair("min", options.min_size)?;
    let max_size = pair("max", options.max_size)?;
    if let (Some(min), Some(max)) = (min_size, max_size)
        && (min.0 > max.0 || min.1 > max.1)
    {
        return Err(format!(
            "the minimum size {}x{} is larger than the maximum {}x{}",
            min.0, min.1, max.0, max.1
        ));
    }
    let position = match options.position {
        (None, None) => None,
        (Some(x), Some(y)) => Some((x, y)),
        _ => return Err("x and y go together".into()),
    };
    let title = options
        .title
        .clone()
        .unwrap_or_else(|| declared.title.clone());
    if let Some(why) = crate::manifest::title_problem(&title) {
        return Err(format!("the title {why}"));
    }
    Ok(WindowSpec {
        label: declared.label.clone(),
        title,
        width,
        height,
        ui_root: declared.ui.clone(),
        entry: declared.entry.clone(),
        min_size,
        max_size,
        position,
        resizable: options.resizable.unwrap_or(true),
        visible: options.visible.unwrap_or(true),
        devtools: options.devtools,
        hardware_acceleration,
        // The caller's, which knows where the app keeps it.
        web_storage: None,
    })
}

impl Shell {
    /// Asks main whether window `label` may close (`on-window-close`); it
    /// closes now when there is no main. Returns before main answers.
    pub(crate) fn request_close(&self, label: &str) -> Result<(), WindowControlError> {
        if !lock(&self.windows).contains_key(label) {
            return Err(WindowControlError::NotOpen(label.to_owned()));
        }
        match &self.main {
            Some(main) if !self.ending() => {
                if main
                    .post(MainCall::CloseRequested(label.to_owned()))
                    .is_err()
                {
                    // Main is gone: nobody can refuse.
                    let _ = self.close_window(label);
                }
                Ok(())
            }
            _ => self.close_window(label),
        }
    }

    /// Main's answer to a close request.
    pub(crate) fn close_answered(&self, label: &str, close: bool) {
        if close {
            // Closed meanwhile is as good.
            let _ = self.close_window(label);
        } else {
            tracing::debug!(window = label, "main kept the window open");
        }
    }

    /// Changes an open window (title, size, focus, visibility).
    pub(crate) fn update_window(
        &self,
        label: &str,
        change: WindowChange,
    ) -> Result<(), WindowControlError> {
        let bad = |reason: String| WindowControlError::BadOptions {
            label: label.to_owned(),
            reason,
        };
        match &change {
            WindowChange::Size(width, height) => {
                size("width", *width).map_err(bad)?;
                size("height", *height).map_err(bad)?;
            }
            WindowChange::Title(title) => {
                if let Some(why) = crate::manifest::title_problem(title) {
                    return Err(bad(format!("the title {why}")));
                }
            }
            WindowChange::Menu(bar) => check_menu(bar).map_err(bad)?,
            _ => {}
        }
        {
            let mut windows = lock(&self.windows);
            let window = windows
                .get_mut(label)
                .ok_or_else(|| WindowControlError::NotOpen(label.to_owned()))?;
            if let WindowChange::Title(title) = &change {
                window.state.title.clone_from(title);
            }
        }
        self.backend.update(label, change);
        Ok(())
    }

    /// Shows a native dialog for main, modal to window `parent` when given.
    /// The receiver yields the answer, or fails when the dialog went away
    /// unanswered (its window closed, the app is ending).
    pub(crate) fn show_dialog(
        &self,
        parent: Option<&str>,
        dialog: Dialog,
    ) -> Result<tokio::sync::oneshot::Receiver<DialogAnswer>, DialogRefused> {
        let dialog = dialog.checked().map_err(DialogRefused::BadOptions)?;
        if let Some(label) = parent
            && !lock(&self.windows).contains_key(label)
        {
            return Err(DialogRefused::NotOpen(label.to_owned()));
        }
        let (answer, receiver) = tokio::sync::oneshot::channel();
        if self.ending() {
            // Dropping `answer`: the receiver reports the dialog gone.
            return Ok(receiver);
        }
        tracing::debug!(window = parent, ?dialog, "showing a dialog");
        self.backend.dialog(parent, dialog, answer);
        Ok(receiver)
    }

    /// What the host knows of open window `label`.
    pub(crate) fn window_state(&self, label: &str) -> Option<WindowState> {
        lock(&self.windows).get(label).map(|w| w.state.clone())
    }

    /// Keeps the window's state and tells main.
    pub(super) fn window_event(&self, label: &str, event: WindowEventKind) {
        {
            let mut windows = lock(&self.windows);
            let Some(window) = windows.get_mut(label) else {
                return;
            };
            match event {
                WindowEventKind::Focus => window.state.focused = true,
                WindowEventKind::Blur => window.state.focused = false,
                WindowEventKind::Resized(width, height) => window.state.size = (width, height),
                WindowEventKind::Shown => window.state.visible = true,
                WindowEventKind::Hidden => window.state.visible = false,
                WindowEventKind::ReadyToShow => {}
            }
        }
        if self.ending() {
            return;
        }
        if let Some(main) = &self.main {
            let _ = main.post(MainCall::WindowEvent {
                label: label.to_owned(),
                event,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared() -> WindowManifest {
        WindowManifest {
            label: "main".into(),
            title: "App".into(),
            width: 800,
            height: 600,
            renderer: "r.wasm".into(),
            ui: "ui".into(),
            entry: "index.html".into(),
            channels: Vec::new(),
            open_at_start: true,
            precise_clocks: false,
            limits: crate::manifest::Limits::default(),
            imports: Vec::new(),
            page_api: None,
            content: None,
            app_folders: Vec::new(),
            allowed_hosts: Vec::new(),
            persistent_storage: false,
        }
    }

    #[test]
    fn options_go_over_the_manifest() {
        let spec = window_spec(
            &declared(),
            &WindowOptions {
                title: Some("Other".into()),
                width: Some(400),
                min_size: (Some(200), Some(150)),
                position: (Some(-10), Some(20)),
                visible: Some(false),
                ..WindowOptions::default()
            },
            crate::manifest::HardwareAcceleration::Off,
        )
        .expect("valid");
        assert_eq!(spec.title, "Other");
        assert_eq!(
            spec.hardware_acceleration,
            crate::manifest::HardwareAcceleration::Off,
            "the app's setting reaches every window"
        );
        assert_eq!((spec.width, spec.height), (400, 600));
        assert_eq!(spec.min_size, Some((200, 150)));
        assert_eq!(spec.position, Some((-10, 20)));
        assert!(!spec.visible && spec.resizable);
    }

    #[test]
    fn bad_options_are_named() {
        let cases = [
            (
                WindowOptions {
                    width: Some(5),
                    ..WindowOptions::default()
                },
                "width is 5",
            ),
            (
                WindowOptions {
                    min_size: (Some(300), None),
                    ..WindowOptions::default()
                },
                "min-width and min-height go together",
            ),
            (
                WindowOptions {
                    min_size: (Some(500), Some(500)),
                    max_size: (Some(400), Some(600)),
                    ..WindowOptions::default()
                },
                "larger than the maximum",
            ),
            (
                WindowOptions {
                    position: (Some(1), None),
                    ..WindowOptions::default()
                },
                "x and y go together",
            ),
        ];
        for (options, expected) in cases {
            let err = window_spec(&declared(), &options, Default::default()).expect_err("refused");
            assert!(err.contains(expected), "{err}");
        }
    }
}
