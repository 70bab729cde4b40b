//! The worker program of the integration tests: exactly what the `wasmtron`
//! binary runs as a worker, plus a native probe that runs inside the worker
//! after the OS sandbox is in place and before any guest code.
//!
//! The probe acts only for windows with these labels:
//!
//! - `escape-probe`: tries to open a file, create a file, open a socket and
//!   start a program, natively, and exits with `100 + bits`, one bit per
//!   attempt that got through (1 open, 2 create, 4 socket, 8 exec). Exit
//!   code 100 means the OS stopped every one.
//! - `hostile-oversized` / `hostile-malformed` / `hostile-tail` /
//!   `hostile-lane`: writes a frame the host must refuse on the socket to
//!   the host (too large, not MessagePack, a tail on a message without a
//!   payload, a payload in a shared region never handed over), then waits
//!   to be dropped.
//! - `hostile-ports`: well-formed frames about ports it was never given.
//! - `hostile-invokes`: 20 invokes of main's `spin` (a second each) without
//!   waiting for any reply, as no guest could; exits with `100 +` the number
//!   the host refused at once with `limit-exceeded`.
//! - `hostile-calls`: typed calls of `probe:contracts/echo` whose arguments
//!   are not the provider's types, of a function it does not export and of
//!   an interface no binding names; exits with `100 +` one bit per call
//!   refused as it should be (1, 2: `bad-payload`; 4: `no-handler`;
//!   8: `denied`).
//! - `hostile-http`: HTTP requests no guest's `wasi:http` would pass on, to
//!   an origin not among the window's `allowed-hosts` (1), to an authority
//!   that is no host (2), and to its allowed origin `http://127.0.0.1:9`
//!   with a target naming another host (4) and as a `CONNECT` tunnel (8);
//!   exits with `100 +` one bit per request the host answered with
//!   `denied`, having made none.

use std::io::Write as _;
use std::os::fd::AsFd as _;
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = wasmtron::worker_main_with_probe(probe) {
        return code;
    }
    eprintln!("wasmtron-test-worker only runs as a worker started by a wasmtron host");
    ExitCode::from(64)
}

fn probe(name: &str) {
    match name {
        "escape-probe" => std::process::exit(100 + escape_attempts()),
        "hostile-oversized" => hostile_frame(&[u32::MAX.to_le_bytes(), [0; 4]].concat()),
        "hostile-malformed" => hostile_frame(&[3, 0, 0, 0, 0, 0, 0, 0, 0xc1, 0xc1, 0xc1]),
        "hostile-tail" => hostile_frame(&stray_tail()),
        "hostile-lane" => hostile_frame(&unshared_tail()),
        "hostile-ports" => forge_port_frames(),
        "hostile-invokes" => std::process::exit(100 + invokes_past_the_limit()),
        "hostile-calls" => std::process::exit(100 + forged_calls()),
        "hostile-http" => std::process::exit(100 + forged_requests()),
        _ => {}
    }
}

/// Well-formed frames about ports this worker was never given: closing,
/// posting on, moving and requeueing on every low port id. The host must
/// refuse them all; afterwards the worker runs normally.
fn forge_port_frames() {
    use wasmtron::wire::WorkerToHost;
    use wasmtron::wire::frame::encode;
    let Ok(mut socket) = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(UnixStream::from)
    else {
        return;
    };
    let ids: Vec<u64> = (1..=64).collect();
    let mut frames = Vec::new();
    for &port in &ids {
        frames.push(WorkerToHost::PortPost {
            port,
            data: b"forged".to_vec(),
            transfer: ids.clone(),
            marked: true,
        });
        frames.push(WorkerToHost::PortRequeue {
            port,
            data: b"forged".to_vec(),
            ports: ids.clone(),
            marked: true,
        });
        frames.push(WorkerToHost::PortLinked { port });
        frames.push(WorkerToHost::LinkReadyRequeue { port });
        frames.push(WorkerToHost::PortClose { port });
    }
    frames.push(WorkerToHost::Post {
        payload: Vec::new(),
        transfer: ids.clone(),
    });
    for frame in frames {
        if let Ok(bytes) = encode(&frame) {
            let _ = socket.write_all(&bytes);
        }
    }
}

/// Sends 20 invokes at once past the worker's own check, then reads the
/// host's replies until the refusals stop coming: main is busy with the
/// accepted ones, so every other reply is an immediate `limit-exceeded`.
fn invokes_past_the_limit() -> i32 {
    use std::io::Read as _;
    use wasmtron::wire::frame::{Frame, HEADER_BYTES, encode, sizes};
    use wasmtron::wire::{HostToWorker, WorkerToHost};
    const SENT: u64 = 20;
    let Ok(mut socket) = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(UnixStream::from)
    else {
        return 99;
    };
    // This process ends here; its runtime never reads this socket again.
    if socket.set_nonblocking(false).is_err() {
        return 99;
    }
    let payload = encode_u64(1000);
    for id in 1..=SENT {
        let invoke = WorkerToHost::Invoke {
            id: 1_000_000 + id,
            channel: "spin".into(),
            payload: payload.clone(),
        };
        match encode(&invoke) {
            Ok(bytes) if socket.write_all(&bytes).is_ok() => {}
            _ => return 99,
        }
    }
    let mut refused = 0;
    let mut replies = 0;
    // The accepted ones answer after a second each; the refusals at once.
    while replies < SENT {
        let mut header = [0u8; HEADER_BYTES];
        if socket.read_exact(&mut header).is_err() {
            return 98;
        }
        let (body, tail) = sizes(header);
        let mut frame = Frame {
            body: vec![0u8; body],
            tail: vec![0u8; tail],
        };
        if socket.read_exact(&mut frame.body).is_err()
            || socket.read_exact(&mut frame.tail).is_err()
        {
            return 98;
        }
        let Ok(HostToWorker::Reply { id, result, .. }) = frame.decode::<HostToWorker>() else {
            continue;
        };
        if id <= 1_000_000 {
            continue;
        }
        replies += 1;
        match result {
            Err(err) if err.code == wasmtron::ErrorCode::LimitExceeded => refused += 1,
            // The first accepted one is done: every refusal came before it.
            _ => break,
        }
    }
    refused
}

/// Typed calls no guest could make (see the module's list), each answered
/// by a named refusal; the provider never runs them.
fn forged_calls() -> i32 {
    use wasmtron::ErrorCode;
    use wasmtron::wire::WorkerToHost;
    let echo = "probe:contracts/echo";
    let calls: [(&str, &str, Vec<u8>, ErrorCode); 4] = [
        // A string of 4 GiB in a five-byte message.
        (
            echo,
            "echo-text",
            vec![0xff, 0xff, 0xff, 0xff, 0x0f],
            ErrorCode::BadPayload,
        ),
        // Two bytes that are not UTF-8.
        (
            echo,
            "echo-text",
            vec![2, 0xc3, 0x28],
            ErrorCode::BadPayload,
        ),
        (echo, "no-such-function", Vec::new(), ErrorCode::NoHandler),
        (
            "probe:contracts/unbound",
            "echo-text",
            vec![0],
            ErrorCode::Denied,
        ),
    ];
    let Some(mut socket) = raw_socket() else {
        return 99;
    };
    for (i, (interface, function, args, _)) in calls.iter().enumerate() {
        let call = WorkerToHost::Call {
            id: 2_000_000 + i as u64,
            interface: (*interface).to_owned(),
            function: (*function).to_owned(),
            args: args.clone(),
            transfer: Vec::new(),
        };
        match wasmtron::wire::frame::encode(&call) {
            Ok(bytes) if socket.write_all(&bytes).is_ok() => {}
            _ => return 99,
        }
    }
    let mut bits = 0;
    let mut answered = 0;
    while answered < calls.len() {
        let Some((id, result)) = read_reply(&mut socket) else {
            return 98;
        };
        let Some(index) = id
            .checked_sub(2_000_000)
            .and_then(|i| usize::try_from(i).ok())
        else {
            continue;
        };
        let Some((_, _, _, expected)) = calls.get(index) else {
            continue;
        };
        answered += 1;
        if matches!(result, Err(err) if err.code == *expected) {
            bits |= 1 << index;
        }
    }
    bits
}

/// The worker's end of its socket to the host, blocking.
fn raw_socket() -> Option<UnixStream> {
    let socket = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(UnixStream::from)
        .ok()?;
    // This process ends here; its runtime never reads this socket again.
    socket.set_nonblocking(false).ok()?;
    Some(socket)
}

/// HTTP requests straight on the socket, past the worker's own check of
/// the allowed hosts: the host must refuse each itself.
fn forged_requests() -> i32 {
    use wasmtron::wire::http::{HttpFailure, HttpRequest, Scheme};
    use wasmtron::wire::{HostToWorker, WorkerToHost};
    let Some(mut socket) = raw_socket() else {
        return 99;
    };
    let requests = [
        ("GET", "127.0.0.1:1", "/"),
        ("GET", "not a host", "/"),
        ("GET", "127.0.0.1:9", "http://internal.example/admin"),
        ("CONNECT", "127.0.0.1:9", "internal.example:443"),
    ];
    for (i, (method, authority, path)) in requests.iter().enumerate() {
        let request = WorkerToHost::Http {
            id: 3_000_000 + i as u64,
            request: HttpRequest {
                method: (*method).to_owned(),
                scheme: Scheme::Http,
                authority: (*authority).to_owned(),
                path: (*path).to_owned(),
                headers: vec![("host".into(), b"internal.example".to_vec().into())],
                body: Default::default(),
            },
        };
        match wasmtron::wire::frame::encode(&request) {
            Ok(bytes) if socket.write_all(&bytes).is_ok() => {}
            _ => return 99,
        }
    }
    let mut bits = 0;
    for _ in requests {
        let Some((id, denied)) = read_from_host(&mut socket, |message| match message {
            HostToWorker::HttpAnswer { id, answer } => {
                Some((id, matches!(answer, Err(HttpFailure::Denied(_)))))
            }
            _ => None,
        }) else {
            return 98;
        };
        if denied && let Some(index) = id.checked_sub(3_000_000) {
            bits |= 1 << index;
        }
    }
    bits
}

/// The next reply the host sends: its id and result. Other messages are
/// skipped.
fn read_reply(socket: &mut UnixStream) -> Option<(u64, Result<Vec<u8>, wasmtron::IpcError>)> {
    read_from_host(socket, |message| match message {
        wasmtron::wire::HostToWorker::Reply { id, result, .. } => {
            Some((id, result.map(|bytes| bytes.into_vec())))
        }
        _ => None,
    })
}

/// The first message from the host that `pick` takes; the others are
/// skipped. `None` when the socket ends.
fn read_from_host<T>(
    socket: &mut UnixStream,
    pick: impl Fn(wasmtron::wire::HostToWorker) -> Option<T>,
) -> Option<T> {
    use std::io::Read as _;
    use wasmtron::wire::HostToWorker;
    use wasmtron::wire::frame::{Frame, HEADER_BYTES, sizes};
    loop {
        let mut header = [0u8; HEADER_BYTES];
        socket.read_exact(&mut header).ok()?;
        let (body, tail) = sizes(header);
        let mut frame = Frame {
            body: vec![0u8; body],
            tail: vec![0u8; tail],
        };
        socket.read_exact(&mut frame.body).ok()?;
        socket.read_exact(&mut frame.tail).ok()?;
        if let Some(picked) = frame.decode::<HostToWorker>().ok().and_then(&pick) {
            return Some(picked);
        }
    }
}

/// `value` as the MessagePack the guest SDK sends.
fn encode_u64(value: u64) -> Vec<u8> {
    let mut bytes = vec![0xcf];
    bytes.extend_from_slice(&value.to_be_bytes());
    bytes
}

/// Each escape the OS let through sets a bit.
fn escape_attempts() -> i32 {
    let mut escaped = 0;
    let mut attempt = |bit: i32, what: &str, result: std::io::Result<()>| match result {
        Ok(()) => {
            eprintln!("escape-probe: {what} SUCCEEDED");
            escaped |= bit;
        }
        Err(err) => eprintln!("escape-probe: {what} refused: {err}"),
    };
    attempt(
        1,
        "open /etc/passwd",
        std::fs::File::open("/etc/passwd").map(drop),
    );
    attempt(
        2,
        "create a file in /tmp",
        std::fs::File::create(std::env::temp_dir().join("wasmtron-escape")).map(drop),
    );
    attempt(
        4,
        "open a socket",
        std::net::UdpSocket::bind("127.0.0.1:0").map(drop),
    );
    attempt(
        8,
        "start /bin/true",
        std::process::Command::new("/bin/true").status().map(drop),
    );
    escaped
}

/// A well-formed `ready` whose frame carries a tail, which only a message
/// with a payload may.
fn stray_tail() -> Vec<u8> {
    use wasmtron::wire::WorkerToHost;
    use wasmtron::wire::frame::encode_head;
    let mut frame = encode_head(&WorkerToHost::Ready, 3).unwrap_or_default();
    frame.extend_from_slice(b"odd");
    frame
}

/// An invoke whose 1 MiB payload is said to wait in a shared region this
/// worker never handed over.
fn unshared_tail() -> Vec<u8> {
    use wasmtron::wire::WorkerToHost;
    use wasmtron::wire::frame::{TailAt, encode_head_at};
    let invoke = WorkerToHost::Invoke {
        id: 1,
        channel: "echo".into(),
        payload: Vec::new(),
    };
    encode_head_at(&invoke, 1 << 20, TailAt::Shared).unwrap_or_default()
}

fn hostile_frame(bytes: &[u8]) {
    let socket = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(UnixStream::from);
    if let Ok(mut socket) = socket {
        let _ = socket.write_all(bytes);
    }
    // The host must drop this worker; waiting here proves it does not wait
    // for the worker to leave on its own.
    loop {
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}
