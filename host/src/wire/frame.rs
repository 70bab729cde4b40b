//! Framing for the host ↔ worker socket.
//!
//! A frame is a 4-byte little-endian body length followed by a MessagePack
//! body. Each side reads with a size limit, and every byte it reads is
//! treated as hostile: a frame that is too large, cut short or not the
//! expected message is a [`FrameError`], never a panic. A connection opens
//! with a handshake: the host sends [`Hello`], the worker answers
//! [`WorkerHello`], and only when both speak the same [`PROTOCOL_VERSION`]
//! does the host send [`Start`], the component to run.

use std::io;

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::ByteBuf;
use crate::capabilities::Grants;
use crate::manifest::Limits;

/// The wire protocol's version. Both ends must speak the same one.
pub const PROTOCOL_VERSION: u32 = 2;

/// Marks a wasmtron connection, so a stray peer fails the handshake clearly.
pub const MAGIC: &str = "wasmtron-wire";

/// Bytes of the length prefix.
pub const HEADER_BYTES: usize = 4;

/// Room for a message's own fields (channel, ids, tags) on top of its
/// payload: a frame may be this much larger than the message limit.
pub const FRAME_OVERHEAD: usize = 64 * 1024;

/// The largest first frames ([`Start`] carries the compiled component).
pub const MAX_START_FRAME: usize = 512 * 1024 * 1024;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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

/// Encodes `value` as one frame: length prefix and body.
///
/// # Errors
/// [`FrameError::Malformed`] when the value cannot be encoded, or
/// [`FrameError::TooLarge`] when the body would not fit the 4-byte prefix.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, FrameError> {
    // Sized first, so that a large payload is copied once, not again each
    // time a growing buffer moves.
    let mut counted = Counted(0);
    rmp_serde::encode::write_named(&mut counted, value)
        .map_err(|err| FrameError::Malformed(err.to_string()))?;
    let mut frame = Vec::with_capacity(HEADER_BYTES + counted.0);
    frame.extend_from_slice(&[0; HEADER_BYTES]);
    rmp_serde::encode::write_named(&mut frame, value)
        .map_err(|err| FrameError::Malformed(err.to_string()))?;
    let size = frame.len() - HEADER_BYTES;
    let prefix = u32::try_from(size).map_err(|_| FrameError::TooLarge {
        size,
        max: u32::MAX as usize,
    })?;
    frame[..HEADER_BYTES].copy_from_slice(&prefix.to_le_bytes());
    Ok(frame)
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

/// Writes `value` as one frame.
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

/// Reads one frame body of at most `max` bytes. `Ok(None)` means the peer
/// closed the connection cleanly between frames.
///
/// # Errors
/// [`FrameError::TooLarge`] before reading an oversized body,
/// [`FrameError::Truncated`] when the connection ends inside a frame, or
/// the socket's error.
pub async fn read_body<R>(reader: &mut R, max: usize) -> Result<Option<Vec<u8>>, FrameError>
where
    R: AsyncRead + Unpin,
{
    let mut prefix = [0u8; HEADER_BYTES];
    let mut filled = 0;
    while filled < HEADER_BYTES {
        match reader.read(&mut prefix[filled..]).await? {
            0 if filled == 0 => return Ok(None),
            0 => return Err(FrameError::Truncated),
            n => filled += n,
        }
    }
    let size = u32::from_le_bytes(prefix) as usize;
    if size > max {
        return Err(FrameError::TooLarge { size, max });
    }
    let mut body = vec![0; size];
    reader.read_exact(&mut body).await.map_err(|err| {
        if err.kind() == io::ErrorKind::UnexpectedEof {
            FrameError::Truncated
        } else {
            FrameError::Io(err)
        }
    })?;
    Ok(Some(body))
}

/// Reads and decodes one frame; `Ok(None)` on a clean close.
///
/// # Errors
/// As [`read_body`] and [`decode`].
pub async fn read<R, T>(reader: &mut R, max: usize) -> Result<Option<T>, FrameError>
where
    R: AsyncRead + Unpin,
    T: DeserializeOwned,
{
    match read_body(reader, max).await? {
        Some(body) => decode(&body).map(Some),
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
    use crate::wire::{HostToWorker, WorkerToHost};

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
    fn oversized_prefix_is_refused_before_reading_the_body() {
        block_on(async {
            let (mut a, mut b) = tokio::io::duplex(64);
            a.write_all(&u32::MAX.to_le_bytes()).await.expect("writes");
            let err = read_body(&mut b, 1024).await.expect_err("too large");
            assert!(
                matches!(err, FrameError::TooLarge { max: 1024, .. }),
                "{err}"
            );
        });
    }

    #[test]
    fn hostile_frames_are_errors_not_panics() {
        block_on(async {
            let cases: Vec<Vec<u8>> = vec![
                vec![1],                            // cut inside the prefix
                vec![10, 0, 0, 0, 1, 2],            // cut inside the body
                vec![3, 0, 0, 0, 0xc1, 0xc1, 0xc1], // reserved MessagePack bytes
                vec![2, 0, 0, 0, 0x81, 0xa1],       // a map cut short
                vec![1, 0, 0, 0, 0x07],             // a number, not a message
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
