//! The renderer of the page-bridge tests: it exports `probe:page/api` to
//! its page's scripts (the window's `page-api`) and emits
//! `probe:page/events` to them (bound to `"page"`). Its notes live in the
//! instance, so a crash loses them, as a real renderer's state would be.

/// The app interfaces' bindings; the glue wit-bindgen generates is unsafe
/// code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit", "../page-wit"],
        world: "probe:page/page-renderer",
        with: {
            "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types,
        },
    });

    use super::Api;

    export!(Api);
}

use std::cell::RefCell;
use std::time::{Duration, Instant};

use bindings::exports::probe::page::api::{Everything, Fault, Guest, Note};
use bindings::probe::page::events;
use wasmtron_guest::{Renderer, dom};

thread_local! {
    static NOTES: RefCell<Vec<Note>> = const { RefCell::new(Vec::new()) };
}

/// The longest title a note may have.
const MAX_TITLE: u32 = 80;

struct Api;

impl Guest for Api {
    fn add_note(note: Note) -> Result<u32, Fault> {
        if note.title.is_empty() {
            return Err(Fault::EmptyTitle);
        }
        let length = u32::try_from(note.title.chars().count()).unwrap_or(u32::MAX);
        if length > MAX_TITLE {
            return Err(Fault::TooLong(length));
        }
        let total = NOTES.with(|notes| {
            let mut notes = notes.borrow_mut();
            notes.push(note.clone());
            u32::try_from(notes.len()).unwrap_or(u32::MAX)
        });
        events::note_added(&note.title, &note.tags, total);
        let _ = dom::set_text("#count", &total.to_string());
        Ok(total - 1)
    }

    fn count() -> u32 {
        NOTES.with(|notes| u32::try_from(notes.borrow().len()).unwrap_or(u32::MAX))
    }

    fn get_note(index: u32) -> Option<Note> {
        NOTES.with(|notes| notes.borrow().get(index as usize).cloned())
    }

    fn echo_bytes(data: Vec<u8>) -> Vec<u8> {
        data
    }

    fn echo_everything(value: Everything) -> Everything {
        value
    }

    fn slow(ms: u32, text: String) -> String {
        // Work, not sleep: the renderer is busy for that long.
        let until = Instant::now() + Duration::from_millis(u64::from(ms));
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        let last = NOTES.with(|notes| notes.borrow().last().map(|n| n.title.clone()));
        format!("{text}:{}", last.unwrap_or_default())
    }

    fn crash() {
        panic!("the page asked this renderer to crash");
    }

    fn tick(times: u32) -> u32 {
        let mut delivered = 0;
        for n in 0..times {
            if events::ticked(n).is_ok() {
                delivered += 1;
            }
        }
        delivered
    }
}

#[derive(Default)]
struct PageRenderer;

impl Renderer for PageRenderer {
    fn on_load(&mut self) {
        let _ = dom::set_text("#status", "loaded");
    }
}

wasmtron_guest::export_renderer!(PageRenderer);
