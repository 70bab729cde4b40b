//! The notes app's main component: it keeps the notes, in memory, for
//! every window. It exports the app's interface `notes:app/store`, which
//! each window's renderer imports from main, and after each change it
//! pushes the new total to every open window (`notes-changed`), so that a
//! window hears of notes another window added.

mod notebook;

/// The bindings of the interface main exports; the glue wit-bindgen
/// generates is unsafe code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        // wasmtron's WIT first: the app's WIT uses its `ipc-error`.
        path: ["../../../wit", "../wit"],
        world: "notes:app/notes-main",
        with: { "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types },
    });

    use super::Store;

    export!(Store);
}

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use bindings::exports::notes::app::store::{Draft, Guest, Note, StoreError};
use notebook::{Entry, Notebook, Refused};
use wasmtron_guest::{Main, log, windows};

thread_local! {
    /// The notes. The store's functions are free functions, so what they
    /// share lives here, not in [`NotesMain`].
    static NOTEBOOK: RefCell<Notebook> = RefCell::new(Notebook::default());
}

/// The push each window's renderer turns into its page's `notesChanged`.
const CHANGED: &str = "notes-changed";

fn note(entry: &Entry) -> Note {
    Note {
        id: entry.id,
        title: entry.title.clone(),
        body: entry.body.clone(),
        tags: entry.tags.clone(),
        pinned: entry.pinned,
        created_ms: entry.created_ms,
    }
}

fn refused(why: Refused) -> StoreError {
    match why {
        Refused::EmptyTitle => StoreError::EmptyTitle,
        Refused::TitleTooLong(max) => StoreError::TitleTooLong(max),
        Refused::TooManyTags(max) => StoreError::TooManyTags(max),
        Refused::NotFound(id) => StoreError::NotFound(id),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// Makes `edit` to the notebook and, when it changed something, tells
/// every open window how many notes there are now.
fn change<T>(edit: impl FnOnce(&mut Notebook) -> Result<T, Refused>) -> Result<T, StoreError> {
    let (done, total) = NOTEBOOK.with(|book| {
        let mut book = book.borrow_mut();
        let done = edit(&mut book);
        (done, book.all().len())
    });
    let done = done.map_err(refused)?;
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    for label in windows::labels() {
        // A window closing meanwhile misses nothing it could still show.
        if let Err(err) = windows::push(&label, CHANGED, &total) {
            log::warn(&format!("cannot tell window `{label}`: {}", err.message));
        }
    }
    Ok(done)
}

struct Store;

impl Guest for Store {
    fn all() -> Result<Vec<Note>, StoreError> {
        Ok(NOTEBOOK.with(|book| book.borrow().all().iter().map(note).collect()))
    }

    fn add(draft: Draft) -> Result<Note, StoreError> {
        let created = now_ms();
        change(|book| {
            book.add(&draft.title, &draft.body, &draft.tags, created)
                .map(note)
        })
    }

    fn set_pinned(id: u32, pinned: bool) -> Result<Note, StoreError> {
        change(|book| book.set_pinned(id, pinned).map(note))
    }

    fn remove(id: u32) -> Result<(), StoreError> {
        change(|book| book.remove(id))
    }
}

/// Main has nothing to do but answer the store's calls.
#[derive(Default)]
struct NotesMain;

impl Main for NotesMain {
    fn on_ready(&mut self) {
        log::info("notes: the store is open");
    }
}

wasmtron_guest::export_main!(NotesMain);
