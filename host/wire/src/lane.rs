//! Shared memory beside a connection, for large payloads.
//!
//! A payload of [`LANE_MIN`] bytes or more would cross the socket in
//! pieces of the socket buffer's size, the writer and the reader waking
//! each other for every piece, and the kernel copying it twice. Instead the
//! writer copies it into a region of memory it shares with the reader (a
//! sealed memfd) and sends only the frame's header and body; the reader
//! copies the payload out. At 1 MiB that halves the round trip.
//!
//! Each direction of a connection has its own region, made by the writer
//! the first time a payload needs one and handed over with that frame
//! ([`TailAt::NewShared`](super::frame::TailAt)). The region holds one
//! payload at a time: a state word at its start says whether the reader has
//! taken it. A writer that finds the region still full sends its payload on
//! the socket instead, so nothing waits for the region and frames keep
//! their order.
//!
//! Nothing in a region is trusted. The reader checks that the memfd is
//! sealed against shrinking (a peer that shrank it would make the reader's
//! copy fault) and of a size within [`LANE_MAX`]; lengths come from the
//! frame's header and are checked against the region; and the reader copies
//! the bytes out once and uses only its copy, so a peer that writes to the
//! region while it is read only garbles its own message.

use std::os::fd::{AsFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use rustix::fs::{MemfdFlags, SealFlags};
use rustix::mm::{MapFlags, ProtFlags};

use super::frame::FrameError;

/// Payloads from this size travel through the region.
pub const LANE_MIN: usize = 128 * 1024;

/// The largest region; larger payloads go on the socket. A region stays
/// mapped as long as its connection, so this bounds what a connection keeps.
pub const LANE_MAX: usize = 16 << 20;

/// Bytes before the payload: the state word, on a page of its own.
const CONTROL: usize = 4096;

/// Regions are sized in steps of this, so that a stream of payloads of
/// nearby sizes shares one.
const STEP: usize = 1 << 20;

/// The state word before the first payload and once the reader took one.
const FREE: u32 = 0;
/// The state word while a payload waits for the reader.
const FULL: u32 = 1;

/// One mapping of a region.
#[derive(Debug)]
struct Region {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; the only shared
// state in it is read through atomics or copied out with raw pointers.
#[allow(unsafe_code)]
unsafe impl Send for Region {}

impl Region {
    /// Maps `fd`, `len` bytes, readable and writable, shared.
    #[allow(unsafe_code)]
    fn map(fd: &OwnedFd, len: usize) -> rustix::io::Result<Self> {
        // SAFETY: a fresh mapping at an address the kernel picks; it aliases
        // no Rust object. The file cannot shrink under it (callers check the
        // seal), so every byte of it stays backed.
        let base = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                fd.as_fd(),
                0,
            )
        }?;
        let base = NonNull::new(base.cast::<u8>()).ok_or(rustix::io::Errno::INVAL)?;
        Ok(Self { base, len })
    }

    /// Room for a payload.
    fn capacity(&self) -> usize {
        self.len - CONTROL
    }

    fn state(&self) -> &AtomicU32 {
        // SAFETY: the mapping is page-aligned and at least CONTROL bytes
        // long; an AtomicU32 has the layout of a u32, and cross-process
        // atomics on shared memory are what the lock-free atomics guarantee.
        #[allow(unsafe_code)]
        unsafe {
            self.base.cast::<AtomicU32>().as_ref()
        }
    }

    fn data(&self) -> *mut u8 {
        // SAFETY: CONTROL is within the mapping (len > CONTROL).
        #[allow(unsafe_code)]
        unsafe {
            self.base.as_ptr().add(CONTROL)
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours and nothing borrows from it past this
        // value's life (copies in and out go through raw pointers within one
        // call).
        #[allow(unsafe_code)]
        unsafe {
            let _ = rustix::mm::munmap(self.base.as_ptr().cast(), self.len);
        }
    }
}

/// What a writer needs to send a payload it placed in its region.
#[derive(Debug)]
pub struct Placed {
    /// A new region to hand over with the frame, when one was made.
    pub region: Option<OwnedFd>,
}

/// The writing end of a connection's lane.
#[derive(Debug, Default)]
pub struct LaneWriter {
    region: Option<Region>,
    /// Set when a region could not be made: the socket carries everything
    /// from then on.
    off: bool,
}

impl LaneWriter {
    /// A writer that sends every payload on the socket.
    pub fn disabled() -> Self {
        Self {
            region: None,
            off: true,
        }
    }

    /// Copies `payload` into the region and marks it full, making or
    /// growing the region first when needed. `None` when the payload is to
    /// go on the socket: too small or too large for the lane, the region
    /// still holds a payload the reader has not taken, or no region could
    /// be made.
    pub fn place(&mut self, payload: &[u8]) -> Option<Placed> {
        if self.off || payload.len() < LANE_MIN || payload.len() > LANE_MAX - CONTROL {
            return None;
        }
        let mut made = None;
        match &self.region {
            Some(region) if region.capacity() >= payload.len() => {
                if region.state().load(Ordering::Acquire) != FREE {
                    return None;
                }
            }
            _ => match Self::make(payload.len()) {
                Ok((fd, region)) => {
                    self.region = Some(region);
                    made = Some(fd);
                }
                Err(err) => {
                    tracing::debug!("large payloads go on the socket: no shared region: {err}");
                    self.off = true;
                    self.region = None;
                    return None;
                }
            },
        }
        let region = self.region.as_ref()?;
        // SAFETY: the payload fits the region's data (checked above). The
        // region is memory another process maps too, which Rust's memory
        // model does not describe: it is written only through raw pointers,
        // never through a reference, and a reader that writes to it while
        // the state word is FREE only garbles what it will receive.
        #[allow(unsafe_code)]
        unsafe {
            std::ptr::copy_nonoverlapping(payload.as_ptr(), region.data(), payload.len());
        }
        region.state().store(FULL, Ordering::Release);
        Some(Placed { region: made })
    }

    /// A sealed memfd room for `size` bytes of payload, and its mapping.
    fn make(size: usize) -> rustix::io::Result<(OwnedFd, Region)> {
        let len = (CONTROL + size).div_ceil(STEP) * STEP;
        let len = len.min(LANE_MAX);
        let fd = rustix::fs::memfd_create(
            "wasmtron-lane",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )?;
        rustix::fs::ftruncate(&fd, len as u64)?;
        rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL)?;
        let region = Region::map(&fd, len)?;
        Ok((fd, region))
    }
}

/// The reading end of a connection's lane.
#[derive(Debug, Default)]
pub struct LaneReader {
    region: Option<Region>,
}

impl LaneReader {
    /// Takes the region the peer handed over in place of the last one.
    ///
    /// # Errors
    /// [`FrameError::Malformed`] for a descriptor that is not a memfd
    /// sealed against shrinking, of a size the lane allows, that maps.
    pub fn adopt(&mut self, fd: &OwnedFd) -> Result<(), FrameError> {
        let refuse = |why: String| FrameError::Malformed(format!("shared region: {why}"));
        let seals = rustix::fs::fcntl_get_seals(fd)
            .map_err(|err| refuse(format!("not a sealable memfd ({err})")))?;
        if !seals.contains(SealFlags::SHRINK) {
            return Err(refuse("not sealed against shrinking".into()));
        }
        let stat = rustix::fs::fstat(fd).map_err(|err| refuse(err.to_string()))?;
        // A memfd backed by huge pages reports their size here; copying out
        // of one could fault where huge pages are rationed.
        let page = page_size();
        if usize::try_from(stat.st_blksize).ok() != Some(page) {
            return Err(refuse(format!(
                "blocks of {} bytes, not pages of {page}",
                stat.st_blksize
            )));
        }
        let size = stat.st_size;
        let len = usize::try_from(size).unwrap_or(usize::MAX);
        if len <= CONTROL || len > LANE_MAX || len % page != 0 {
            return Err(refuse(format!("{size} bytes is not a region's size")));
        }
        // The old region goes first: the frames it carried were all read.
        self.region = None;
        self.region =
            Some(Region::map(fd, len).map_err(|err| refuse(format!("cannot map it ({err})")))?);
        Ok(())
    }

    /// Copies the `size`-byte payload out of the region and frees it for
    /// the next one.
    ///
    /// # Errors
    /// [`FrameError::Malformed`] when no region was handed over, or the
    /// payload would not fit it.
    pub fn take(&mut self, size: usize) -> Result<Vec<u8>, FrameError> {
        let region = self.region.as_ref().ok_or_else(|| {
            FrameError::Malformed("a tail in a shared region that was never handed over".into())
        })?;
        if size > region.capacity() {
            return Err(FrameError::Malformed(format!(
                "a {size}-byte tail in a {}-byte shared region",
                region.capacity()
            )));
        }
        // Pairs with the writer's release: its copy in is visible.
        region.state().load(Ordering::Acquire);
        let mut payload = Vec::with_capacity(size);
        // SAFETY: `size` bytes are within the mapping, which stays backed
        // (sealed against shrinking); the destination has the capacity. The
        // region is memory another process may write at the same time,
        // which Rust's memory model does not describe: it is read once,
        // through raw pointers and never a reference, into memory of ours,
        // and only that copy is used; a peer that writes during the copy
        // changes nothing but the message it sent.
        #[allow(unsafe_code)]
        unsafe {
            std::ptr::copy_nonoverlapping(region.data(), payload.as_mut_ptr(), size);
            payload.set_len(size);
        }
        region.state().store(FREE, Ordering::Release);
        Ok(payload)
    }

    /// Whether a region has been handed over.
    pub fn is_mapped(&self) -> bool {
        self.region.is_some()
    }
}

/// The system's page size.
fn page_size() -> usize {
    // SAFETY: sysconf only reads a value the C library has at hand (from
    // the auxiliary vector); it makes no system call, which matters in a
    // sandboxed worker where reading `/proc` is refused.
    #[allow(unsafe_code)]
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}
