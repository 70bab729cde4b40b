//! The sandbox is one-way, so these tests never apply it to the test runner.
//! Each parent test re-runs this test binary with only its `child_*`
//! partner selected and [`CHILD`] set; the child applies the sandbox, probes
//! what it can still do, asserts, and prints one result line that the
//! parent checks. Run without [`CHILD`], the `child_*` tests do nothing.

use std::io::{ErrorKind, IoSlice, IoSliceMut, Read as _, Seek as _, SeekFrom, Write as _};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd as _, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

use super::{Layer, Policy, Report, apply};

/// Set in the child process's environment.
const CHILD: &str = "WASMTRON_SANDBOX_CHILD";
/// Directories the parent created for the child: read-only, read-write.
const GRANT_RO: &str = "WASMTRON_SANDBOX_GRANT_RO";
const GRANT_RW: &str = "WASMTRON_SANDBOX_GRANT_RW";

const GIB: u64 = 1 << 30;

fn policy(read_only_dirs: Vec<PathBuf>, read_write_dirs: Vec<PathBuf>) -> Policy {
    Policy {
        read_only_dirs,
        read_write_dirs,
        // Room for the default engine's 4 GiB + guard reservation per memory.
        address_space_bytes: 16 * GIB,
        max_open_files: 64,
    }
}

/// Runs `child` (a test in this module) in a fresh process of this test
/// binary and returns its stdout, after asserting it passed.
fn run_child(child: &str, env: &[(&str, &Path)]) -> String {
    let exe = std::env::current_exe().expect("the test binary's path");
    let test = format!("sandbox::tests::{child}");
    let output = Command::new(exe)
        .args(["--exact", &test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .envs(env.iter().copied())
        .output()
        .expect("the child test process starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{child} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    stdout
}

fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// Applies `policy` and checks that seccomp, `no_new_privs` and the limits
/// are fully in force. Landlock may be partial: the test harness runs tests
/// on a thread of its own, so on kernels before Landlock ABI 8 its main
/// thread stays outside the ruleset.
fn apply_in_child(policy: &Policy) -> Report {
    let report = apply(policy);
    eprintln!("sandbox report: {report:?}");
    assert_eq!(report.seccomp, Layer::Applied);
    assert_eq!(report.no_new_privs, Layer::Applied);
    assert_eq!(report.rlimits, Layer::Applied);
    assert!(report.landlock.is_in_force(), "{:?}", report.landlock);
    report
}

#[track_caller]
fn assert_denied<T: std::fmt::Debug>(what: &str, result: std::io::Result<T>) {
    match result {
        Err(err) if err.kind() == ErrorKind::PermissionDenied => {}
        other => panic!("{what}: expected a permission error, got {other:?}"),
    }
}

fn send_with_fd(socket: &UnixStream, message: &[u8], fd: BorrowedFd<'_>) {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let fds = [fd];
    assert!(control.push(SendAncillaryMessage::ScmRights(&fds)));
    rustix::net::sendmsg(
        socket,
        &[IoSlice::new(message)],
        &mut control,
        SendFlags::empty(),
    )
    .expect("sendmsg");
}

fn receive_with_fd(socket: &UnixStream) -> (Vec<u8>, OwnedFd) {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut buffer = [0; 64];
    let received = rustix::net::recvmsg(
        socket,
        &mut [IoSliceMut::new(&mut buffer)],
        &mut control,
        RecvFlags::empty(),
    )
    .expect("recvmsg");
    let fd = control
        .drain()
        .find_map(|message| match message {
            RecvAncillaryMessage::ScmRights(mut fds) => fds.next(),
            _ => None,
        })
        .expect("a descriptor came along");
    (buffer[..received.bytes].to_vec(), fd)
}

#[test]
fn sandbox_without_grants_allows_threads_and_memory_but_no_files_network_or_programs() {
    let stdout = run_child("child_without_grants", &[]);
    assert!(
        stdout.contains("sandbox-child: no-grants ok"),
        "stdout: {stdout}"
    );
}

#[test]
fn child_without_grants() {
    if !is_child() {
        return;
    }
    // Like the worker's link to the host: a connected socket, and a file
    // the host will hand over as a descriptor.
    let (worker_end, host_end) = UnixStream::pair().expect("a socket pair");
    let mut handed_over = tempfile::tempfile().expect("a file");
    handed_over.write_all(b"via SCM_RIGHTS").expect("write");

    let mut policy = policy(Vec::new(), Vec::new());
    policy.max_open_files = 32;
    apply_in_child(&policy);

    // Messages and descriptors still pass over the socket.
    send_with_fd(&host_end, b"ping", handed_over.as_fd());
    drop(handed_over);
    let (message, received) = receive_with_fd(&worker_end);
    assert_eq!(message, b"ping");
    let mut received = std::fs::File::from(received);
    let mut text = String::new();
    received.seek(SeekFrom::Start(0)).expect("seek");
    received
        .read_to_string(&mut text)
        .expect("read the received file");
    assert_eq!(text, "via SCM_RIGHTS");
    worker_end.set_nonblocking(true).expect("ioctl(FIONBIO)");
    assert_eq!(
        (&worker_end).read(&mut [0; 8]).map_err(|e| e.kind()),
        Err(ErrorKind::WouldBlock)
    );
    (&host_end).write_all(b"pong").expect("write");
    let mut pong = [0; 4];
    (&worker_end).read_exact(&mut pong).expect("read");
    assert_eq!(&pong, b"pong");

    // Threads start, run and are joined.
    let sum = std::thread::Builder::new()
        .name("sandboxed".into())
        .spawn(|| (1..=10u32).sum::<u32>())
        .expect("a thread starts")
        .join()
        .expect("the thread finishes");
    assert_eq!(sum, 55);

    // Memory: a large allocation goes through mmap and is released.
    let mut big = vec![0u8; 64 << 20];
    big[(64 << 20) - 1] = 1;
    assert_eq!(big.iter().map(|&b| u64::from(b)).sum::<u64>(), 1);
    drop(big);

    // Clocks and sleeping.
    let start = std::time::Instant::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert!(start.elapsed() >= std::time::Duration::from_millis(5));
    assert!(std::time::SystemTime::now() > std::time::UNIX_EPOCH);

    // The limits hold and cannot be raised back.
    let nofile = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    assert_eq!((nofile.current, nofile.maximum), (Some(32), Some(32)));
    let core = rustix::process::getrlimit(rustix::process::Resource::Core);
    assert_eq!((core.current, core.maximum), (Some(0), Some(0)));
    let address_space = rustix::process::getrlimit(rustix::process::Resource::As);
    assert_eq!(address_space.maximum, Some(16 * GIB));
    assert_denied(
        "raising RLIMIT_NOFILE",
        rustix::process::setrlimit(
            rustix::process::Resource::Nofile,
            rustix::process::Rlimit {
                current: Some(1024),
                maximum: Some(1024),
            },
        )
        .map_err(std::io::Error::from),
    );

    // No file by path, no network, no programs.
    assert_denied("open /etc/passwd", std::fs::File::open("/etc/passwd"));
    assert_denied("read_dir /", std::fs::read_dir("/"));
    assert_denied("TCP connect", std::net::TcpStream::connect("127.0.0.1:9"));
    assert_denied("UDP socket", std::net::UdpSocket::bind("127.0.0.1:0"));
    assert_denied(
        "Unix socket",
        std::os::unix::net::UnixStream::connect("/run/anything.sock"),
    );
    assert_denied("exec /bin/true", Command::new("/bin/true").status());

    println!("sandbox-child: no-grants ok");
}

#[test]
fn sandbox_with_grants_confines_files_to_them() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let read_only = root.path().join("read-only");
    let read_write = root.path().join("read-write");
    std::fs::create_dir(&read_only).expect("mkdir");
    std::fs::create_dir(&read_write).expect("mkdir");
    std::fs::write(read_only.join("hello.txt"), "hello").expect("write");
    std::fs::write(root.path().join("outside.txt"), "secret").expect("write");

    let stdout = run_child(
        "child_with_grants",
        &[(GRANT_RO, &read_only), (GRANT_RW, &read_write)],
    );
    assert!(
        stdout.contains("sandbox-child: grants ok"),
        "stdout: {stdout}"
    );
    // What the child wrote outlives it.
    assert_eq!(
        std::fs::read_to_string(read_write.join("renamed.txt")).expect("the child's file"),
        "written"
    );
    assert!(!read_only.join("new.txt").exists());
}

#[test]
fn child_with_grants() {
    if !is_child() {
        return;
    }
    let dir = |var: &str| PathBuf::from(std::env::var_os(var).expect("the parent sets it"));
    let (read_only, read_write) = (dir(GRANT_RO), dir(GRANT_RW));
    let outside = read_only.parent().expect("a parent").to_path_buf();

    // Opened before the sandbox, as the worker opens its preopens.
    let authority = cap_std::ambient_authority();
    let ro_dir = cap_std::fs::Dir::open_ambient_dir(&read_only, authority).expect("open dir");
    let rw_dir = cap_std::fs::Dir::open_ambient_dir(&read_write, authority).expect("open dir");

    apply_in_child(&policy(vec![read_only.clone()], vec![read_write.clone()]));

    // Reading beneath the read-only grant, through the opened directory
    // and by absolute path.
    assert_eq!(ro_dir.read_to_string("hello.txt").expect("read"), "hello");
    let mut text = String::new();
    std::fs::File::open(read_only.join("hello.txt"))
        .and_then(|mut file| file.read_to_string(&mut text))
        .expect("read by path");
    assert_eq!(text, "hello");
    let names: Vec<String> = ro_dir
        .entries()
        .expect("list")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    assert_eq!(names, ["hello.txt"]);
    assert!(ro_dir.metadata("hello.txt").expect("stat").is_file());

    // But not writing there.
    assert_denied("write under read-only", ro_dir.write("new.txt", "x"));
    assert_denied(
        "write under read-only by path",
        std::fs::write(read_only.join("new.txt"), "x"),
    );
    assert_denied(
        "open read-only file for writing",
        ro_dir.open_with("hello.txt", cap_std::fs::OpenOptions::new().write(true)),
    );
    assert_denied("remove under read-only", ro_dir.remove_file("hello.txt"));

    // Writing beneath the read-write grant.
    rw_dir.write("new.txt", "written").expect("write");
    rw_dir.create_dir("sub").expect("mkdir");
    rw_dir
        .rename("new.txt", &rw_dir, "renamed.txt")
        .expect("rename");
    rw_dir.remove_dir("sub").expect("rmdir");
    assert_eq!(
        rw_dir.read_to_string("renamed.txt").expect("read"),
        "written"
    );
    let file = rw_dir
        .open_with("renamed.txt", cap_std::fs::OpenOptions::new().append(true))
        .expect("open for append");
    file.sync_all().expect("fsync");
    drop(file);

    // Nothing outside the grants, by path or through `..`.
    assert_denied("open /etc/passwd", std::fs::File::open("/etc/passwd"));
    assert_denied(
        "read next to the grants",
        std::fs::read_to_string(outside.join("outside.txt")),
    );
    assert_denied(
        "write next to the grants",
        std::fs::write(outside.join("new.txt"), "x"),
    );
    assert_denied("exec /bin/true", Command::new("/bin/true").status());
    assert_denied("TCP connect", std::net::TcpStream::connect("127.0.0.1:9"));

    println!("sandbox-child: grants ok");
}

#[test]
fn sandboxed_wasmtime_traps_and_grows_memory() {
    let stdout = run_child("child_runs_wasmtime", &[]);
    assert!(
        stdout.contains("sandbox-child: wasmtime ok"),
        "stdout: {stdout}"
    );
}

/// A core module, hand-assembled because the `wasmtime` dependency has no
/// text-format parser:
///
/// ```wat
/// (module
///   (memory (export "memory") 1)
///   (func (export "trap") unreachable)
///   (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
///   (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store))
/// ```
const MODULE: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    // type section: () -> (), (i32) -> i32, (i32 i32) -> ()
    0x01, 0x0e, 0x03, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f,
    0x00, //
    // function section: three functions of types 0, 1, 2
    0x03, 0x04, 0x03, 0x00, 0x01, 0x02, //
    // memory section: one memory, at least one page
    0x05, 0x03, 0x01, 0x00, 0x01, //
    // export section
    0x07, 0x20, 0x04, //
    0x06, b'm', b'e', b'm', b'o', b'r', b'y', 0x02, 0x00, //
    0x04, b't', b'r', b'a', b'p', 0x00, 0x00, //
    0x04, b'g', b'r', b'o', b'w', 0x00, 0x01, //
    0x05, b's', b't', b'o', b'r', b'e', 0x00, 0x02, //
    // code section
    0x0a, 0x16, 0x03, //
    0x03, 0x00, 0x00, 0x0b, // unreachable
    0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, // local.get 0, memory.grow
    0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b, // i32.store
];

#[test]
fn child_runs_wasmtime() {
    if !is_child() {
        return;
    }
    use wasmtime::{Config, Engine, Instance, Module, Store, Trap};

    // Like a worker: an async engine on a current-thread tokio runtime,
    // the code compiled before the sandbox.
    let engine = Engine::new(&Config::new()).expect("an engine");
    let module = Module::new(&engine, MODULE).expect("the module compiles");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    apply_in_child(&policy(Vec::new(), Vec::new()));

    runtime.block_on(async {
        let mut store = Store::new(&engine, ());
        let instance = Instance::new_async(&mut store, &module, &[])
            .await
            .expect("instantiates");
        let trap = instance
            .get_typed_func::<(), ()>(&mut store, "trap")
            .expect("trap export");
        let grow = instance
            .get_typed_func::<i32, i32>(&mut store, "grow")
            .expect("grow export");
        let store_fn = instance
            .get_typed_func::<(i32, i32), ()>(&mut store, "store")
            .expect("store export");

        // `unreachable` faults (SIGILL on x86-64); the handler turns it
        // into an error and the process lives on.
        let err = trap.call_async(&mut store, ()).await.expect_err("traps");
        assert_eq!(
            err.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );

        // An access past the end of memory faults on the guard region
        // (SIGSEGV), also an error.
        let err = store_fn
            .call_async(&mut store, (65536, 7))
            .await
            .expect_err("out of bounds");
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));

        // The store still works after traps, and memory grows.
        assert_eq!(grow.call_async(&mut store, 3).await.expect("grow"), 1);
        store_fn
            .call_async(&mut store, (65536, 7))
            .await
            .expect("in bounds now");
        let memory = instance
            .get_memory(&mut store, "memory")
            .expect("memory export");
        assert_eq!(memory.data(&store)[65536], 7);
        assert_eq!(memory.data_size(&store), 4 * 65536);
        // Past the 4 GiB a 32-bit memory can have: -1, not a crash.
        assert_eq!(grow.call_async(&mut store, 65533).await.expect("grow"), -1);

        // tokio's blocking pool starts a thread inside the sandbox, and
        // wasmtime sets up trap handling on it the first time guest code
        // runs there.
        let on_pool = tokio::task::spawn_blocking(move || {
            let err = trap.call(&mut store, ()).expect_err("traps");
            err.downcast_ref::<Trap>().copied()
        })
        .await
        .expect("blocking task");
        assert_eq!(on_pool, Some(Trap::UnreachableCodeReached));
    });

    println!("sandbox-child: wasmtime ok");
}

/// The result of a raw system call: its return value, or the `errno` it set.
#[allow(unsafe_code)]
fn raw_syscall(call: libc::c_long, args: [usize; 3]) -> Result<libc::c_long, i32> {
    // SAFETY: only calls whose pointer arguments are null or that make
    // nothing the caller must own (version queries, invalid commands).
    let result = unsafe { libc::syscall(call, args[0], args[1], args[2]) };
    if result < 0 {
        Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or_default())
    } else {
        Ok(result)
    }
}

/// `bpf` with a command no kernel knows: `EINVAL` from the kernel itself
/// (before any privilege check), `EPERM` from the seccomp filter.
fn bpf_probe() -> Result<libc::c_long, i32> {
    raw_syscall(libc::SYS_bpf, [9999, 0, 0])
}

/// `clone3` with no arguments: `EINVAL` from the kernel (the struct is too
/// small), `ENOSYS` from the first seccomp filter. No process is made.
fn clone3_probe() -> Result<libc::c_long, i32> {
    raw_syscall(libc::SYS_clone3, [0, 0, 0])
}

#[test]
fn sandbox_refuses_bpf_and_answers_clone3_with_enosys() {
    let stdout = run_child("child_probes_bpf_and_clone3", &[]);
    assert!(
        stdout.contains("sandbox-child: bpf and clone3 ok"),
        "stdout: {stdout}"
    );
}

#[test]
fn child_probes_bpf_and_clone3() {
    if !is_child() {
        return;
    }
    // Before the sandbox the kernel itself answers, with an error of its
    // own: what follows is the filter's doing, not the kernel's.
    assert_eq!(bpf_probe(), Err(libc::EINVAL), "bpf before the sandbox");
    assert_eq!(
        clone3_probe(),
        Err(libc::EINVAL),
        "clone3 before the sandbox"
    );

    apply_in_child(&policy(Vec::new(), Vec::new()));

    assert_eq!(bpf_probe(), Err(libc::EPERM), "bpf in the sandbox");
    // ENOSYS, not EPERM: glibc takes it as "no clone3" and falls back to
    // `clone`, whose flags the allow-list can check.
    assert_eq!(clone3_probe(), Err(libc::ENOSYS), "clone3 in the sandbox");
    let thread = std::thread::spawn(|| 6 * 7).join();
    assert_eq!(thread.ok(), Some(42), "threads still start, through clone");

    println!("sandbox-child: bpf and clone3 ok");
}

/// Environment variables from the parent to the scoping child.
const ABSTRACT_NAME: &str = "WASMTRON_SANDBOX_ABSTRACT_NAME";
const SIGNAL_TARGET: &str = "WASMTRON_SANDBOX_SIGNAL_TARGET";

/// The running kernel's Landlock ABI version, or `None` without Landlock
/// (or with Landlock turned off).
fn kernel_landlock_abi() -> Option<libc::c_long> {
    const LANDLOCK_CREATE_RULESET_VERSION: usize = 1;
    raw_syscall(
        libc::SYS_landlock_create_ruleset,
        [0, 0, LANDLOCK_CREATE_RULESET_VERSION],
    )
    .ok()
}

/// The first Landlock ABI with `LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET` and
/// `LANDLOCK_SCOPE_SIGNAL`.
const SCOPING_ABI: libc::c_long = 6;

/// Asks for `SIGIO` to go to `target` whenever `socket` has data to read.
/// `F_SETOWN` records who asked, and that is whose right to signal the
/// kernel checks when the signal is sent.
#[allow(unsafe_code)]
fn sigio_to(socket: &UnixStream, target: u32) {
    use std::os::fd::AsRawFd as _;
    let fd = socket.as_raw_fd();
    let target = libc::pid_t::try_from(target).expect("a pid");
    // SAFETY: `fd` is open for the duration; these commands take integers.
    unsafe {
        assert_eq!(libc::fcntl(fd, libc::F_SETOWN, target), 0, "F_SETOWN");
        let flags = libc::fcntl(fd, libc::F_GETFL);
        assert!(flags >= 0, "F_GETFL");
        assert_eq!(
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_ASYNC),
            0,
            "F_SETFL O_ASYNC"
        );
    }
}

/// Makes `SIGIO` go to `target` from this process: data arrives on a socket
/// whose owner is `target`.
fn send_sigio(target: u32) {
    let (owned, other) = UnixStream::pair().expect("a socket pair");
    sigio_to(&owned, target);
    (&other).write_all(b"wake").expect("write");
}

/// A process outside any sandbox for the child to try to signal; `SIGIO`,
/// the signal tried, ends it by default.
fn signal_target() -> std::process::Child {
    Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("`sleep` starts")
}

#[test]
fn sandbox_scopes_abstract_sockets_and_signals_to_itself() {
    use std::os::linux::net::SocketAddrExt as _;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    use std::os::unix::process::ExitStatusExt as _;

    // Both ways out work without the sandbox: this process reaches an
    // abstract socket made elsewhere, and a SIGIO it sends ends a process.
    let name = format!(
        "wasmtron-sandbox-test-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    );
    let address = SocketAddr::from_abstract_name(name.as_bytes()).expect("an abstract name");
    let listener = UnixDatagram::bind_addr(&address).expect("an abstract socket");
    listener.set_nonblocking(true).expect("non-blocking");
    UnixDatagram::unbound()
        .expect("a socket")
        .send_to_addr(b"control", &address)
        .expect("an unsandboxed process reaches the abstract socket");
    let mut buffer = [0; 64];
    let received = listener.recv(&mut buffer).expect("the control message");
    assert_eq!(&buffer[..received], b"control");
    let mut control = signal_target();
    send_sigio(control.id());
    let status = control.wait().expect("the control target ends");
    assert_eq!(status.signal(), Some(libc::SIGIO), "{status:?}");

    let mut target = signal_target();
    let target_pid = PathBuf::from(target.id().to_string());
    let stdout = run_child(
        "child_reaches_out_of_its_scope",
        &[
            (ABSTRACT_NAME, Path::new(&name)),
            (SIGNAL_TARGET, &target_pid),
        ],
    );
    let scoped = kernel_landlock_abi().is_some_and(|abi| abi >= SCOPING_ABI);
    if scoped {
        assert!(
            stdout.contains("sandbox-child: scoped ok"),
            "stdout: {stdout}"
        );
        // Nothing arrived, and the target lives: the signal was sent (and
        // refused) before the child ended.
        let nothing = listener.recv(&mut buffer).map_err(|err| err.kind());
        assert_eq!(nothing, Err(ErrorKind::WouldBlock), "a message arrived");
        let alive = target.try_wait().expect("waitpid");
        assert_eq!(alive, None, "the target was signalled from the sandbox");
    } else {
        // The child checked that its report names the missing scoping.
        assert!(
            stdout.contains("sandbox-child: scoping reported missing"),
            "stdout: {stdout}"
        );
    }
    let _ = target.kill();
    let _ = target.wait();
}

#[test]
fn child_reaches_out_of_its_scope() {
    use std::os::linux::net::SocketAddrExt as _;
    use std::os::unix::net::{SocketAddr, UnixDatagram};

    if !is_child() {
        return;
    }
    let var = |name: &str| std::env::var(name).expect("the parent sets it");
    let address =
        SocketAddr::from_abstract_name(var(ABSTRACT_NAME).as_bytes()).expect("an abstract name");
    let target: u32 = var(SIGNAL_TARGET).parse().expect("a pid");
    // Made before the sandbox, as seccomp refuses `socket` inside it.
    // `sendto` is allowed (the worker's link uses it), so only Landlock
    // stands between this socket and the abstract one.
    let datagram = UnixDatagram::unbound().expect("a socket");
    let (owned, other) = UnixStream::pair().expect("a socket pair");
    let abi = kernel_landlock_abi();

    let report = apply(&policy(Vec::new(), Vec::new()));
    eprintln!("sandbox report: {report:?} (kernel Landlock ABI {abi:?})");
    assert_eq!(report.seccomp, Layer::Applied);

    if abi.is_some_and(|abi| abi >= SCOPING_ABI) {
        assert!(report.landlock.is_in_force(), "{:?}", report.landlock);
        if let Layer::Partial(gaps) = &report.landlock {
            assert!(!gaps.contains("not scoped"), "{gaps}");
        }
        assert_denied(
            "send to an abstract socket made outside",
            datagram.send_to_addr(b"from the sandbox", &address),
        );
        // `kill` is refused by seccomp already; SIGIO is the way around it
        // that only Landlock closes. The kernel drops it without telling
        // the sender; the parent checks that the target lives.
        sigio_to(&owned, target);
        (&other).write_all(b"wake").expect("write");
        println!("sandbox-child: scoped ok");
    } else {
        // A kernel without the scoping must not pass for one with it.
        match &report.landlock {
            Layer::Unavailable(_) => {}
            Layer::Partial(gaps) => assert!(
                gaps.contains("abstract Unix sockets and signals are not scoped"),
                "{gaps}"
            ),
            Layer::Applied => panic!("Landlock reported applied on ABI {abi:?}"),
        }
        println!("sandbox-child: scoping reported missing");
    }
}
