//! Channels of the lifecycle suite: the app's name, quitting and exiting,
//! the lifecycle events main heard, and its answers to `before-quit` and
//! `window-all-closed`.

use wasmtron_guest::{HandlerError, Payload, Request, app};

use crate::TestMain;

pub(crate) fn app_name(_: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    Request::reply(&app::name())
}

/// Quits with the code given, 3 without one.
pub(crate) fn quit(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    app::quit(request.decode::<i32>().unwrap_or(3));
    Request::reply("quitting")
}

/// Exits with the code given, 3 without one.
pub(crate) fn app_exit(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    app::exit(request.decode::<i32>().unwrap_or(3));
    Request::reply("exiting")
}

pub(crate) fn lifecycle(main: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    Request::reply(&main.lifecycle)
}

/// `yes`: `on-before-quit` answers no from now on.
pub(crate) fn prevent_quit(main: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    main.prevent_quit = request.decode::<String>()? == "yes";
    Request::reply("set")
}

/// `yes`: `on-window-all-closed` answers no from now on.
pub(crate) fn stay_when_closed(
    main: &mut TestMain,
    request: Request,
) -> Result<Payload, HandlerError> {
    main.stay_when_closed = request.decode::<String>()? == "yes";
    Request::reply("set")
}
