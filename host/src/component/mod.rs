//! The main component: the app's trusted logic, run by the host itself on a
//! thread of its own, one call at a time (as Electron's main process runs
//! one JavaScript event at a time).

mod dialogs;
mod imports;
mod main;

pub(crate) use main::spawn_main;

mod ports;
mod processes;
mod shell;
