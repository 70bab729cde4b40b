//! UI events: what a page declared with `data-on` reports to its renderer.
//! The page's script posts them ([`page`](crate::page) parses them as
//! hostile input) and the host passes them on to the renderer's worker in
//! [`HostToWorker::Ui`](crate::HostToWorker::Ui).

use serde::{Deserialize, Deserializer, Serialize};

/// The most files one `drop` event names. `page.js` sends the first this
/// many of a larger drop; a page that sends more is refused.
pub const MAX_DROPPED_FILES: usize = 1000;

/// The kinds of UI event a page can declare with `data-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Click,
    Input,
    Change,
    Submit,
    Keydown,
    Keyup,
    /// The element or one inside it took the keyboard focus (`focusin`).
    Focus,
    /// The element or one inside it lost the keyboard focus (`focusout`).
    Blur,
    Dblclick,
    Contextmenu,
    Pointerdown,
    Pointerup,
    Pointermove,
    Drop,
}

/// What [`UiEvent::detail`] holds for an event of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailShape {
    /// No detail.
    None,
    /// [`EventDetail::Key`].
    Key,
    /// [`EventDetail::Pointer`].
    Pointer,
    /// [`EventDetail::Drop`].
    Drop,
}

impl EventKind {
    /// Every kind, in the order of the WIT `event-kind`.
    pub const ALL: [EventKind; 14] = [
        Self::Click,
        Self::Input,
        Self::Change,
        Self::Submit,
        Self::Keydown,
        Self::Keyup,
        Self::Focus,
        Self::Blur,
        Self::Dblclick,
        Self::Contextmenu,
        Self::Pointerdown,
        Self::Pointerup,
        Self::Pointermove,
        Self::Drop,
    ];

    /// Parses the name used in `data-on` (`"click"`, `"keydown"`, ...).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The name used in `data-on`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Click => "click",
            Self::Input => "input",
            Self::Change => "change",
            Self::Submit => "submit",
            Self::Keydown => "keydown",
            Self::Keyup => "keyup",
            Self::Focus => "focus",
            Self::Blur => "blur",
            Self::Dblclick => "dblclick",
            Self::Contextmenu => "contextmenu",
            Self::Pointerdown => "pointerdown",
            Self::Pointerup => "pointerup",
            Self::Pointermove => "pointermove",
            Self::Drop => "drop",
        }
    }

    /// The detail an event of this kind carries: keys for `keydown` and
    /// `keyup`; the pointer for the pointer events, `dblclick` and
    /// `contextmenu`; the files for `drop`; none for the rest.
    pub fn detail_shape(self) -> DetailShape {
        match self {
            Self::Keydown | Self::Keyup => DetailShape::Key,
            Self::Pointerdown
            | Self::Pointerup
            | Self::Pointermove
            | Self::Dblclick
            | Self::Contextmenu => DetailShape::Pointer,
            Self::Drop => DetailShape::Drop,
            Self::Click | Self::Input | Self::Change | Self::Submit | Self::Focus | Self::Blur => {
                DetailShape::None
            }
        }
    }
}

/// A UI event from a page, delivered to the window's renderer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UiEvent {
    pub kind: EventKind,
    /// The `id` of the element that declared the listener ("" when it has none).
    pub target: String,
    /// The element's value, for form controls.
    pub value: Option<String>,
    /// For `submit`: the form's named fields in document order.
    pub fields: Vec<(String, String)>,
    /// What the kind carries beyond those ([`EventKind::detail_shape`]).
    #[serde(default)]
    pub detail: Option<EventDetail>,
}

impl UiEvent {
    /// Whether the detail is the one the kind carries.
    pub fn detail_fits(&self) -> bool {
        let shape = match &self.detail {
            None => DetailShape::None,
            Some(EventDetail::Key(_)) => DetailShape::Key,
            Some(EventDetail::Pointer(_)) => DetailShape::Pointer,
            Some(EventDetail::Drop(_)) => DetailShape::Drop,
        };
        shape == self.kind.detail_shape()
    }
}

/// What a key, pointer or drop event carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum EventDetail {
    Key(KeyInfo),
    Pointer(PointerInfo),
    Drop(#[serde(deserialize_with = "at_most_max_files")] Vec<DroppedFile>),
}

/// A key pressed or released (`KeyboardEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyInfo {
    /// The key's value as the layout gives it: `"s"`, `"S"`, `"Enter"`, `"Delete"`.
    pub key: String,
    /// The physical key: `"KeyS"`, `"Enter"`, `"Delete"`.
    pub code: String,
    pub ctrl: bool,
    pub shift: bool,
    pub alt: bool,
    pub meta: bool,
    /// The key is held down and repeating.
    pub repeat: bool,
}

/// Where the pointer is, and its buttons (`PointerEvent`, `MouseEvent`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointerInfo {
    /// Client coordinates: CSS pixels from the page's viewport.
    pub x: f64,
    pub y: f64,
    /// The button that changed: 0 main, 1 middle, 2 secondary; -1 none
    /// (a move).
    pub button: i16,
    /// The buttons held, as a bit set: 1 main, 2 secondary, 4 middle.
    pub buttons: u16,
}

/// A file dropped on the page: what it is called and how large, never what
/// it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DroppedFile {
    /// The file's name, without its folder.
    pub name: String,
    pub size: u64,
    /// The MIME type the browser guessed from the name; `""` when unknown.
    pub mime_type: String,
}

/// Reads a list of dropped files, refusing one longer than
/// [`MAX_DROPPED_FILES`] as soon as it gets there rather than after
/// holding all of it.
fn at_most_max_files<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<DroppedFile>, D::Error> {
    struct Files;

    impl<'de> serde::de::Visitor<'de> for Files {
        type Value = Vec<DroppedFile>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a list of at most {MAX_DROPPED_FILES} dropped files")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut files = Vec::new();
            while let Some(file) = seq.next_element()? {
                if files.len() == MAX_DROPPED_FILES {
                    return Err(serde::de::Error::custom(format!(
                        "more than {MAX_DROPPED_FILES} dropped files"
                    )));
                }
                files.push(file);
            }
            Ok(files)
        }
    }

    deserializer.deserialize_seq(Files)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_kind_has_its_name_and_its_shape() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_name(kind.name()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        assert_eq!(EventKind::from_name("hover"), None);
        assert_eq!(EventKind::from_name("Click"), None);
        assert_eq!(EventKind::Keyup.detail_shape(), DetailShape::Key);
        assert_eq!(EventKind::Contextmenu.detail_shape(), DetailShape::Pointer);
        assert_eq!(EventKind::Drop.detail_shape(), DetailShape::Drop);
        assert_eq!(EventKind::Focus.detail_shape(), DetailShape::None);
    }

    #[test]
    fn details_survive_messagepack() {
        for detail in [
            EventDetail::Key(KeyInfo {
                key: "s".into(),
                code: "KeyS".into(),
                ctrl: true,
                shift: false,
                alt: false,
                meta: false,
                repeat: true,
            }),
            EventDetail::Pointer(PointerInfo {
                x: 10.5,
                y: -3.0,
                button: -1,
                buttons: 5,
            }),
            EventDetail::Drop(vec![DroppedFile {
                name: "notes.txt".into(),
                size: 1 << 40,
                mime_type: "text/plain".into(),
            }]),
        ] {
            let bytes = rmp_serde::to_vec_named(&detail).unwrap();
            assert_eq!(
                rmp_serde::from_slice::<EventDetail>(&bytes).unwrap(),
                detail
            );
        }
    }

    #[test]
    fn a_drop_of_more_than_the_cap_is_refused() {
        let file = r#"{"name":"a","size":1,"mime-type":""}"#;
        let list = |n: usize| format!(r#"{{"drop":[{}]}}"#, vec![file; n].join(","));
        let taken: EventDetail = serde_json::from_str(&list(MAX_DROPPED_FILES)).unwrap();
        assert!(matches!(taken, EventDetail::Drop(files) if files.len() == MAX_DROPPED_FILES));
        let error = serde_json::from_str::<EventDetail>(&list(MAX_DROPPED_FILES + 1))
            .unwrap_err()
            .to_string();
        assert!(error.contains("more than 1000 dropped files"), "{error}");
    }
}
