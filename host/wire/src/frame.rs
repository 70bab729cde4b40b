//! Framing for the host ↔ worker socket.
//!
//! A frame is an 8-byte header (two little-endian `u32`s: the body's length
//! and the tail's), a MessagePack body, then the tail: the raw bytes of the
//! message's payload, which the body leaves empty ([`Bulk`]). Keeping the
//! payload out of the MessagePack lets a writer send it from where it lies,
//! beside the header in one `writev`, and a reader take it into a buffer of
//! its own, with no copy into or out of an encoded body. A large payload
//! may instead wait in shared memory beside the connection ([`super::lane`],
//! [`TailAt`]), the frame carrying only its length. Each side reads
//! with a size limit on body and tail together, and every byte it reads is
//! treated as hostile: a frame that is too large, cut short or not the
//! expected message is a [`FrameError`], never a panic. A connection opens
//! with a handshake: the host sends [`Hello`], the worker answers
//! [`WorkerHello`], and only when both speak the same [`PROTOCOL_VERSION`]
//! does the host send [`Start`], the component to run.

use std::io;

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::ByteBuf;
use crate::Grants;
use crate::Limits;

/// The wire protocol's version. Both ends must speak the same one.
pub const PROTOCOL_VERSION: u32 = 7;

/// Marks a wasmtron connection, so a stray peer fails the handshake clearly.
pub const MAGIC: &str = "wasmtron-wire";

/// Bytes of the header: the body's length, then the tail's, each in the 31
/// low bits of a little-endian `u32`; the top bits say where the tail is
/// ([`TailAt`]).
pub const HEADER_BYTES: usize = 8;

/// Room for a message's own fields (channel, ids, tags) on top of its
/// payload: a frame may be this much larger than the message limit.
pub const FRAME_OVERHEAD: usize = 64 * 1024;

/// The largest first frames ([`Start`] carries the compiled component).
pub const MAX_START_FRAME: usize = 512 * 1024 * 1024;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {size} bytes is over the {max}-byte limit")]
    TooLarge { size: usize, max: usize },
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("the connection closed in the middle of a frame")]
    Truncated,
    #[error("the peer closed the connection before sending {0}")]
    Closed(String),
    #[error("handshake failed: {0}")]
    Handshake(String),
    #[error("socket error: {0}")]
    Io(#[from] io::Error),
}

/// The first frame from the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub magic: String,
    pub protocol: u32,
}

impl Hello {
    /// This build's greeting.
    pub fn current() -> Self {
        Hello {
            magic: MAGIC.into(),
            protocol: PROTOCOL_VERSION,
        }
    }

    /// Checks a peer's greeting against this build.
    ///
    /// # Errors
    /// [`FrameError::Handshake`] naming the mismatch.
    pub fn check(&self) -> Result<(), FrameError> {
        if self.magic != MAGIC {
            return Err(FrameError::Handshake(format!(
                "the peer is not a wasmtron worker (magic {:?})",
                self.magic
            )));
        }
        if self.protocol != PROTOCOL_VERSION {
            return Err(FrameError::Handshake(format!(
                "the peer speaks protocol {}, this host speaks {PROTOCOL_VERSION}",
                self.protocol
            )));
        }
        Ok(())
    }
}

/// The worker's answer to [`Hello`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerHello {
    pub hello: Hello,
    pub pid: u32,
}

/// What the worker is to run: the host's second frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Start {
    pub name: String,
    /// `"renderer"` or `"utility"`.
    pub world: String,
    /// The component as compiled and serialized by the host's engine.
    pub component: ByteBuf,
    pub channels: Vec<String>,
    pub limits: Limits,
    pub grants: Grants,
}

/// A message whose payload can travel as its frame's tail.
pub trait Bulk {
    /// The message's payload field; `None` for a message without one.
    fn bulk(&mut self) -> Option<&mut Vec<u8>>;

    /// Moves the payload out, leaving the message's field empty; empty for
    /// a message without one.
    fn take_bulk(&mut self) -> Vec<u8> {
        self.bulk().map(std::mem::take).unwrap_or_default()
    }

    /// Puts a frame's tail back as the payload. An empty tail leaves the
    /// field as the body had it.
    ///
    /// # Errors
    /// [`FrameError::Malformed`] for a tail on a message that has no
    /// payload, or whose body already filled it.
    fn put_bulk(&mut self, tail: Vec<u8>) -> Result<(), FrameError> {
        if tail.is_empty() {
            return Ok(());
        }
        match self.bulk() {
            Some(field) if field.is_empty() => {
                *field = tail;
                Ok(())
            }
            Some(_) => Err(FrameError::Malformed(
                "a payload in both the body and the tail".into(),
            )),
            None => Err(stray_tail()),
        }
    }
}

/// The error for a tail on a message that carries no payload.
fn stray_tail() -> FrameError {
    FrameError::Malformed("a tail on a message without a payload".into())
}

/// One frame read whole: the MessagePack body and the raw tail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    pub body: Vec<u8>,
    pub tail: Vec<u8>,
}

impl Frame {
    /// Decodes the body as a `T` and gives it the tail as its payload.
    ///
    /// # Errors
    /// [`FrameError::Malformed`] for a body that is not a `T`, or a tail
    /// it cannot take.
    pub fn decode<T: DeserializeOwned + Bulk>(self) -> Result<T, FrameError> {
        let mut message: T = decode(&self.body)?;
        message.put_bulk(self.tail)?;
        Ok(message)
    }

    /// Decodes a frame that must have no tail (the handshake's).
    ///
    /// # Errors
    /// As [`decode`], and [`FrameError::Malformed`] for a tail.
    pub fn decode_plain<T: DeserializeOwned>(self) -> Result<T, FrameError> {
        if !self.tail.is_empty() {
            return Err(stray_tail());
        }
        decode(&self.body)
    }
}

/// The header of a frame with a `body`-byte body and a `tail`-byte tail.
///
/// # Errors
/// [`FrameError::TooLarge`] when either does not fit its 31 bits.
pub fn header(body: usize, tail: usize) -> Result<[u8; HEADER_BYTES], FrameError> {
    header_at(body, tail, TailAt::Stream)
}

/// The top bit of the tail's length: the tail is in the writer's shared
/// region ([`super::lane`]), not on the stream.
const TAIL_SHARED: u32 = 1 << 31;

/// The top bit of the body's length, with [`TAIL_SHARED`]: the frame's
/// descriptor is a new region, replacing the last.
const NEW_REGION: u32 = 1 << 31;

/// The bits of a length word that count bytes.
const LENGTH: u32 = !(1 << 31);

/// Where a frame's tail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TailAt {
    /// On the stream, after the body.
    Stream,
    /// In the writer's shared region.
    Shared,
    /// In a new shared region, whose memfd rides on the frame.
    NewShared,
}

/// The header of a frame whose `tail` bytes are at `at`.
///
/// # Errors
/// [`FrameError::TooLarge`] when a length does not fit its 31 bits.
pub fn header_at(body: usize, tail: usize, at: TailAt) -> Result<[u8; HEADER_BYTES], FrameError> {
    let fit = |size: usize| {
        u32::try_from(size)
            .ok()
            .filter(|&size| size <= LENGTH)
            .ok_or(FrameError::TooLarge {
                size,
                max: LENGTH as usize,
            })
    };
    let (body_flag, tail_flag) = match at {
        TailAt::Stream => (0, 0),
        TailAt::Shared => (0, TAIL_SHARED),
        TailAt::NewShared => (NEW_REGION, TAIL_SHARED),
    };
    let mut header = [0; HEADER_BYTES];
    header[..4].copy_from_slice(&(fit(body)? | body_flag).to_le_bytes());
    header[4..].copy_from_slice(&(fit(tail)? | tail_flag).to_le_bytes());
    Ok(header)
}

/// Marks an encoded frame's header (its first [`HEADER_BYTES`]) as having
/// its tail at `at`, keeping the lengths.
pub fn set_tail_at(frame: &mut [u8], at: TailAt) {
    let mut head = [0; HEADER_BYTES];
    head.copy_from_slice(&frame[..HEADER_BYTES]);
    let (body, tail) = sizes(head);
    if let Ok(marked) = header_at(body, tail, at) {
        frame[..HEADER_BYTES].copy_from_slice(&marked);
    }
}

/// The body's and the tail's lengths from a header, wherever the tail is.
pub fn sizes(header: [u8; HEADER_BYTES]) -> (usize, usize) {
    let (body, tail) = words(header);
    ((body & LENGTH) as usize, (tail & LENGTH) as usize)
}

/// Where the header says the tail is.
///
/// # Errors
/// [`FrameError::Malformed`] for a new region without a shared tail.
pub fn tail_at(header: [u8; HEADER_BYTES]) -> Result<TailAt, FrameError> {
    let (body, tail) = words(header);
    match (tail & TAIL_SHARED != 0, body & NEW_REGION != 0) {
        (false, false) => Ok(TailAt::Stream),
        (true, false) => Ok(TailAt::Shared),
        (true, true) => Ok(TailAt::NewShared),
        (false, true) => Err(FrameError::Malformed(
            "a new shared region for a tail that is not in one".into(),
        )),
    }
}

/// The header's two length words, flags included.
fn words(header: [u8; HEADER_BYTES]) -> (u32, u32) {
    let [b0, b1, b2, b3, t0, t1, t2, t3] = header;
    (
        u32::from_le_bytes([b0, b1, b2, b3]),
        u32::from_le_bytes([t0, t1, t2, t3]),
    )
}

/// Checks a header's sizes against the reader's limit.
///
/// # Errors
/// [`FrameError::TooLarge`] when body and tail together pass `max`.
pub fn check_sizes(body: usize, tail: usize, max: usize) -> Result<(), FrameError> {
    let size = body.saturating_add(tail);
    if size > max {
        return Err(FrameError::TooLarge { size, max });
    }
    Ok(())
}

/// Encodes `value` as the start of a frame: the header, counting a tail of
/// `tail` bytes that the caller sends after it, and the body.
///
/// # Errors
/// [`FrameError::Malformed`] when the value cannot be encoded, or
/// [`FrameError::TooLarge`] when a length would not fit its `u32`.
pub fn encode_head<T: Serialize>(value: &T, tail: usize) -> Result<Vec<u8>, FrameError> {
    encode_head_at(value, tail, TailAt::Stream)
}

/// As [`encode_head`], for a tail at `at`.
///
/// # Errors
/// As [`encode_head`].
pub fn encode_head_at<T: Serialize>(
    value: &T,
    tail: usize,
    at: TailAt,
) -> Result<Vec<u8>, FrameError> {
    // Sized first, so that the body is written once into a buffer of the
    // right size, not again each time a growing buffer moves.
    let mut counted = Counted(0);
    rmp_serde::encode::write_named(&mut counted, value)
        .map_err(|err| FrameError::Malformed(err.to_string()))?;
    let mut frame = Vec::with_capacity(HEADER_BYTES + counted.0);
    frame.extend_from_slice(&[0; HEADER_BYTES]);
    rmp_serde::encode::write_named(&mut frame, value)
        .map_err(|err| FrameError::Malformed(err.to_string()))?;
    let head = header_at(frame.len() - HEADER_BYTES, tail, at)?;
    frame[..HEADER_BYTES].copy_from_slice(&head);
    Ok(frame)
}

/// Encodes `value` as one whole frame without a tail.
///
/// # Errors
/// As [`encode_head`].
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, FrameError> {
    encode_head(value, 0)
}

/// A writer that only counts what it is given.
struct Counted(usize);

impl io::Write for Counted {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Decodes one frame body.
///
/// # Errors
/// [`FrameError::Malformed`] for anything that is not a `T`.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    rmp_serde::from_slice(body).map_err(|err| FrameError::Malformed(err.to_string()))
}

/// Writes `value` as one frame without a tail.
///
/// # Errors
/// As [`encode`], or the socket's error.
pub async fn write<W, T>(writer: &mut W, value: &T) -> Result<(), FrameError>
where
    W: AsyncWrite + Unpin,
    T: Serialize,
{
    let frame = encode(value)?;
    writer.write_all(&frame).await?;
    Ok(())
}

/// Reads one frame whose body and tail together are at most `max` bytes.
/// `Ok(None)` means the peer closed the connection cleanly between frames.
///
/// # Errors
/// [`FrameError::TooLarge`] before reading an oversized frame,
/// [`FrameError::Truncated`] when the connection ends inside a frame, or
/// the socket's error.
pub async fn read_frame<R>(reader: &mut R, max: usize) -> Result<Option<Frame>, FrameError>
where
    R: AsyncRead + Unpin,
{
    let mut head = [0u8; HEADER_BYTES];
    let mut filled = 0;
    while filled < HEADER_BYTES {
        match reader.read(&mut head[filled..]).await? {
            0 if filled == 0 => return Ok(None),
            0 => return Err(FrameError::Truncated),
            n => filled += n,
        }
    }
    let (body, tail) = sizes(head);
    check_sizes(body, tail, max)?;
    if tail_at(head)? != TailAt::Stream {
        return Err(FrameError::Malformed(
            "a tail in a shared region on a connection that has none".into(),
        ));
    }
    let mut frame = Frame {
        body: vec![0; body],
        tail: vec![0; tail],
    };
    for part in [&mut frame.body, &mut frame.tail] {
        reader.read_exact(part).await.map_err(|err| {
            if err.kind() == io::ErrorKind::UnexpectedEof {
                FrameError::Truncated
            } else {
                FrameError::Io(err)
            }
        })?;
    }
    Ok(Some(frame))
}

/// Reads and decodes one frame without a tail; `Ok(None)` on a clean close.
///
/// # Errors
/// As [`read_frame`] and [`Frame::decode_plain`].
pub async fn read<R, T>(reader: &mut R, max: usize) -> Result<Option<T>, FrameError>
where
    R: AsyncRead + Unpin,
    T: DeserializeOwned,
{
    match read_frame(reader, max).await? {
        Some(frame) => frame.decode_plain().map(Some),
        None => Ok(None),
    }
}

/// Reads a frame that must be there (a handshake step).
///
/// # Errors
/// As [`read`], and [`FrameError::Closed`] when the peer closed instead.
pub async fn expect<R, T>(reader: &mut R, max: usize, what: &str) -> Result<T, FrameError>
where
    R: AsyncRead + Unpin,
    T: DeserializeOwned,
{
    match read(reader, max).await {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(FrameError::Closed(what.to_owned())),
        Err(FrameError::Malformed(reason)) => Err(FrameError::Handshake(format!(
            "expected {what}, got something else: {reason}"
        ))),
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HostToWorker, WorkerToHost};

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(future)
    }

    #[test]
    fn frames_round_trip_through_a_stream() {
        block_on(async {
            let (mut a, mut b) = tokio::io::duplex(1 << 20);
            let sent = WorkerToHost::Send {
                channel: "c".into(),
                payload: vec![7; 1000],
                transfer: vec![3],
            };
            write(&mut a, &sent).await.expect("writes");
            write(&mut a, &HostToWorker::Stop).await.expect("writes");
            drop(a);
            let got: Option<WorkerToHost> = read(&mut b, 4096).await.expect("reads");
            assert_eq!(got, Some(sent));
            let got: Option<HostToWorker> = read(&mut b, 4096).await.expect("reads");
            assert_eq!(got, Some(HostToWorker::Stop));
            let end: Option<HostToWorker> = read(&mut b, 4096).await.expect("clean end");
            assert_eq!(end, None);
        });
    }

    #[test]
    fn the_header_says_where_the_tail_is() {
        for at in [TailAt::Stream, TailAt::Shared, TailAt::NewShared] {
            let head = header_at(300, 1 << 30, at).expect("fits");
            assert_eq!(sizes(head), (300, 1 << 30));
            assert_eq!(tail_at(head).expect("a place"), at);
        }
        // A length needs its 31 bits; the top bit is the flag's.
        assert!(matches!(
            header(1 << 31, 0),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            header(0, 1 << 31),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[tokio::test]
    async fn the_plain_reader_refuses_a_shared_tail() {
        let head = header_at(1, 10, TailAt::Shared).expect("fits");
        let mut bytes = &[head.as_slice(), &[0xc0]].concat()[..];
        let err = read_frame(&mut bytes, 1024).await.expect_err("refused");
        assert!(matches!(err, FrameError::Malformed(_)), "{err}");
    }

    #[test]
    fn oversized_prefix_is_refused_before_reading_the_body() {
        block_on(async {
            let (mut a, mut b) = tokio::io::duplex(64);
            a.write_all(&u32::MAX.to_le_bytes()).await.expect("writes");
            a.write_all(&[0; 4]).await.expect("writes");
            let err = read_frame(&mut b, 1024).await.expect_err("too large");
            assert!(
                matches!(err, FrameError::TooLarge { max: 1024, .. }),
                "{err}"
            );
            // Body and tail are counted together.
            let (mut a, mut b) = tokio::io::duplex(64);
            a.write_all(&header(600, 600).expect("fits"))
                .await
                .expect("writes");
            let err = read_frame(&mut b, 1024).await.expect_err("too large");
            assert!(
                matches!(err, FrameError::TooLarge { size: 1200, .. }),
                "{err}"
            );
        });
    }

    #[test]
    fn hostile_frames_are_errors_not_panics() {
        block_on(async {
            let cases: Vec<Vec<u8>> = vec![
                vec![1],                                        // cut inside the header
                vec![10, 0, 0, 0, 0, 0, 0, 0, 1, 2],            // cut inside the body
                vec![1, 0, 0, 0, 5, 0, 0, 0, 0x07, 1],          // cut inside the tail
                vec![3, 0, 0, 0, 0, 0, 0, 0, 0xc1, 0xc1, 0xc1], // reserved MessagePack bytes
                vec![2, 0, 0, 0, 0, 0, 0, 0, 0x81, 0xa1],       // a map cut short
                vec![1, 0, 0, 0, 0, 0, 0, 0, 0x07],             // a number, not a message
            ];
            for bytes in cases {
                let (mut a, mut b) = tokio::io::duplex(64);
                a.write_all(&bytes).await.expect("writes");
                drop(a);
                let result = read::<_, WorkerToHost>(&mut b, 1024).await;
                assert!(result.is_err(), "{bytes:?} decoded as {result:?}");
            }
        });
    }

    #[test]
    fn a_payload_travels_as_the_tail_and_comes_back_in_its_field() {
        block_on(async {
            let (mut a, mut b) = tokio::io::duplex(1 << 20);
            let mut sent = WorkerToHost::Invoke {
                id: 4,
                channel: "echo".into(),
                payload: (0..5000u32).map(|i| i as u8).collect(),
            };
            let whole = sent.clone();
            let tail = sent.take_bulk();
            assert_eq!(tail.len(), 5000);
            let head = encode_head(&sent, tail.len()).expect("encodes");
            a.write_all(&head).await.expect("writes");
            a.write_all(&tail).await.expect("writes");
            let frame = read_frame(&mut b, 1 << 20)
                .await
                .expect("reads")
                .expect("a frame");
            assert_eq!(frame.tail, tail);
            assert_eq!(
                frame.clone().decode::<WorkerToHost>().expect("decodes"),
                whole
            );
            // A frame with a tail is not a handshake frame.
            assert!(matches!(
                frame.decode_plain::<WorkerToHost>(),
                Err(FrameError::Malformed(_))
            ));
        });
    }

    #[test]
    fn a_tail_the_message_cannot_take_is_malformed() {
        let stray = Frame {
            body: encode(&WorkerToHost::Ready).expect("encodes")[HEADER_BYTES..].to_vec(),
            tail: vec![1, 2, 3],
        };
        assert!(matches!(
            stray.decode::<WorkerToHost>(),
            Err(FrameError::Malformed(_))
        ));
        let both = Frame {
            body: encode(&HostToWorker::Invoke {
                id: 1,
                channel: "c".into(),
                payload: vec![9],
            })
            .expect("encodes")[HEADER_BYTES..]
                .to_vec(),
            tail: vec![1, 2, 3],
        };
        assert!(matches!(
            both.decode::<HostToWorker>(),
            Err(FrameError::Malformed(_))
        ));
        // An error reply has no payload to fill.
        let refused = Frame {
            body: encode(&HostToWorker::Reply {
                id: 1,
                result: Err(crate::IpcError::new(crate::ErrorCode::Denied, "no")),
                ports: Vec::new(),
            })
            .expect("encodes")[HEADER_BYTES..]
                .to_vec(),
            tail: vec![1],
        };
        assert!(matches!(
            refused.decode::<HostToWorker>(),
            Err(FrameError::Malformed(_))
        ));
    }

    /// The host's side of reading a worker's answer: the frame read with
    /// the hello's own limit, then the greeting in it checked.
    async fn host_reads_hello(bytes: &[u8]) -> Result<WorkerHello, FrameError> {
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        a.write_all(bytes).await.expect("writes");
        drop(a);
        let answer: WorkerHello = expect(&mut b, 4096, "the worker's hello").await?;
        answer.hello.check()?;
        Ok(answer)
    }

    #[tokio::test]
    async fn a_worker_hello_of_another_peer_or_protocol_is_refused_by_name() {
        let good = WorkerHello {
            hello: Hello::current(),
            pid: 42,
        };
        let got = host_reads_hello(&encode(&good).expect("encodes")).await;
        assert_eq!(got.expect("a matching hello is taken"), good);

        let stranger = WorkerHello {
            hello: Hello {
                magic: "http/1.1".into(),
                protocol: PROTOCOL_VERSION,
            },
            pid: 42,
        };
        match host_reads_hello(&encode(&stranger).expect("encodes")).await {
            Err(FrameError::Handshake(why)) => {
                assert!(why.contains("not a wasmtron worker"), "{why}");
                assert!(why.contains("\"http/1.1\""), "{why}");
            }
            other => panic!("{other:?}"),
        }

        let older = WorkerHello {
            hello: Hello {
                magic: MAGIC.into(),
                protocol: PROTOCOL_VERSION - 1,
            },
            pid: 42,
        };
        match host_reads_hello(&encode(&older).expect("encodes")).await {
            Err(FrameError::Handshake(why)) => assert!(
                why.contains(&format!(
                    "speaks protocol {}, this host speaks {PROTOCOL_VERSION}",
                    PROTOCOL_VERSION - 1
                )),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_frame_that_is_not_a_worker_hello_fails_the_handshake() {
        // The host's own greeting sent back (a peer of the wrong kind) and
        // an ordinary message in place of the hello.
        for frame in [
            encode(&Hello::current()).expect("encodes"),
            encode(&WorkerToHost::Ready).expect("encodes"),
        ] {
            match host_reads_hello(&frame).await {
                Err(FrameError::Handshake(why)) => {
                    assert!(why.contains("expected the worker's hello"), "{why}");
                }
                other => panic!("{other:?}"),
            }
        }
        // Nothing at all.
        match host_reads_hello(&[]).await {
            Err(FrameError::Closed(what)) => assert_eq!(what, "the worker's hello"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn an_oversized_hello_is_refused_before_its_body_is_read() {
        // Only the header arrives and the peer stays connected: a reader
        // that waited for the body would never return.
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&header(4000, 97).expect("fits"))
            .await
            .expect("writes");
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            expect::<_, WorkerHello>(&mut b, 4096, "the worker's hello"),
        )
        .await
        .expect("refused without waiting for the body");
        match read {
            Err(FrameError::TooLarge { size, max }) => assert_eq!((size, max), (4097, 4096)),
            other => panic!("{other:?}"),
        }
        drop(a);
    }

    #[test]
    fn handshake_refuses_another_protocol_or_peer() {
        assert!(Hello::current().check().is_ok());
        let newer = Hello {
            protocol: PROTOCOL_VERSION + 1,
            ..Hello::current()
        };
        assert!(matches!(newer.check(), Err(FrameError::Handshake(_))));
        let stranger = Hello {
            magic: "http".into(),
            protocol: PROTOCOL_VERSION,
        };
        assert!(matches!(stranger.check(), Err(FrameError::Handshake(_))));
    }
}
