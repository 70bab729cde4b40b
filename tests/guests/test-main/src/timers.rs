//! Channels of the ipc suite's timer test: a timer set, and how many fired.

use wasmtron_guest::{HandlerError, Payload, Request, timers};

use crate::TestMain;

/// Sets a 10 ms timer.
pub(crate) fn timeout(_: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    timers::set_timeout(std::time::Duration::from_millis(10));
    Request::reply("set")
}

pub(crate) fn timer_count(main: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    Request::reply(&main.timer_fired)
}
