//! The notes window's renderer. Its page is plain HTML whose own scripts
//! (Preact and htm, in `ui/`) draw the UI; they call this component through
//! its page API, `notes:app/api` (`wasmtron.api.list(...)` and so on). The
//! renderer answers from the notes main keeps, through `notes:app/store`,
//! which it imports from main, and searches and orders them for the page.
//! When main says the notes changed (a push, after any window's change), it
//! tells its page with the event `notesChanged` (`notes:app/events`, bound
//! to `"page"`).

mod search;

/// The bindings of the app's interfaces; the glue wit-bindgen generates is
/// unsafe code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        // wasmtron's WIT first: the app's WIT uses its `ipc-error`.
        path: ["../../../wit", "../wit"],
        world: "notes:app/notes-renderer",
        with: { "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types },
    });

    use super::Api;

    export!(Api);
}

use bindings::exports::notes::app::api::{Draft, Guest, Listing, Note, Refusal};
use bindings::notes::app::{events, store};
use search::Searchable;
use wasmtron_guest::{Push, Renderer, log};

impl Searchable for Note {
    fn title(&self) -> &str {
        &self.title
    }
    fn body(&self) -> &str {
        &self.body
    }
    fn tags(&self) -> &[String] {
        &self.tags
    }
    fn pinned(&self) -> bool {
        self.pinned
    }
    fn id(&self) -> u32 {
        self.id
    }
}

/// The store's error as the page is told it.
fn refusal(err: store::StoreError) -> Refusal {
    use store::StoreError;
    match err {
        StoreError::EmptyTitle => Refusal::EmptyTitle,
        StoreError::TitleTooLong(max) => Refusal::TitleTooLong(max),
        StoreError::TooManyTags(max) => Refusal::TooManyTags(max),
        StoreError::NotFound(id) => Refusal::NotFound(id),
        StoreError::Call(failed) => {
            Refusal::Unavailable(format!("{}: {}", failed.code.as_str(), failed.message))
        }
    }
}

fn count(notes: &[Note]) -> u32 {
    u32::try_from(notes.len()).unwrap_or(u32::MAX)
}

struct Api;

impl Guest for Api {
    fn search(query: String) -> Result<Listing, Refusal> {
        let notes = store::all().map_err(refusal)?;
        let total = count(&notes);
        Ok(Listing {
            notes: search::search(notes, &query),
            total,
        })
    }

    fn add(draft: Draft) -> Result<Note, Refusal> {
        store::add(&draft).map_err(refusal)
    }

    fn set_pinned(id: u32, pinned: bool) -> Result<Note, Refusal> {
        store::set_pinned(id, pinned).map_err(refusal)
    }

    fn remove(id: u32) -> Result<(), Refusal> {
        store::remove(id).map_err(refusal)
    }
}

#[derive(Default)]
struct NotesWindow;

impl Renderer for NotesWindow {
    /// Tells the page how many notes main holds as soon as it has loaded.
    fn on_load(&mut self) {
        match store::all() {
            Ok(notes) => events::notes_changed(count(&notes)),
            Err(err) => log::warn(&format!("cannot reach the store: {err:?}")),
        }
    }

    fn on_push(&mut self, push: Push) {
        if push.channel != "notes-changed" {
            return;
        }
        match push.decode::<u32>() {
            Ok(total) => events::notes_changed(total),
            Err(err) => log::warn(&format!("a bad notes-changed push: {}", err.message)),
        }
    }
}

wasmtron_guest::export_renderer!(NotesWindow);
