//! One end of a directly linked port: a socket shared with the worker that
//! holds the peer, so that port messages between two worker processes
//! never pass through the host.
//!
//! On the socket, a frame is a 1-byte kind, a 4-byte little-endian length
//! and the payload. `DATA` carries a message; `MARKER` stands where a
//! message that moves ports went instead: that one travels through the
//! host (which must move the ports) and is delivered when the reader gets
//! to its marker, so the order the sender posted in holds.
//!
//! The reader task drains the socket into the end's inbox, so a writer is
//! not held up by a holder busy in a call; the holder takes messages out
//! with [`LinkEnd::next`] only once the end is ready, that is once every
//! message relayed by the host before the peer went direct has arrived.
//!
//! Both directions are bounded ([`Backlog`]). An inbox holding the
//! holder's `max-queued-messages`, or its byte bound, stops reading until
//! the holder takes some out: the socket fills, the peer's writer waits,
//! and frames queue at the peer, whose own bound then makes its next post
//! wait ([`Room::wait`]). A holder that never reads a port
//! thus costs the sender a wait and then `limit-exceeded`, and costs no
//! one unbounded memory.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::os::fd::{AsFd as _, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::net::UnixStream;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

use crate::ByteBuf;
use crate::PortId;

const DATA: u8 = 0;
const MARKER: u8 = 1;
const HEADER: usize = 5;

/// Payloads up to this size are written at once by the sender when the
/// writer thread is idle.
const INLINE_WRITE: usize = 64 * 1024;

/// The send buffer each end of a link asks for (on a Unix stream socket,
/// the sender's buffer bounds the bytes in flight). With the default (208
/// KiB), a megabyte crosses in five pieces, the writer waiting for the
/// reader after each; with this much it goes in one write. The kernel
/// keeps twice what it grants and grants at most `net.core.wmem_max`. It
/// adds to what a link holds for a slow reader (decision 21).
const SOCKET_BUFFER: usize = 2 << 20;

/// Asks the kernel for a larger send buffer on one end of a new link's
/// socket pair. Where it gives less (a lower `net.core.wmem_max`), the
/// link works the same, in more pieces.
pub fn size_buffers(socket: &std::os::unix::net::UnixStream) {
    if let Err(err) = rustix::net::sockopt::set_socket_send_buffer_size(socket, SOCKET_BUFFER) {
        tracing::debug!("a link keeps the default socket buffer: {err}");
    }
}

/// How long handing an end over waits for its queued writes.
const HANDOVER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// The writer thread's stack: it only moves bytes.
const WRITER_STACK: usize = 128 * 1024;

/// Reads of at most this many bytes while looking for frame boundaries;
/// a large payload is read straight into its own buffer.
const CHUNK: usize = 64 * 1024;

/// How much may wait in each direction of one end: messages read and not
/// taken by the holder, and frames posted and not yet written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    pub messages: usize,
    pub bytes: usize,
}

impl Backlog {
    /// The bound for a holder with these limits: its `max-queued-messages`,
    /// and 64 MiB or four of its largest messages, whichever is more.
    pub fn for_limits(max_queued_messages: usize, max_message_bytes: usize) -> Self {
        Backlog {
            messages: max_queued_messages.max(1),
            bytes: (64 << 20).max(max_message_bytes.saturating_mul(4)),
        }
    }

    fn full(&self, messages: usize, bytes: usize) -> bool {
        messages >= self.messages || bytes >= self.bytes
    }
}

/// The frames one end posted and its writer has not written yet, and the
/// bound on them. Cheap to clone; a poster waits on it for room.
#[derive(Debug, Clone)]
pub struct Room {
    port: PortId,
    queued: Arc<AtomicUsize>,
    bytes: Arc<AtomicUsize>,
    backlog: Backlog,
    /// Signalled after each frame written.
    written: Arc<Notify>,
}

impl Room {
    /// Whether a post may go now: fewer frames and bytes wait to be
    /// written than the backlog allows.
    pub fn has_room(&self) -> bool {
        !self.backlog.full(
            self.queued.load(Ordering::Acquire),
            self.bytes.load(Ordering::Acquire),
        )
    }

    /// Waits, at most `patience`, until a post may go.
    ///
    /// # Errors
    /// A sentence for `limit-exceeded` when the peer took nothing in time.
    pub async fn wait(&self, patience: std::time::Duration) -> Result<(), String> {
        self.wait_until(patience, Self::has_room).await
    }

    /// Waits, at most `patience`, until everything posted is written: an
    /// end must be empty to move, since what its writer still holds cannot
    /// travel with the socket.
    ///
    /// # Errors
    /// As [`Room::wait`].
    pub async fn wait_empty(&self, patience: std::time::Duration) -> Result<(), String> {
        self.wait_until(patience, |room| room.queued.load(Ordering::Acquire) == 0)
            .await
    }

    async fn wait_until(
        &self,
        patience: std::time::Duration,
        done: impl Fn(&Self) -> bool,
    ) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            // Made before the check, so a frame written in between still
            // ends this wait (the permit is kept).
            let written = self.written.notified();
            if done(self) {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, written).await.is_err() && !done(self) {
                return Err(format!(
                    "{} messages ({} bytes) wait to be written to port {}, whose holder has not \
                     read them for {} ms (max-queued-messages {}, {} bytes)",
                    self.queued.load(Ordering::Acquire),
                    self.bytes.load(Ordering::Acquire),
                    self.port,
                    patience.as_millis(),
                    self.backlog.messages,
                    self.backlog.bytes,
                ));
            }
        }
    }
}

/// What a link brought in and was not delivered yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkItem {
    Data(ByteBuf),
    Marker,
}

/// A link end's undelivered input, as it travels with a moving port: whole
/// frames, then the bytes of one frame read in part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkState {
    pub items: Vec<LinkItem>,
    #[serde(with = "serde_bytes")]
    pub partial: Vec<u8>,
}

impl LinkItem {
    /// Its payload bytes (none for a marker).
    fn len(&self) -> usize {
        match self {
            LinkItem::Data(data) => data.len(),
            LinkItem::Marker => 0,
        }
    }
}

impl LinkState {
    /// Payload bytes of its whole items.
    fn items_size(&self) -> usize {
        self.items.iter().map(LinkItem::len).sum()
    }

    /// Payload bytes it holds.
    pub fn size(&self) -> usize {
        self.items_size() + self.partial.len()
    }
}

/// Why a link stopped bringing messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the peer sent a {size}-byte message over the {max}-byte limit")]
    TooLarge { size: usize, max: usize },
    #[error("the peer sent a frame of unknown kind {0}")]
    Malformed(u8),
    #[error("socket error: {0}")]
    Io(String),
}

#[derive(Debug, Default)]
struct Inbox {
    items: VecDeque<LinkItem>,
    /// Payload bytes in `items`.
    bytes: usize,
    /// The reader waits for the holder to take something out.
    paused: bool,
    /// The header of the frame being read, as far as it came.
    head: Vec<u8>,
    /// Its payload so far, in a buffer of the payload's size.
    body: Vec<u8>,
    ended: bool,
    error: Option<LinkError>,
    /// Handed over: the reader must not read again.
    stopped: bool,
}

impl Inbox {
    /// Takes in bytes read from the socket; returns whether a whole item
    /// (or an error) came of them.
    fn feed(&mut self, mut bytes: &[u8], max: usize) -> bool {
        let mut whole = false;
        while !bytes.is_empty() && self.error.is_none() {
            let take = self.wanted().min(bytes.len());
            let (now, rest) = bytes.split_at(take);
            if self.head.len() < HEADER {
                self.head.extend_from_slice(now);
            } else {
                self.body.extend_from_slice(now);
            }
            bytes = rest;
            whole |= self.complete(max);
        }
        whole
    }

    /// Bytes still missing from the current frame (its header first).
    fn wanted(&self) -> usize {
        if self.head.len() < HEADER {
            return HEADER - self.head.len();
        }
        payload_size(&self.head).saturating_sub(self.body.len())
    }

    /// Checks the current frame; moves it to `items` when it is whole.
    fn complete(&mut self, max: usize) -> bool {
        if self.head.len() < HEADER {
            return false;
        }
        let kind = self.head[0];
        let size = payload_size(&self.head);
        // A marker carries nothing: one with a payload is as malformed as
        // an unknown kind.
        if kind != DATA && (kind != MARKER || size != 0) {
            self.error = Some(LinkError::Malformed(kind));
            return true;
        }
        if size > max {
            self.error = Some(LinkError::TooLarge { size, max });
            return true;
        }
        if self.body.capacity() < size {
            self.body.reserve_exact(size - self.body.len());
        }
        if self.body.len() < size {
            return false;
        }
        self.head.clear();
        let body = std::mem::take(&mut self.body);
        self.bytes += body.len();
        self.items.push_back(if kind == MARKER {
            LinkItem::Marker
        } else {
            LinkItem::Data(ByteBuf::from(body))
        });
        true
    }

    /// The frame read in part, as the bytes that came.
    fn partial(&mut self) -> Vec<u8> {
        let mut partial = std::mem::take(&mut self.head);
        partial.append(&mut self.body);
        partial
    }

    /// Reads what the socket has; `Ok(true)` when something whole arrived.
    fn read_from(&mut self, stream: &UnixStream, max: usize) -> io::Result<bool> {
        if self.head.len() == HEADER && self.wanted() >= CHUNK {
            // A large payload: straight into its own buffer.
            let want = self.wanted();
            let read = stream.try_read_buf(&mut crate::LimitedVec(&mut self.body, want))?;
            if read == 0 {
                self.ended = true;
                return Ok(true);
            }
            return Ok(self.complete(max));
        }
        let mut chunk = [0u8; CHUNK];
        let read = stream.try_read(&mut chunk)?;
        if read == 0 {
            self.ended = true;
            return Ok(true);
        }
        Ok(self.feed(&chunk[..read], max))
    }
}

fn payload_size(header: &[u8]) -> usize {
    let mut size = [0u8; 4];
    size.copy_from_slice(&header[1..HEADER]);
    u32::from_le_bytes(size) as usize
}

enum Write {
    /// A frame, of which the first `sent` bytes are written already.
    Frame {
        header: [u8; HEADER],
        payload: Vec<u8>,
        sent: usize,
    },
    Finish(oneshot::Sender<()>),
}

/// What [`LinkEnd::next`] gives the holder, in the order posted.
#[derive(Debug)]
pub enum Next<M> {
    /// A message that came over the socket.
    Data(Vec<u8>),
    /// A message that came through the host, at its marker.
    Relayed(M),
    /// The peer's side is closed and everything before it was delivered.
    Ended(Option<LinkError>),
}

/// One end of a link, held by the holder of its port. `M` is how a
/// relayed message looks to that holder.
pub struct LinkEnd<M> {
    pub port: PortId,
    stream: Arc<UnixStream>,
    inbox: Arc<Mutex<Inbox>>,
    reader: JoinHandle<()>,
    writer: std::sync::mpsc::Sender<Write>,
    /// Frames handed to the writer thread and not yet written.
    room: Room,
    backlog: Backlog,
    /// Signalled when the holder takes a message out of the inbox.
    room_in: Arc<Notify>,
    /// The writer stops waiting for room and drops what is left.
    abandoned: Arc<AtomicBool>,
    /// Every message relayed before the peer went direct has arrived.
    pub ready: bool,
    /// Messages that came through the host ahead of their markers.
    relayed: VecDeque<M>,
    /// The peer closed: deliver what the socket still has, then `close`.
    pub close_pending: bool,
}

impl<M> std::fmt::Debug for LinkEnd<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkEnd")
            .field("port", &self.port)
            .field("ready", &self.ready)
            .finish_non_exhaustive()
    }
}

impl<M> LinkEnd<M> {
    /// Starts using a socket end for `port`, with what an earlier holder
    /// left undelivered. `wake` hears the port's id whenever something
    /// arrives; `max` is the largest message this holder takes, `backlog`
    /// what may wait in each direction.
    ///
    /// # Errors
    /// When the descriptor is not a usable socket.
    pub fn start(
        port: PortId,
        fd: OwnedFd,
        state: LinkState,
        max: usize,
        backlog: Backlog,
        wake: UnboundedSender<PortId>,
    ) -> io::Result<Self> {
        let std = std::os::unix::net::UnixStream::from(fd);
        std.set_nonblocking(true)?;
        let stream = Arc::new(UnixStream::from_std(std)?);
        let bytes = state.items_size();
        let mut inbox = Inbox {
            items: state.items.into(),
            bytes,
            ..Inbox::default()
        };
        inbox.feed(&state.partial, max);
        let inbox = Arc::new(Mutex::new(inbox));
        // The writer is a thread of its own: a component that posts many
        // messages in one call sees them leave while it runs, rather than
        // after, and a slow reader holds up no one else.
        let socket = stream.as_fd().try_clone_to_owned()?;
        let (writer, writes) = std::sync::mpsc::channel();
        let abandoned = Arc::new(AtomicBool::new(false));
        let room_in = Arc::new(Notify::new());
        let room = Room {
            port,
            queued: Arc::new(AtomicUsize::new(0)),
            bytes: Arc::new(AtomicUsize::new(0)),
            backlog,
            written: Arc::new(Notify::new()),
        };
        let written = room.clone();
        let give_up = abandoned.clone();
        std::thread::Builder::new()
            .name(format!("wasmtron-link-{port}"))
            .stack_size(WRITER_STACK)
            .spawn(move || write(&socket, &writes, &written, &give_up))?;
        let reading = Reading {
            port,
            max,
            backlog,
            room: room_in.clone(),
            wake,
        };
        let reader = tokio::spawn(read(reading, stream.clone(), inbox.clone()));
        Ok(LinkEnd {
            port,
            stream,
            inbox,
            reader,
            writer,
            room,
            backlog,
            room_in,
            abandoned,
            ready: false,
            relayed: VecDeque::new(),
            close_pending: false,
        })
    }

    /// Sends a message straight to the peer. Wait for
    /// [`room`](Self::room) first: this queues whatever the backlog.
    pub fn send(&self, payload: Vec<u8>) {
        self.queue(header(DATA, payload.len()), payload);
    }

    /// What is waiting to be written, to wait for room before a post.
    pub fn room(&self) -> Room {
        self.room.clone()
    }

    /// Marks where a message sent through the host goes.
    pub fn send_marker(&self) {
        self.queue(header(MARKER, 0), Vec::new());
    }

    /// Writes a small frame at once when the writer has nothing queued and
    /// the socket has room (no hand-off to the writer thread), and queues
    /// what is left otherwise.
    fn queue(&self, header: [u8; HEADER], payload: Vec<u8>) {
        let mut sent = 0;
        // A large payload goes to the writer thread whole, so that the
        // component goes on while it is written.
        if payload.len() <= INLINE_WRITE && self.room.queued.load(Ordering::Acquire) == 0 {
            match write_some(self.stream.as_fd(), &header, &payload, 0) {
                Ok(Some(all)) if all == header.len() + payload.len() => return,
                Ok(Some(some)) => sent = some,
                Ok(None) => {}
                // A gone peer is heard of through the host.
                Err(_) => return,
            }
        }
        self.room.queued.fetch_add(1, Ordering::AcqRel);
        self.room.bytes.fetch_add(payload.len(), Ordering::AcqRel);
        let _ = self.writer.send(Write::Frame {
            header,
            payload,
            sent,
        });
    }

    /// A marked message relayed by the host.
    pub fn relayed(&mut self, message: M) {
        self.relayed.push_back(message);
    }

    /// The next message to deliver, if one can go now.
    pub fn next_item(&mut self) -> Option<Next<M>> {
        if !self.ready {
            return None;
        }
        let mut inbox = self.inbox.lock().unwrap_or_else(|p| p.into_inner());
        let next = match inbox.items.front() {
            Some(LinkItem::Data(_)) => match inbox.items.pop_front() {
                Some(LinkItem::Data(data)) => {
                    inbox.bytes -= data.len();
                    Some(Next::Data(data.into_vec()))
                }
                _ => None,
            },
            Some(LinkItem::Marker) => {
                let message = self.relayed.pop_front()?;
                inbox.items.pop_front();
                Some(Next::Relayed(message))
            }
            None if inbox.error.is_some() => Some(Next::Ended(inbox.error.take())),
            None if inbox.ended && self.close_pending => {
                self.close_pending = false;
                Some(Next::Ended(None))
            }
            None => None,
        };
        if inbox.paused && !self.backlog.full(inbox.items.len(), inbox.bytes) {
            inbox.paused = false;
            self.room_in.notify_one();
        }
        next
    }

    /// Whether a relayed message waiting here for its marker carries
    /// `port`.
    pub fn carries_waiting(&self, port: PortId) -> bool
    where
        M: crate::Waiting,
    {
        self.relayed
            .iter()
            .any(|message| message.carries().contains(&port))
    }

    /// Gives the end up so that its port can move: what was queued to send
    /// is written first, then the reader stops. Returns the socket end,
    /// what came in undelivered, and the marked messages still waiting for
    /// their markers.
    ///
    /// # Errors
    /// When the descriptor cannot be duplicated.
    pub async fn hand_over(self) -> io::Result<(OwnedFd, LinkState, VecDeque<M>)> {
        if self.room.queued.load(Ordering::Acquire) > 0 {
            let (done, finished) = oneshot::channel();
            if self.writer.send(Write::Finish(done)).is_ok() {
                // A peer that does not read would hold the mover up for
                // ever; after a while the pair is given up instead.
                if tokio::time::timeout(HANDOVER_PATIENCE, finished)
                    .await
                    .is_err()
                {
                    self.abandoned.store(true, Ordering::Release);
                    return Err(io::Error::other(
                        "the peer did not take what was sent to it in time",
                    ));
                }
            }
        }
        self.hand_over_idle()
    }

    /// [`LinkEnd::hand_over`] for an end with nothing left to write (one
    /// whose port the component never used): at once.
    ///
    /// # Errors
    /// When something is still queued, or the descriptor cannot be
    /// duplicated.
    pub fn hand_over_idle(mut self) -> io::Result<(OwnedFd, LinkState, VecDeque<M>)> {
        if self.room.queued.load(Ordering::Acquire) > 0 {
            return Err(io::Error::other("the link still has messages to write"));
        }
        let fd = self.stream.as_fd().try_clone_to_owned()?;
        let state = {
            let mut inbox = self.inbox.lock().unwrap_or_else(|p| p.into_inner());
            // The reader may be past its last await on another thread: it
            // checks this under the lock before it reads again.
            inbox.stopped = true;
            inbox.bytes = 0;
            LinkState {
                items: inbox.items.drain(..).collect(),
                partial: inbox.partial(),
            }
        };
        self.reader.abort();
        Ok((fd, state, std::mem::take(&mut self.relayed)))
    }
}

impl<M> Drop for LinkEnd<M> {
    fn drop(&mut self) {
        // The writer finishes what was queued, then lets go of the socket.
        self.reader.abort();
    }
}

/// A message an end had not delivered when it was handed over.
#[derive(Debug)]
pub enum Settled<M> {
    /// Came over the socket; goes back ahead of the move, in order.
    Data(Vec<u8>),
    /// Came through the host and its marker was read: in order too.
    InOrder(M),
    /// Came through the host; its marker is still to be read.
    Marked(M),
}

/// Splits what a handed-over end had not delivered: what can be put in
/// order now (only when the end was ready: before that, relayed messages
/// may still be on their way to it), and the state that travels with the
/// socket, from the first marker with no message yet.
pub fn settle<M>(
    ready: bool,
    state: LinkState,
    mut relayed: VecDeque<M>,
) -> (Vec<Settled<M>>, LinkState) {
    let mut settled = Vec::new();
    let mut items: VecDeque<LinkItem> = state.items.into();
    if ready {
        loop {
            match items.front() {
                Some(LinkItem::Data(_)) => {
                    if let Some(LinkItem::Data(data)) = items.pop_front() {
                        settled.push(Settled::Data(data.into_vec()));
                    }
                }
                Some(LinkItem::Marker) => match relayed.pop_front() {
                    Some(message) => {
                        items.pop_front();
                        settled.push(Settled::InOrder(message));
                    }
                    None => break,
                },
                None => break,
            }
        }
    }
    settled.extend(relayed.into_iter().map(Settled::Marked));
    let state = LinkState {
        items: items.into(),
        partial: state.partial,
    };
    (settled, state)
}

fn header(kind: u8, size: usize) -> [u8; HEADER] {
    let size = u32::try_from(size).unwrap_or(u32::MAX).to_le_bytes();
    [kind, size[0], size[1], size[2], size[3]]
}

/// What the reader task of one end needs besides the socket and inbox.
struct Reading {
    port: PortId,
    max: usize,
    backlog: Backlog,
    room: Arc<Notify>,
    wake: UnboundedSender<PortId>,
}

async fn read(reading: Reading, stream: Arc<UnixStream>, inbox: Arc<Mutex<Inbox>>) {
    let Reading {
        port,
        max,
        backlog,
        room,
        wake,
    } = reading;
    loop {
        let full = {
            let mut inbox = inbox.lock().unwrap_or_else(|p| p.into_inner());
            inbox.paused = backlog.full(inbox.items.len(), inbox.bytes);
            inbox.paused
        };
        if full {
            // The holder has not taken what came: leave the rest in the
            // socket until it does (`next` signals).
            room.notified().await;
            continue;
        }
        if let Err(err) = stream.readable().await {
            let mut inbox = inbox.lock().unwrap_or_else(|p| p.into_inner());
            inbox.error = Some(LinkError::Io(err.to_string()));
            let _ = wake.send(port);
            return;
        }
        let (arrived, stop) = {
            let mut inbox = inbox.lock().unwrap_or_else(|p| p.into_inner());
            if inbox.stopped {
                return;
            }
            match inbox.read_from(&stream, max) {
                Ok(arrived) => (arrived, inbox.ended || inbox.error.is_some()),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => (false, false),
                Err(err) if err.kind() == io::ErrorKind::ConnectionReset => {
                    inbox.ended = true;
                    (true, true)
                }
                Err(err) => {
                    inbox.error = Some(LinkError::Io(err.to_string()));
                    (true, true)
                }
            }
        };
        if arrived && wake.send(port).is_err() {
            return;
        }
        if stop {
            return;
        }
    }
}

/// Writes queued frames in order until told to finish or the link is
/// dropped. After a failed write (the peer is gone, which the holder hears
/// of through the host) the rest is dropped.
fn write(
    socket: &OwnedFd,
    writes: &std::sync::mpsc::Receiver<Write>,
    written: &Room,
    abandoned: &AtomicBool,
) {
    let mut broken = false;
    while let Ok(write) = writes.recv() {
        match write {
            Write::Frame {
                header,
                payload,
                sent,
            } => {
                if !broken {
                    broken = write_frame(socket, &header, &payload, sent, abandoned).is_err();
                }
                written.bytes.fetch_sub(payload.len(), Ordering::AcqRel);
                written.queued.fetch_sub(1, Ordering::AcqRel);
                written.written.notify_one();
            }
            Write::Finish(done) => {
                let _ = done.send(());
                return;
            }
        }
    }
}

/// Writes the rest of a frame (from byte `sent`) on the non-blocking
/// socket, waiting for room when it is full.
fn write_frame(
    socket: &OwnedFd,
    header: &[u8],
    payload: &[u8],
    sent: usize,
    abandoned: &AtomicBool,
) -> io::Result<()> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let total = header.len() + payload.len();
    let mut written = sent;
    let tick = Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    };
    while written < total {
        match write_some(socket.as_fd(), header, payload, written)? {
            Some(now) => written = now,
            None if abandoned.load(Ordering::Acquire) => {
                return Err(io::Error::other("abandoned"));
            }
            None => {
                let mut fds = [PollFd::new(socket, PollFlags::OUT)];
                poll(&mut fds, Some(&tick))?;
            }
        }
    }
    Ok(())
}

/// One non-blocking write of the frame from byte `from` on: the new count
/// of bytes written, or `None` when the socket is full.
fn write_some(
    socket: BorrowedFd<'_>,
    header: &[u8],
    payload: &[u8],
    from: usize,
) -> io::Result<Option<usize>> {
    use rustix::net::{SendAncillaryBuffer, SendFlags, sendmsg};
    let parts = if from < header.len() {
        [IoSlice::new(&header[from..]), IoSlice::new(payload)]
    } else {
        [
            IoSlice::new(&payload[from - header.len()..]),
            IoSlice::new(&[]),
        ]
    };
    loop {
        match sendmsg(
            socket,
            &parts,
            &mut SendAncillaryBuffer::default(),
            SendFlags::NOSIGNAL | SendFlags::DONTWAIT,
        ) {
            Ok(sent) => return Ok(Some(from + sent)),
            Err(rustix::io::Errno::AGAIN) => return Ok(None),
            Err(rustix::io::Errno::INTR) => {}
            Err(err) => return Err(err.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

    use super::*;

    const WIDE: Backlog = Backlog {
        messages: 10_000,
        bytes: 64 << 20,
    };

    #[test]
    fn a_link_socket_gets_room_for_a_megabyte_where_the_kernel_allows() {
        use rustix::net::sockopt::socket_send_buffer_size;
        let (socket, _peer) = std::os::unix::net::UnixStream::pair().expect("a pair");
        let before = socket_send_buffer_size(&socket).expect("a size");
        size_buffers(&socket);
        let after = socket_send_buffer_size(&socket).expect("a size");
        let cap = std::fs::read_to_string("/proc/sys/net/core/wmem_max")
            .ok()
            .and_then(|max| max.trim().parse::<usize>().ok());
        match cap {
            // The kernel keeps twice what it grants, grants at most the cap,
            // and keeps a floor of its own (SOCK_MIN_SNDBUF, 4608 here).
            Some(cap) => {
                let expected = (SOCKET_BUFFER.min(cap) * 2).max(4608);
                assert_eq!(after, expected, "before {before}, cap {cap}");
            }
            // No cap to read (a namespace without it): never less.
            None => assert!(after >= before, "before {before}, after {after}"),
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    }

    async fn next_ready<M>(end: &mut LinkEnd<M>, wake: &mut UnboundedReceiver<PortId>) -> Next<M> {
        loop {
            if let Some(next) = end.next_item() {
                return next;
            }
            wake.recv().await.expect("the reader is alive");
        }
    }

    #[test]
    fn messages_and_markers_keep_the_senders_order() {
        runtime().block_on(async {
            let (a, b) = std::os::unix::net::UnixStream::pair().expect("a pair");
            let (wake_a, _wa) = unbounded_channel();
            let (wake_b, mut wb) = unbounded_channel();
            let sender: LinkEnd<&str> =
                LinkEnd::start(1, a.into(), LinkState::default(), 1 << 20, WIDE, wake_a)
                    .expect("starts");
            let mut receiver: LinkEnd<&str> =
                LinkEnd::start(2, b.into(), LinkState::default(), 1 << 20, WIDE, wake_b)
                    .expect("starts");
            sender.send(b"one".to_vec());
            sender.send_marker();
            sender.send(vec![7; 300_000]);
            // Nothing goes out before the end is ready.
            tokio::task::yield_now().await;
            assert!(receiver.next_item().is_none());
            receiver.ready = true;
            assert!(matches!(next_ready(&mut receiver, &mut wb).await, Next::Data(d) if d == b"one"));
            // The big message waits behind the marker until the relayed one
            // comes.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            assert!(receiver.next_item().is_none());
            receiver.relayed("two");
            assert!(matches!(receiver.next_item(), Some(Next::Relayed("two"))));
            assert!(
                matches!(next_ready(&mut receiver, &mut wb).await, Next::Data(d) if d.len() == 300_000)
            );
            drop(sender);
            receiver.close_pending = true;
            assert!(matches!(next_ready(&mut receiver, &mut wb).await, Next::Ended(None)));
        });
    }

    #[test]
    fn a_handed_over_end_carries_on_where_it_stopped() {
        runtime().block_on(async {
            let (a, b) = std::os::unix::net::UnixStream::pair().expect("a pair");
            let (wake, mut woken) = unbounded_channel();
            let peer: LinkEnd<()> = LinkEnd::start(
                1,
                a.into(),
                LinkState::default(),
                1 << 20,
                WIDE,
                wake.clone(),
            )
            .expect("starts");
            let first: LinkEnd<()> = LinkEnd::start(
                2,
                b.into(),
                LinkState::default(),
                1 << 20,
                WIDE,
                wake.clone(),
            )
            .expect("starts");
            peer.send(b"early".to_vec());
            first.send(b"from the first holder".to_vec());
            woken.recv().await.expect("woken");
            let (fd, state, relayed) = first.hand_over().await.expect("hands over");
            assert!(relayed.is_empty());
            assert_eq!(
                state.items,
                vec![LinkItem::Data(ByteBuf::from(b"early".to_vec()))]
            );
            peer.send(b"late".to_vec());
            let mut second: LinkEnd<()> =
                LinkEnd::start(2, fd, state, 1 << 20, WIDE, wake).expect("starts");
            second.ready = true;
            let mut got = Vec::new();
            while got.len() < 2 {
                match second.next_item() {
                    Some(Next::Data(d)) => got.push(d),
                    Some(other) => panic!("unexpected {other:?}"),
                    None => {
                        woken.recv().await.expect("woken");
                    }
                }
            }
            assert_eq!(got, vec![b"early".to_vec(), b"late".to_vec()]);
        });
    }

    #[test]
    fn a_holder_that_does_not_read_holds_its_peers_posts_back() {
        runtime().block_on(async {
            let (a, b) = std::os::unix::net::UnixStream::pair().expect("a pair");
            // Sized as the host sizes a link's sockets.
            size_buffers(&a);
            size_buffers(&b);
            let (wake_a, _wa) = unbounded_channel();
            let (wake_b, mut wb) = unbounded_channel();
            let narrow = Backlog {
                messages: 4,
                bytes: 64 << 20,
            };
            let sender: LinkEnd<()> =
                LinkEnd::start(1, a.into(), LinkState::default(), 1 << 20, narrow, wake_a)
                    .expect("starts");
            let mut receiver: LinkEnd<()> =
                LinkEnd::start(2, b.into(), LinkState::default(), 1 << 20, narrow, wake_b)
                    .expect("starts");
            receiver.ready = true;
            // 64 KiB each: up to 64 fill the socket, four the inbox, four
            // the sender's queue.
            let patience = std::time::Duration::from_millis(200);
            let mut posted = 0;
            let refused = loop {
                if let Err(refused) = sender.room().wait(patience).await {
                    break refused;
                }
                sender.send(vec![posted as u8; 64 * 1024]);
                posted += 1;
                assert!(posted < 1000, "the sender was never held back");
            };
            assert!(!sender.room().has_room());
            assert!(refused.contains("max-queued-messages 4"), "{refused}");
            // The receiver holds no more than its bound.
            assert!(receiver.inbox.lock().expect("inbox").items.len() <= 4);
            // Once it reads, everything arrives, in order, and the sender
            // has room again.
            for expected in 0..posted {
                match next_ready(&mut receiver, &mut wb).await {
                    Next::Data(data) => assert_eq!(data[0], expected as u8),
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(sender.room().wait(patience).await, Ok(()));
        });
    }

    #[test]
    fn a_hostile_frame_ends_the_link_with_a_named_error() {
        let mut inbox = Inbox::default();
        assert!(inbox.feed(&[9, 0, 0, 0, 0], 16));
        assert_eq!(inbox.error, Some(LinkError::Malformed(9)));
        let mut inbox = Inbox::default();
        assert!(inbox.feed(&header(DATA, 1000), 16));
        assert_eq!(
            inbox.error,
            Some(LinkError::TooLarge {
                size: 1000,
                max: 16
            })
        );
    }
}
