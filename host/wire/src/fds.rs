//! Frames that carry a file descriptor (SCM_RIGHTS), for handing socket
//! ends to workers: the groundwork of the direct port path.
//!
//! The descriptor rides on the first byte of its frame. The reader keeps
//! every descriptor it receives in arrival order, so the frame that expects
//! one takes the oldest when it is complete: by then its first byte, and
//! with it its descriptor, has arrived.

use std::collections::VecDeque;
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};
use tokio::io::Interest;
use tokio::net::UnixStream;

use super::Attached;
use super::frame::{
    Bulk, Frame, FrameError, HEADER_BYTES, TailAt, check_sizes, encode_head, set_tail_at, sizes,
    tail_at,
};
use super::lane::{LaneReader, LaneWriter};

/// Bodies and tails at least this large are read into their own buffer.
const LARGE_FRAME: usize = 256 * 1024;

/// Most descriptors taken from one read: more than this in a row is a
/// hostile peer, and the surplus is closed by the kernel's truncation.
const MAX_FDS_PER_READ: usize = 4;

/// Sends one encoded frame with `fd` attached.
///
/// # Errors
/// The socket's error.
pub async fn send_with_fd(stream: &UnixStream, frame: &[u8], fd: BorrowedFd<'_>) -> io::Result<()> {
    let Some((first, rest)) = frame.split_first() else {
        return Ok(());
    };
    loop {
        stream.writable().await?;
        let sent = stream.try_io(Interest::WRITABLE, || {
            let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
            let mut control = SendAncillaryBuffer::new(&mut space);
            let fds = [fd];
            if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
                return Err(io::Error::other("no room for the descriptor"));
            }
            rustix::net::sendmsg(
                stream.as_fd(),
                &[IoSlice::new(std::slice::from_ref(first))],
                &mut control,
                SendFlags::NOSIGNAL,
            )
            .map_err(io::Error::from)
        });
        match sent {
            Ok(_) => break,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            Err(err) => return Err(err),
        }
    }
    write_all(stream, rest).await
}

/// Writes one message as a frame, its payload as the tail, with `fd`
/// attached when there is one. A large payload goes through `lane` when it
/// can (and a message with a descriptor of its own never uses it); any
/// other goes from its own buffer beside the header and body (one
/// `writev`), never copied into an encoded frame.
///
/// # Errors
/// As [`super::frame::encode_head`], or the socket's error.
pub async fn write<T>(
    stream: &UnixStream,
    mut message: T,
    fd: Option<OwnedFd>,
    lane: &mut LaneWriter,
) -> Result<(), FrameError>
where
    T: serde::Serialize + Bulk,
{
    let tail = message.take_bulk();
    let mut head = encode_head(&message, tail.len())?;
    // Placed only once the frame is encoded, so that a region is never
    // filled, or replaced, for a frame that is not sent.
    if fd.is_none()
        && let Some(placed) = lane.place(&tail)
    {
        let at = if placed.region.is_some() {
            TailAt::NewShared
        } else {
            TailAt::Shared
        };
        set_tail_at(&mut head, at);
        drop(tail);
        match placed.region {
            Some(region) => send_with_fd(stream, &head, region.as_fd()).await?,
            None => write_all(stream, &head).await?,
        }
        return Ok(());
    }
    match fd {
        Some(fd) => {
            send_with_fd(stream, &head, fd.as_fd()).await?;
            write_all(stream, &tail).await?;
        }
        None => write_parts(stream, &head, &tail).await?,
    }
    Ok(())
}

/// Writes `head` then `tail` on a shared stream, both in each `writev`
/// until `head` is out.
///
/// # Errors
/// The socket's error.
async fn write_parts(stream: &UnixStream, mut head: &[u8], mut tail: &[u8]) -> io::Result<()> {
    while !head.is_empty() {
        stream.writable().await?;
        match stream.try_write_vectored(&[IoSlice::new(head), IoSlice::new(tail)]) {
            Ok(n) if n < head.len() => head = &head[n..],
            Ok(n) => {
                tail = &tail[n - head.len()..];
                head = &[];
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            Err(err) => return Err(err),
        }
    }
    write_all(stream, tail).await
}

/// Writes bytes on a shared stream.
///
/// # Errors
/// The socket's error.
pub async fn write_all(stream: &UnixStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// Reads frames and the descriptors that come with them.
#[derive(Debug, Default)]
pub struct FdReader {
    /// Bytes read and not yet taken start at `start`: taking a frame moves
    /// `start` on, and the taken bytes are dropped only when more must be
    /// read, not once per frame.
    buffer: Vec<u8>,
    start: usize,
    fds: VecDeque<OwnedFd>,
    lane: LaneReader,
}

impl FdReader {
    /// The next whole frame, body and tail together at most `max` bytes;
    /// `Ok(None)` when the peer closed between frames.
    ///
    /// # Errors
    /// As [`super::frame::read_frame`].
    pub async fn next_frame(
        &mut self,
        stream: &UnixStream,
        max: usize,
    ) -> Result<Option<Frame>, FrameError> {
        while self.pending().len() < HEADER_BYTES {
            if self.fill(stream).await? == 0 {
                return if self.pending().is_empty() {
                    Ok(None)
                } else {
                    Err(FrameError::Truncated)
                };
            }
        }
        let mut head = [0u8; HEADER_BYTES];
        head.copy_from_slice(&self.pending()[..HEADER_BYTES]);
        let (body, tail) = sizes(head);
        check_sizes(body, tail, max)?;
        let at = tail_at(head)?;
        self.consume(HEADER_BYTES);
        if at == TailAt::NewShared {
            // It came with the header's first byte, before any descriptor
            // of a later frame.
            let region = self.take_fd().ok_or_else(|| {
                FrameError::Malformed("a new shared region came without its descriptor".into())
            })?;
            self.lane.adopt(&region)?;
        }
        let body = self.take(stream, body).await?;
        let tail = match at {
            TailAt::Stream => self.take(stream, tail).await?,
            TailAt::Shared | TailAt::NewShared => self.lane.take(tail)?,
        };
        Ok(Some(Frame { body, tail }))
    }

    /// Whether the peer has handed over a shared region for large tails.
    pub fn has_lane(&self) -> bool {
        self.lane.is_mapped()
    }

    /// The oldest descriptor received and not yet taken.
    pub fn take_fd(&mut self) -> Option<OwnedFd> {
        self.fds.pop_front()
    }

    /// Gives a frame that carries a descriptor the one that came with it.
    ///
    /// # Errors
    /// [`FrameError::Malformed`] when the frame came without one, or when
    /// descriptors pile up that no frame claims.
    pub fn attach(&mut self, slot: Option<&Attached>) -> Result<(), FrameError> {
        if let Some(slot) = slot {
            let fd = self.take_fd().ok_or_else(|| {
                FrameError::Malformed("a frame that carries a descriptor came without one".into())
            })?;
            slot.put(fd);
        }
        if self.fds.len() > MAX_FDS_PER_READ {
            return Err(FrameError::Malformed(
                "descriptors arrived that no frame carries".into(),
            ));
        }
        Ok(())
    }

    /// Bytes read beyond the frames taken so far.
    pub fn leftover(&self) -> &[u8] {
        self.pending()
    }

    fn pending(&self) -> &[u8] {
        &self.buffer[self.start..]
    }

    fn consume(&mut self, taken: usize) {
        self.start += taken;
        if self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        }
    }

    /// The next `size` bytes of the stream in a buffer of their own: from
    /// the shared buffer when small, else read straight into their place.
    async fn take(&mut self, stream: &UnixStream, size: usize) -> Result<Vec<u8>, FrameError> {
        if size >= LARGE_FRAME && self.pending().len() < size {
            return self.read_large(stream, size).await;
        }
        while self.pending().len() < size {
            if self.fill(stream).await? == 0 {
                return Err(FrameError::Truncated);
            }
        }
        let part = self.pending()[..size].to_vec();
        self.consume(size);
        Ok(part)
    }

    /// Reads `size` bytes, starting with what the shared buffer holds,
    /// straight into their own buffer rather than through the shared one.
    async fn read_large(
        &mut self,
        stream: &UnixStream,
        size: usize,
    ) -> Result<Vec<u8>, FrameError> {
        // Read into spare capacity, not zeroed first. Only a frame's first
        // byte carries a descriptor, so plain reads do here; one a peer
        // attached further in is closed by the kernel, never received.
        let mut part = Vec::with_capacity(size);
        part.extend_from_slice(self.pending());
        self.buffer.clear();
        self.start = 0;
        while part.len() < size {
            stream.readable().await?;
            let want = size - part.len();
            match stream.try_read_buf(&mut super::LimitedVec(&mut part, want)) {
                Ok(0) => return Err(FrameError::Truncated),
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(part)
    }

    async fn fill(&mut self, stream: &UnixStream) -> io::Result<usize> {
        let mut chunk = [0u8; 64 * 1024];
        let read = self.receive(stream, &mut chunk).await?;
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(read)
    }

    /// One `recvmsg` into `into`, keeping the descriptors that came.
    async fn receive(&mut self, stream: &UnixStream, into: &mut [u8]) -> io::Result<usize> {
        loop {
            stream.readable().await?;
            let read = stream.try_io(Interest::READABLE, || {
                let mut space =
                    [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS_PER_READ))];
                let mut control = RecvAncillaryBuffer::new(&mut space);
                let received = rustix::net::recvmsg(
                    stream.as_fd(),
                    &mut [IoSliceMut::new(into)],
                    &mut control,
                    RecvFlags::CMSG_CLOEXEC,
                )
                .map_err(io::Error::from)?;
                let mut fds = Vec::new();
                for message in control.drain() {
                    if let RecvAncillaryMessage::ScmRights(rights) = message {
                        fds.extend(rights);
                    }
                }
                Ok((received.bytes, fds))
            });
            match read {
                Ok((bytes, fds)) => {
                    self.fds.extend(fds);
                    // Only a frame's first byte carries one; more waiting
                    // than that is a peer piling descriptors on the host.
                    if self.fds.len() > MAX_FDS_PER_READ {
                        return Err(io::Error::other(
                            "descriptors arrived that no frame carries",
                        ));
                    }
                    return Ok(bytes);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
                Err(err) => return Err(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};

    use super::*;
    use crate::WorkerToHost;
    use crate::frame::encode;

    /// Runs `work` on a runtime of its own.
    fn block_on<F: std::future::Future>(work: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(work)
    }

    #[test]
    fn a_descriptor_travels_with_its_frame() {
        block_on(async {
            let (a, b) = UnixStream::pair().expect("a socket pair");
            // The descriptor handed over: one end of another socket pair.
            let (mut kept, given) = std::os::unix::net::UnixStream::pair().expect("a pair");
            let plain = encode(&WorkerToHost::Ready).expect("encodes");
            let with_fd = encode(&WorkerToHost::PortClose { port: 7 }).expect("encodes");
            write_all(&a, &plain).await.expect("writes");
            send_with_fd(&a, &with_fd, given.as_fd())
                .await
                .expect("sends");
            drop(given);

            let mut reader = FdReader::default();
            let first = reader.next_frame(&b, 1024).await.expect("reads");
            let first: WorkerToHost = first.expect("a frame").decode().expect("decodes");
            assert_eq!(first, WorkerToHost::Ready);
            let second = reader.next_frame(&b, 1024).await.expect("reads");
            let second: WorkerToHost = second.expect("a frame").decode().expect("decodes");
            assert_eq!(second, WorkerToHost::PortClose { port: 7 });

            // The received descriptor is a live socket end: bytes cross it.
            let received = reader.take_fd().expect("a descriptor came along");
            let mut received = std::os::unix::net::UnixStream::from(received);
            received.write_all(b"direct").expect("writes");
            let mut got = [0u8; 6];
            kept.read_exact(&mut got).expect("reads");
            assert_eq!(&got, b"direct");
            assert!(reader.take_fd().is_none());
        });
    }

    #[test]
    fn a_large_frame_is_read_whole_between_small_ones() {
        block_on(async {
            let (a, b) = UnixStream::pair().expect("a socket pair");
            let big = WorkerToHost::PortPost {
                port: 3,
                data: (0..700_000u32).map(|i| i as u8).collect(),
                transfer: Vec::new(),
                marked: false,
            };
            // The same payload inside a body (as a handshake frame would
            // carry it) and as a tail, between small frames.
            let in_body = encode(&big).expect("encodes");
            let sent = [
                WorkerToHost::Ready,
                big.clone(),
                WorkerToHost::Ready,
                big.clone(),
            ];
            let writer = tokio::spawn(async move {
                // Off, so that the payload crosses the socket.
                let mut lane = LaneWriter::disabled();
                for (i, message) in sent.into_iter().enumerate() {
                    if i == 1 {
                        write_all(&a, &in_body).await.expect("writes");
                    } else {
                        write(&a, message, None, &mut lane).await.expect("writes");
                    }
                }
                a
            });
            let mut reader = FdReader::default();
            let mut got = Vec::new();
            for _ in 0..4 {
                let frame = reader.next_frame(&b, 1 << 20).await.expect("reads");
                let message: WorkerToHost = frame.expect("a frame").decode().expect("decodes");
                got.push(message);
            }
            assert_eq!(
                got,
                vec![WorkerToHost::Ready, big.clone(), WorkerToHost::Ready, big]
            );
            drop(writer.await.expect("the writer ends"));
            assert!(
                reader
                    .next_frame(&b, 1 << 20)
                    .await
                    .expect("reads")
                    .is_none()
            );
            assert!(!reader.has_lane());
        });
    }

    fn post(size: usize, seed: u8) -> WorkerToHost {
        WorkerToHost::PortPost {
            port: 3,
            data: (0..size).map(|i| (i as u8).wrapping_mul(seed)).collect(),
            transfer: Vec::new(),
            marked: false,
        }
    }

    /// `message` written on `a` and read back on `b`.
    async fn across(
        a: &UnixStream,
        b: &UnixStream,
        message: &WorkerToHost,
        lane: &mut LaneWriter,
        reader: &mut FdReader,
    ) -> WorkerToHost {
        write(a, message.clone(), None, lane).await.expect("writes");
        let frame = reader.next_frame(b, 4 << 20).await.expect("reads");
        frame.expect("a frame").decode().expect("decodes")
    }

    /// The bytes a frame took on the socket, read after it.
    async fn on_the_socket(stream: &UnixStream) -> usize {
        stream.readable().await.expect("a frame came");
        let mut chunk = vec![0u8; 4 << 20];
        let mut total = 0;
        while let Ok(n @ 1..) = stream.try_read(&mut chunk) {
            total += n;
        }
        total
    }

    #[test]
    fn large_payloads_go_through_the_shared_region_and_small_ones_do_not() {
        block_on(async {
            let (a, b) = UnixStream::pair().expect("a socket pair");
            let mut lane = LaneWriter::default();
            let mut reader = FdReader::default();
            let big = post(1 << 20, 3);
            let small = post(1000, 5);

            // The first large payload brings the region; the frame on the
            // socket is only the header and body.
            assert_eq!(across(&a, &b, &big, &mut lane, &mut reader).await, big);
            assert!(reader.has_lane());
            assert!(
                reader.take_fd().is_none(),
                "the region's descriptor was taken"
            );

            // Two in a row before the reader looks: the region holds one,
            // so the second must cross the socket; had it gone into the
            // region over the first, the first would arrive garbled.
            let other = post(900_000, 7);
            let writing = async {
                for message in [&other, &big, &small] {
                    write(&a, message.clone(), None, &mut lane)
                        .await
                        .expect("writes");
                }
            };
            let reading = async {
                // Not before the writer has placed the first two.
                tokio::task::yield_now().await;
                let mut got = Vec::new();
                for _ in 0..3 {
                    let frame = reader.next_frame(&b, 2 << 20).await.expect("reads");
                    got.push(
                        frame
                            .expect("a frame")
                            .decode::<WorkerToHost>()
                            .expect("decodes"),
                    );
                }
                got
            };
            let ((), got) = tokio::join!(writing, reading);
            assert_eq!(got, vec![other.clone(), big.clone(), small]);

            // Taken, the region is free again: a payload that fits it uses
            // it without a new descriptor.
            write(&a, other.clone(), None, &mut lane)
                .await
                .expect("writes");
            let sent = on_the_socket(&b).await;
            assert!(sent < 1024, "{sent} bytes crossed the socket");

            // One larger than the region brings a bigger one.
            let bigger = post(3 << 20, 11);
            let mut reader = FdReader::default();
            assert_eq!(
                across(&a, &b, &bigger, &mut lane, &mut reader).await,
                bigger
            );
        });
    }

    /// The reader's verdict on `head` followed by `fd`, when given.
    fn read_forged(head: [u8; HEADER_BYTES], body: &[u8], fd: Option<OwnedFd>) -> FrameError {
        block_on(async {
            let (a, b) = UnixStream::pair().expect("a socket pair");
            let mut bytes = head.to_vec();
            bytes.extend_from_slice(body);
            match fd {
                Some(fd) => send_with_fd(&a, &bytes, fd.as_fd()).await.expect("sends"),
                None => write_all(&a, &bytes).await.expect("writes"),
            }
            let mut reader = FdReader::default();
            reader
                .next_frame(&b, 64 << 20)
                .await
                .expect_err("a forged frame is refused")
        })
    }

    fn memfd(size: u64, seals: rustix::fs::SealFlags) -> OwnedFd {
        memfd_with(rustix::fs::MemfdFlags::empty(), size, seals)
    }

    fn memfd_with(
        flags: rustix::fs::MemfdFlags,
        size: u64,
        seals: rustix::fs::SealFlags,
    ) -> OwnedFd {
        use rustix::fs::MemfdFlags;
        let flags = flags | MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
        let fd = rustix::fs::memfd_create("forged", flags).expect("a memfd");
        rustix::fs::ftruncate(&fd, size).expect("sized");
        rustix::fs::fcntl_add_seals(&fd, seals).expect("sealed");
        fd
    }

    #[test]
    fn a_forged_shared_tail_is_a_named_error() {
        use super::super::frame::header_at;
        use rustix::fs::{MemfdFlags, SealFlags};

        let body = encode(&WorkerToHost::Ready).expect("encodes")[HEADER_BYTES..].to_vec();
        let shared = |tail: usize, at: TailAt| header_at(body.len(), tail, at).expect("a header");
        let malformed = |err: FrameError, why: &str| match err {
            FrameError::Malformed(message) => assert!(message.contains(why), "{message}"),
            other => panic!("{other:?}"),
        };

        // A tail in a region that was never handed over.
        let err = read_forged(shared(500_000, TailAt::Shared), &body, None);
        malformed(err, "never handed over");
        // A new region without its descriptor.
        let err = read_forged(shared(500_000, TailAt::NewShared), &body, None);
        malformed(err, "without its descriptor");
        // A new region flag on a tail that is on the stream.
        let mut head = shared(0, TailAt::Stream);
        head[3] |= 0x80;
        malformed(read_forged(head, &body, None), "not in one");
        // A descriptor that is not a memfd.
        let (_kept, given) = std::os::unix::net::UnixStream::pair().expect("a pair");
        let err = read_forged(shared(10, TailAt::NewShared), &body, Some(given.into()));
        malformed(err, "not a sealable memfd");
        // Memfds the reader must refuse: one that could shrink under it, one
        // of huge pages, one too large, and a tail longer than its region.
        let refused = [
            (
                10,
                memfd(1 << 20, SealFlags::GROW),
                "not sealed against shrinking",
            ),
            (
                10,
                memfd_with(MemfdFlags::HUGETLB, 2 << 20, SealFlags::SHRINK),
                "not pages of",
            ),
            (
                10,
                memfd(64 << 20, SealFlags::SHRINK),
                "not a region's size",
            ),
            (
                2 << 20,
                memfd(1 << 20, SealFlags::SHRINK),
                "-byte tail in a",
            ),
        ];
        for (tail, region, why) in refused {
            let err = read_forged(shared(tail, TailAt::NewShared), &body, Some(region));
            malformed(err, why);
        }
    }

    /// What the host's reading pump makes of `frames`, each sent with a
    /// descriptor when it has one: the messages it passed on, and how it
    /// ended.
    fn pump(frames: Vec<(Vec<u8>, Option<OwnedFd>)>) -> (usize, Result<(), FrameError>) {
        block_on(async {
            let (a, b) = UnixStream::pair().expect("a socket pair");
            for (bytes, fd) in frames {
                match fd {
                    Some(fd) => send_with_fd(&a, &bytes, fd.as_fd()).await.expect("sends"),
                    None => write_all(&a, &bytes).await.expect("writes"),
                }
            }
            drop(a);
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<WorkerToHost>();
            let ended = crate::pump::read_frames(&b, 1 << 20, &tx).await;
            let mut passed = 0;
            while rx.try_recv().is_ok() {
                passed += 1;
            }
            (passed, ended)
        })
    }

    fn a_descriptor() -> OwnedFd {
        let (_kept, given) = std::os::unix::net::UnixStream::pair().expect("a pair");
        given.into()
    }

    #[test]
    fn a_frame_that_carries_a_descriptor_is_refused_without_one() {
        let handover = encode(&WorkerToHost::LinkHandover {
            port: 3,
            fd: Attached::default(),
            state: crate::link::LinkState::default(),
        })
        .expect("encodes");
        // The control: with its descriptor it passes.
        let (passed, ended) = pump(vec![(handover.clone(), Some(a_descriptor()))]);
        assert!(ended.is_ok(), "{ended:?}");
        assert_eq!(passed, 1);
        let (passed, ended) = pump(vec![(handover, None)]);
        assert_eq!(passed, 0);
        match ended {
            Err(FrameError::Malformed(why)) => assert!(why.contains("came without one"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn more_than_four_descriptors_no_frame_claims_end_the_connection() {
        let ready = encode(&WorkerToHost::Ready).expect("encodes");
        let stray = |count: usize| {
            (0..count)
                .map(|_| (ready.clone(), Some(a_descriptor())))
                .collect::<Vec<_>>()
        };
        let (passed, ended) = pump(stray(4));
        assert!(ended.is_ok(), "four may wait: {ended:?}");
        assert_eq!(passed, 4);
        let (passed, ended) = pump(stray(5));
        assert!(passed <= 4, "{passed}");
        let why = ended.expect_err("a fifth is refused").to_string();
        assert!(
            why.contains("descriptors arrived that no frame carries"),
            "{why}"
        );
    }
}
