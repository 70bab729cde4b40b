//! The seccomp layer: an allow-list of the system calls a worker makes once
//! its component is loaded.
//!
//! The list comes from `strace -f` of the sandbox tests, which do what a
//! worker does after [`super::apply`]: wasmtime instantiating and calling a
//! module (traps included) on a tokio current-thread runtime, tokio's
//! blocking pool and std threads starting, messages and descriptors passed
//! over a Unix socket, and WASI-style file access relative to opened
//! directories. A few calls that path does not happen to make but the
//! worker's libraries do (`brk`, `mremap`, `restart_syscall`, the
//! `abort` path) are added by reading their sources. Every other call fails
//! with `EPERM` rather than killing the process, so that a probe (or a
//! library with a fallback) sees an error. x86-64 is the tested
//! architecture; aarch64 and riscv64 build the same list without the legacy
//! calls they lack.
//!
//! Notably absent: `socket`, `socketpair`, `connect`, `bind`, `listen`,
//! `accept*` (the worker talks to the host over a socket it already holds),
//! `execve*`, `fork`, `vfork`, non-thread `clone`, `ptrace`,
//! `process_vm_*`, `kill`, `setrlimit`, `mount`, `unshare`, `setns`, `bpf`,
//! `io_uring_*`, `chmod`/`chown` in any form, and the
//! legacy `open`/`creat`; `openat` and friends only with grants.

use std::collections::BTreeMap;

use libc::c_long;
use seccompiler::{
    BackendError, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};

use super::Policy;

/// Installs the filters on every thread of the process.
///
/// Two filters, because seccomp runs all of them and keeps the strictest
/// verdict: the first answers `clone3` with `ENOSYS` and allows everything
/// else, the second is the allow-list (which lists `clone3`). `clone3` takes
/// its flags in a struct a filter cannot read, so it cannot be limited to
/// threads; on `ENOSYS` glibc falls back to `clone`, whose flags the
/// allow-list checks. The `clone3` filter goes first because after the
/// allow-list `seccomp` itself is refused.
pub(super) fn install(policy: &Policy) -> Result<(), String> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|_| format!("no filter for the {} architecture", std::env::consts::ARCH))?;
    let compile = |filter: Result<SeccompFilter, BackendError>| -> Result<BpfProgram, String> {
        filter
            .and_then(BpfProgram::try_from)
            .map_err(|err| format!("cannot build the filter: {err}"))
    };
    let clone3 = compile(SeccompFilter::new(
        BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch,
    ))?;
    let allow_list = compile(allow_list(policy).and_then(|rules| {
        SeccompFilter::new(
            rules,
            SeccompAction::Errno(libc::EPERM as u32),
            SeccompAction::Allow,
            arch,
        )
    }))?;
    for program in [clone3, allow_list] {
        seccompiler::apply_filter_all_threads(&program)
            .map_err(|err| format!("cannot install the filter: {err}"))?;
    }
    Ok(())
}

/// The allow-list for `policy`: a call maps to no rules when any arguments
/// are fine, or to rules of which one must match.
fn allow_list(policy: &Policy) -> Result<BTreeMap<i64, Vec<SeccompRule>>, BackendError> {
    let mut list = AllowList::default();

    // Memory: wasmtime reserves, grows, resets and protects linear memories
    // and fiber stacks; glibc's malloc grows its heaps (`brk`, `mremap`) and
    // sizes a new thread's arena by the CPUs it may run on.
    list.any(&[
        libc::SYS_brk,
        libc::SYS_mmap,
        libc::SYS_munmap,
        libc::SYS_mprotect,
        libc::SYS_mremap,
        libc::SYS_madvise,
        libc::SYS_sched_getaffinity,
    ]);
    // wasmtime backs a module's initial linear memory with an anonymous
    // memory file it maps copy-on-write into each instance, created on the
    // first instantiation, which happens inside the sandbox. A memfd has no
    // path and reaches nothing outside the process; `ftruncate` sizes it
    // (and any other descriptor the worker already holds).
    list.any(&[libc::SYS_memfd_create, libc::SYS_ftruncate]);

    // Threads: tokio's blocking pool (WASI file calls run there) and any
    // std thread. `clone` only when it makes a thread of this process with
    // no namespace of its own; `clone3` is answered by the first filter.
    list.when(
        libc::SYS_clone,
        [masked_eq(
            0,
            CLONE_THREAD | CLONE_NEW_NAMESPACES,
            CLONE_THREAD,
        )?],
    )?;
    list.any(&[
        libc::SYS_clone3,
        libc::SYS_set_robust_list,
        libc::SYS_rseq,
        libc::SYS_futex,
        libc::SYS_sched_yield,
        libc::SYS_getpid,
        libc::SYS_gettid,
        libc::SYS_exit,
        libc::SYS_exit_group,
    ]);
    // A new thread names itself; nothing else of `prctl`.
    list.when(libc::SYS_prctl, [eq(0, libc::PR_SET_NAME as u64)?])?;
    // Reading this process's own limits; setting them is refused.
    list.when(libc::SYS_prlimit64, [eq(0, 0)?, is_null(2)?])?;

    // Signals: wasmtime turns faults in guest code (SIGSEGV on a guard
    // page, SIGILL on `unreachable`) into traps from handlers running on an
    // alternate stack, and every new thread gets one. `tgkill` is how
    // `abort` raises SIGABRT, and only towards this process.
    list.any(&[
        libc::SYS_rt_sigaction,
        libc::SYS_rt_sigprocmask,
        libc::SYS_rt_sigreturn,
        libc::SYS_sigaltstack,
        libc::SYS_restart_syscall,
    ]);
    list.when(libc::SYS_tgkill, [eq(0, u64::from(std::process::id()))?])?;

    // Time. Reading clocks normally goes through the vDSO; the calls are
    // the fallback and the CPU-time clocks.
    list.any(&[
        libc::SYS_clock_gettime,
        libc::SYS_clock_getres,
        libc::SYS_clock_nanosleep,
    ]);

    // I/O on descriptors the worker already holds or receives: the host
    // socket (descriptors come and go over it with SCM_RIGHTS), stderr for
    // logs, files. None of these can name a new resource.
    list.any(&[
        libc::SYS_read,
        libc::SYS_write,
        libc::SYS_readv,
        libc::SYS_writev,
        libc::SYS_pread64,
        libc::SYS_pwrite64,
        libc::SYS_lseek,
        libc::SYS_close,
        libc::SYS_fcntl,
        libc::SYS_fstat,
        libc::SYS_recvmsg,
        libc::SYS_sendmsg,
        libc::SYS_recvfrom,
        libc::SYS_sendto,
        libc::SYS_shutdown,
        libc::SYS_getrandom,
    ]);
    // Only the ioctls std uses on its own descriptors: the non-blocking and
    // close-on-exec switches, and `isatty` for log colours. In particular
    // not TIOCSTI, which types into the terminal.
    for request in [libc::FIONBIO, libc::FIOCLEX, libc::FIONCLEX, libc::TCGETS] {
        #[allow(clippy::unnecessary_cast)] // `c_ulong` on glibc, `c_int` on musl
        list.when(libc::SYS_ioctl, [eq(1, request as u64)?])?;
    }

    // The tokio reactor waits; it was created before the sandbox.
    list.any(&[libc::SYS_epoll_ctl, libc::SYS_epoll_pwait]);
    // A port link's writer thread waits for room on its socket.
    list.any(&[libc::SYS_ppoll]);
    #[cfg(target_arch = "x86_64")]
    list.any(&[libc::SYS_epoll_wait]);

    // Path calls: WASI resolves paths relative to the granted directories
    // (cap-std uses `openat2` with RESOLVE_BENEATH, `openat` as fallback),
    // and Landlock decides which paths they reach. Landlock does not cover
    // metadata (`stat`, `readlink`, `access`), which is one reason they are
    // refused outright without grants. Without them std's
    // `File::metadata` fails even on a descriptor, since glibc and std ask
    // for it with these path calls; `fstat` proper (rustix, cap-std) works.
    if policy.has_grants() {
        list.any(&[
            libc::SYS_openat,
            libc::SYS_openat2,
            libc::SYS_newfstatat,
            libc::SYS_statx,
            libc::SYS_readlinkat,
            libc::SYS_faccessat,
            libc::SYS_faccessat2,
            libc::SYS_getdents64,
            libc::SYS_fadvise64,
        ]);
    }
    // Changing the tree, for read-write grants only. Landlock confines all
    // of these to the grants except `utimensat`, which it does not cover.
    if !policy.read_write_dirs.is_empty() {
        list.any(&[
            libc::SYS_mkdirat,
            libc::SYS_unlinkat,
            libc::SYS_renameat2,
            libc::SYS_linkat,
            libc::SYS_symlinkat,
            libc::SYS_fsync,
            libc::SYS_fdatasync,
            libc::SYS_utimensat,
        ]);
        #[cfg(target_arch = "x86_64")]
        list.any(&[libc::SYS_renameat]);
    }

    Ok(list.0)
}

const CLONE_THREAD: u64 = libc::CLONE_THREAD as u64;

/// Namespace flags `clone` takes; a thread must not get a namespace of its
/// own. (`CLONE_NEWTIME` is only valid for `clone3` and `unshare`.)
const CLONE_NEW_NAMESPACES: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET) as u64;

#[derive(Default)]
struct AllowList(BTreeMap<i64, Vec<SeccompRule>>);

impl AllowList {
    /// Allows `calls` whatever their arguments.
    fn any(&mut self, calls: &[c_long]) {
        for &call in calls {
            self.0.insert(call, Vec::new());
        }
    }

    /// Allows `call` when every one of `conditions` holds (or when an
    /// earlier rule for it matches).
    fn when<const N: usize>(
        &mut self,
        call: c_long,
        conditions: [SeccompCondition; N],
    ) -> Result<(), BackendError> {
        let rule = SeccompRule::new(conditions.into())?;
        self.0.entry(call).or_default().push(rule);
        Ok(())
    }
}

/// Argument `index` equals `value`, compared on its low 32 bits: the
/// arguments checked here are `int`s, whose upper half the kernel ignores.
fn eq(index: u8, value: u64) -> Result<SeccompCondition, BackendError> {
    SeccompCondition::new(index, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, value)
}

/// Pointer argument `index` is null.
fn is_null(index: u8) -> Result<SeccompCondition, BackendError> {
    SeccompCondition::new(index, SeccompCmpArgLen::Qword, SeccompCmpOp::Eq, 0)
}

/// The bits of argument `index` under `mask` equal `value`.
fn masked_eq(index: u8, mask: u64, value: u64) -> Result<SeccompCondition, BackendError> {
    SeccompCondition::new(
        index,
        SeccompCmpArgLen::Qword,
        SeccompCmpOp::MaskedEq(mask),
        value,
    )
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn allowed(policy: &Policy) -> BTreeMap<i64, Vec<SeccompRule>> {
        allow_list(policy).expect("the allow-list builds")
    }

    #[test]
    fn path_calls_only_with_grants_and_tree_changes_only_with_read_write_grants() {
        let none = allowed(&Policy::default());
        let read_only = allowed(&Policy {
            read_only_dirs: vec![PathBuf::from("/data")],
            ..Policy::default()
        });
        let read_write = allowed(&Policy {
            read_write_dirs: vec![PathBuf::from("/data")],
            ..Policy::default()
        });
        for call in [libc::SYS_openat, libc::SYS_openat2, libc::SYS_statx] {
            assert!(!none.contains_key(&call));
            assert!(read_only.contains_key(&call));
            assert!(read_write.contains_key(&call));
        }
        for call in [libc::SYS_mkdirat, libc::SYS_unlinkat, libc::SYS_renameat2] {
            assert!(!read_only.contains_key(&call));
            assert!(read_write.contains_key(&call));
        }
    }

    #[test]
    fn never_allowed_whatever_the_grants() {
        let everything = allowed(&Policy {
            read_only_dirs: vec![PathBuf::from("/a")],
            read_write_dirs: vec![PathBuf::from("/b")],
            ..Policy::default()
        });
        for call in [
            libc::SYS_socket,
            libc::SYS_socketpair,
            libc::SYS_connect,
            libc::SYS_bind,
            libc::SYS_listen,
            libc::SYS_accept4,
            libc::SYS_execve,
            libc::SYS_execveat,
            libc::SYS_ptrace,
            libc::SYS_process_vm_readv,
            libc::SYS_process_vm_writev,
            libc::SYS_kill,
            libc::SYS_setrlimit,
            libc::SYS_unshare,
            libc::SYS_setns,
            libc::SYS_mount,
            libc::SYS_io_uring_setup,
            libc::SYS_io_uring_enter,
            libc::SYS_io_uring_register,
            libc::SYS_bpf,
            libc::SYS_fchmodat,
            libc::SYS_mknodat,
        ] {
            assert!(!everything.contains_key(&call), "syscall {call} is allowed");
        }
        #[cfg(target_arch = "x86_64")]
        for call in [
            libc::SYS_open,
            libc::SYS_creat,
            libc::SYS_fork,
            libc::SYS_vfork,
        ] {
            assert!(!everything.contains_key(&call), "syscall {call} is allowed");
        }
        // Allowed only with conditions on their arguments.
        for call in [
            libc::SYS_clone,
            libc::SYS_ioctl,
            libc::SYS_prctl,
            libc::SYS_tgkill,
            libc::SYS_prlimit64,
        ] {
            assert!(
                !everything[&call].is_empty(),
                "syscall {call} is unconditional"
            );
        }
    }
}
