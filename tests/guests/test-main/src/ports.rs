//! Channels of the ports suite: channels main makes and hands to windows and
//! utilities, a port sent over itself, and posts on and passes of the ports
//! main was sent.

use wasmtron_guest::{HandlerError, Payload, Request, ports, windows};

use crate::TestMain;
use crate::probe::{describe_post, fields};

/// `a|b`: makes a channel and hands its ends to two windows, on channel
/// "port".
pub(crate) fn connect(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [a, b] = fields(&request)?;
    let (p1, p2) = ports::create_channel();
    let posted = windows::post_message(&a, "port", "", vec![p1])
        .and_then(|()| windows::post_message(&b, "port", "", vec![p2]));
    describe_post(posted, "connected")
}

/// `name|label`: makes a channel and hands one end to a utility (message
/// "port") and the other to a window (channel "port").
pub(crate) fn connect_utility(
    main: &mut TestMain,
    request: Request,
) -> Result<Payload, HandlerError> {
    let [name, label] = fields(&request)?;
    let Some(utility) = main.utilities.get(&name) else {
        return Request::reply("unknown");
    };
    let (p1, p2) = ports::create_channel();
    let posted = utility
        .post_message_with_ports(&"port".to_string(), vec![p1])
        .and_then(|()| windows::post_message(&label, "port", "", vec![p2]));
    describe_post(posted, "connected")
}

/// Tries to move a port's own peer over it, which the host refuses.
pub(crate) fn self_transfer(_: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    let (p1, p2) = ports::create_channel();
    let outcome = match p1.post_message("x", vec![p2]) {
        Ok(()) => "ok".to_owned(),
        Err(err) => format!("err:{}", err.as_str()),
    };
    Request::reply(&outcome)
}

/// Posts the text on every port main holds; replies how many took it.
pub(crate) fn main_port_post(
    main: &mut TestMain,
    request: Request,
) -> Result<Payload, HandlerError> {
    let text: String = request.decode()?;
    let posted = main
        .ports
        .iter()
        .filter(|port| port.post_message(&text, Vec::new()).is_ok())
        .count();
    Request::reply(&format!("posted:{posted}"))
}

/// Hands the port main got last to the window named.
pub(crate) fn port_pass(main: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let label = request.decode::<String>().unwrap_or_default();
    let Some(port) = main.ports.pop() else {
        return Request::reply("none");
    };
    describe_post(
        windows::post_message(&label, "port", "", vec![port]),
        "passed",
    )
}
