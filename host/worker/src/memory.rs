//! How the allocator treats the large buffers messages pass through.
//!
//! A megabyte message is copied into a few buffers on its way (out of the
//! guest, into a frame, out of the socket), each allocated and freed once
//! per message. glibc serves allocations that large with a fresh mapping
//! and gives the memory back on free, so every message paid to fault its
//! pages in again (at 1 MiB, most of a round trip's time). Raising the
//! thresholds keeps freed buffers in the heap for the next message; a
//! worker gives back once, after loading its component, what starting up
//! used, so an idle worker stays small.

/// Allocations up to this size come from the heap, not a mapping of their
/// own (the largest message a manifest allows is 1 GiB; past this, fresh
/// mappings cost little beside copying that much).
const MMAP_THRESHOLD: i32 = 64 << 20;

/// Free memory at the top of the heap kept for reuse rather than returned.
const TRIM_THRESHOLD: i32 = 128 << 20;

/// Applies the thresholds to this process, once.
pub fn keep_large_buffers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        #[allow(unsafe_code)]
        // SAFETY: mallopt only changes allocator parameters; it is safe to
        // call at any time, from any thread.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
    });
}

/// Returns the heap's free memory to the OS now.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: malloc_trim only releases free memory of the allocator's own.
    unsafe {
        libc::malloc_trim(0);
    }
}
