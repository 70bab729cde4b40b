//! How main reads what the probe page sends and describes outcomes for it:
//! the page shows replies as text.

use wasmtron_guest::{HandlerError, IpcError, Payload, Request, Sender, decode, encode};

/// A sender as main records and reports it.
pub(crate) fn sender_name(sender: &Sender) -> String {
    match sender {
        Sender::Main => "main".into(),
        Sender::Window(label) => format!("window:{label}"),
        Sender::Utility(name) => format!("utility:{name}"),
    }
}

/// Decodes `N` strings: a MessagePack array such as a `(String, String)`
/// tuple, or one string with the fields separated by `|` (the probe page can
/// only send a single string). The last field keeps any further `|`.
pub(crate) fn fields<const N: usize>(request: &Request) -> Result<[String; N], HandlerError> {
    let parts: Vec<String> = match decode::<Vec<String>>(&request.payload) {
        Ok(list) => list,
        Err(_) => {
            let joined: String = request.decode()?;
            joined.splitn(N, '|').map(str::to_owned).collect()
        }
    };
    parts.try_into().map_err(|_| {
        HandlerError::new(
            "bad-payload",
            format!("`{}` expects {N} fields", request.channel),
        )
    })
}

/// An argument as the probe page encodes it: a number when it parses as a
/// `u64`, else a string.
pub(crate) fn arg_payload(arg: &str) -> Result<Payload, IpcError> {
    match arg.parse::<u64>() {
        Ok(n) => encode(&n),
        Err(_) => encode(arg),
    }
}

pub(crate) fn describe_ipc_error(err: &IpcError) -> String {
    format!("err:{}:{}", err.code.as_str(), err.message)
}

/// An invoke's outcome as "ok:<reply>" or "err:<code>:<message>".
pub(crate) fn describe_reply(result: Result<Payload, IpcError>) -> String {
    match result {
        Ok(reply) => match decode::<String>(&reply) {
            Ok(text) => format!("ok:{text}"),
            Err(_) => match decode::<u64>(&reply) {
                Ok(n) => format!("ok:{n}"),
                Err(_) => format!("ok:bytes:{}", reply.len()),
            },
        },
        Err(err) => describe_ipc_error(&err),
    }
}

/// A failed post or transfer as the probe shows it, or `done` when it went.
pub(crate) fn describe_post(
    posted: Result<(), IpcError>,
    done: &str,
) -> Result<Payload, HandlerError> {
    match posted {
        Ok(()) => Request::reply(done),
        Err(err) => Request::reply(&describe_ipc_error(&err)),
    }
}
