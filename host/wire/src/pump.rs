//! The two pumps of a host ↔ worker connection, written once for both
//! sides: one reads frames off the socket into a channel, the other writes
//! a channel's messages to the socket as frames. What differs between the
//! sides (how a bad frame ends the connection, which message is the last)
//! is the caller's.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::UnixStream;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::fds::{self, FdReader};
use crate::frame::{Bulk, Frame, FrameError};
use crate::lane::LaneWriter;
use crate::{Attached, HostToWorker, WorkerToHost};

/// A message that crosses a host ↔ worker socket as a frame, perhaps with a
/// descriptor beside it.
pub trait Framed: Serialize + DeserializeOwned + Bulk {
    /// The descriptor slot of a message that carries one.
    fn attached(&self) -> Option<&Attached>;
}

impl Framed for HostToWorker {
    fn attached(&self) -> Option<&Attached> {
        HostToWorker::attached(self)
    }
}

impl Framed for WorkerToHost {
    fn attached(&self) -> Option<&Attached> {
        WorkerToHost::attached(self)
    }
}

/// Decodes every frame from `socket`, with its descriptor attached, into
/// `to`, until the peer closes its end or `to`'s receiver is gone (`Ok`).
///
/// # Errors
/// The first frame that does not decode, or comes without the descriptor
/// it announces; or the socket's error.
pub async fn read_frames<M: Framed>(
    socket: &UnixStream,
    max_frame: usize,
    to: &UnboundedSender<M>,
) -> Result<(), FrameError> {
    let mut fds = FdReader::default();
    while let Some(frame) = fds.next_frame(socket, max_frame).await? {
        let message = Frame::decode::<M>(frame)?;
        fds.attach(message.attached())?;
        if to.send(message).is_err() {
            break;
        }
    }
    Ok(())
}

/// Writes every message of `from` to `socket`, each with the descriptor it
/// carries, until `from` is closed or a message for which `last` is true
/// has been written.
///
/// # Errors
/// The first message that cannot be encoded or written.
pub async fn write_frames<M: Framed>(
    socket: &UnixStream,
    from: &mut UnboundedReceiver<M>,
    last: fn(&M) -> bool,
) -> Result<(), FrameError> {
    let mut lane = LaneWriter::default();
    while let Some(message) = from.recv().await {
        let is_last = last(&message);
        let fd = message.attached().and_then(Attached::take);
        fds::write(socket, message, fd, &mut lane).await?;
        if is_last {
            break;
        }
    }
    Ok(())
}
