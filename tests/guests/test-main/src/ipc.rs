//! Channels of the ipc suite: payloads and errors, who sent a request, what
//! main was sent, pushes to a window, slow and crashing handlers, handlers
//! added at run time.

use serde::{Deserialize, Serialize};
use wasmtron_guest::{HandlerError, Payload, Request, ipc, windows};

use crate::TestMain;
use crate::probe::sender_name;

/// The data `fail` attaches to its error; the test checks it survives.
#[derive(Serialize, Deserialize)]
struct Quota {
    limit: u32,
    used: u32,
}

pub(crate) fn echo(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    Ok(request.payload)
}

pub(crate) fn fail(_: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    Err(HandlerError::new("quota", "over quota").with_data(&Quota { limit: 3, used: 4 }))
}

pub(crate) fn whoami(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    Request::reply(&sender_name(&request.sender))
}

pub(crate) fn messages(main: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    Request::reply(&main.messages)
}

/// Pushes the text back to the sender's window, on channel "pushed".
pub(crate) fn push_back(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let text: String = request.decode()?;
    let Some(label) = request.sender.name() else {
        return Err(HandlerError::new("no-window", "sender has no window"));
    };
    windows::push(label, "pushed", &text)?;
    Request::reply("pushed")
}

/// A slow handler: busy for the given number of milliseconds. Given
/// `"<ms>|<label>"`, it first pushes "spinning" to window `<label>`, so a
/// test knows main is busy before it acts.
pub(crate) fn spin(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let ms: u64 = match request.decode::<u64>() {
        Ok(ms) => ms,
        Err(_) => {
            let text: String = request.decode()?;
            let (ms, label) = text
                .split_once('|')
                .ok_or_else(|| HandlerError::new("bad-arg", "spin takes <ms> or <ms>|<label>"))?;
            windows::push(label, "spinning", &"now")?;
            ms.parse()
                .map_err(|_| HandlerError::new("bad-arg", "spin takes <ms> or <ms>|<label>"))?
        }
    };
    let start = std::time::Instant::now();
    while start.elapsed().as_millis() < u128::from(ms) {
        std::hint::spin_loop();
    }
    Request::reply("spun")
}

pub(crate) fn crash(_: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    panic!("main crashed on purpose")
}

/// Takes memory a megabyte at a time, written, until none is given.
pub(crate) fn grow(_: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        chunks.push(vec![0xA5; 1 << 20]);
        std::hint::black_box(&mut chunks);
    }
}

/// Handles the channel named from now on; main answers it "dynamic:<name>".
pub(crate) fn register(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let channel: String = request.decode()?;
    ipc::handle(&channel);
    Request::reply("registered")
}

pub(crate) fn unregister(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let channel: String = request.decode()?;
    ipc::remove_handler(&channel);
    Request::reply("unregistered")
}
