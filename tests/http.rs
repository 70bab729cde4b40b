//! Outbound HTTP by allow-list (`allowed-hosts`, `wasi:http`): a utility
//! makes real requests to HTTP servers the test runs on 127.0.0.1. Both
//! isolation modes: in a worker process the request is carried to the
//! host, which checks it again and makes it; the worker never holds a
//! socket (checked natively, inside the sandbox).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtron::Isolation;
use wasmtron_tests::{
    ALL_CHANNELS, AppDir, Running, captured_log, guests, isolation, manifest_with_windows,
};

/// The largest body the utility may send or receive (`max-message-bytes`).
const LIMIT: usize = 64 * 1024;

/// An HTTP/1.1 server on 127.0.0.1, a thread per connection, counting the
/// connections it accepts.
struct Server {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Server {
    /// Answers `GET /hello`, `POST /echo`, `GET /big` (over [`LIMIT`]),
    /// `GET /never` (reads the request and never answers), and
    /// `GET /redirect?PORT` (a 302 to `/hello` on 127.0.0.1:PORT).
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("an address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counted.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || serve(stream));
            }
        });
        Server { port, connections }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn serve(stream: TcpStream) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    );
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let respond = |status: &str, headers: &str, body: &[u8]| {
        let mut stream = reader.get_ref();
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    };
    match (method.as_str(), target.as_str()) {
        ("GET", "/hello") => respond("200 OK", "", b"hello from the server"),
        ("POST", "/echo") => {
            let reply = [b"got:".as_slice(), &body].concat();
            respond("200 OK", "", &reply);
        }
        ("GET", "/big") => respond("200 OK", "", &vec![b'x'; LIMIT + 1]),
        ("GET", "/never") => std::thread::sleep(std::time::Duration::from_secs(60)),
        ("GET", redirect) if redirect.starts_with("/redirect?") => {
            let port = &redirect["/redirect?".len()..];
            let location = format!("location: http://127.0.0.1:{port}/hello\r\n");
            respond("302 Found", &location, b"");
        }
        _ => respond("404 Not Found", "", b"no such thing"),
    }
}

/// Window `a`, the test main component, and the HTTP utility as `net`
/// allowed `hosts`; its requests end at 2 s; `extra` is further manifest text.
fn app_dir(hosts: &[String], extra: &str) -> AppDir {
    let list: Vec<String> = hosts.iter().map(|h| format!("{h:?}")).collect();
    let manifest = format!(
        "{}\n[[utility]]\nname = \"net\"\ncomponent = \"dist/http.wasm\"\nallowed-hosts = [{}]\n\
         [utility.limits]\nmax-message-bytes = {LIMIT}\nhttp-timeout-ms = 2000\n{extra}\n\
         [limits]\ninvoke-timeout-ms = 60000\n",
        manifest_with_windows(&[("a", ALL_CHANNELS)]),
        list.join(", ")
    );
    let dir = AppDir::new(&manifest);
    dir.copy(guests::HTTP_UTILITY, "dist/http.wasm");
    dir
}

fn start(hosts: &[String], extra: &str) -> Running {
    Running::start(app_dir(hosts, extra)).expect("the app starts")
}

/// What the utility says of `channel` with `arg`.
fn ask(app: &Running, channel: &str, arg: &str) -> String {
    let reply = app.invoke("a", "utility-invoke", &format!("net|{channel}|{arg}"));
    reply
        .strip_prefix("ok:ok:")
        .unwrap_or_else(|| panic!("the utility did not answer: {reply}"))
        .to_owned()
}

#[test]
fn get_and_post_reach_an_allowed_server() {
    let server = Server::start();
    let app = start(&[server.origin()], "");
    assert_eq!(app.invoke("a", "fork", "net"), "ok:net");
    assert_eq!(
        ask(&app, "get", &server.url("/hello")),
        "status:200 body:hello from the server"
    );
    assert_eq!(
        ask(&app, "post", &format!("{}|a note", server.url("/echo"))),
        "status:200 body:got:a note"
    );
    assert_eq!(
        ask(&app, "get", &server.url("/missing")),
        "status:404 body:no such thing"
    );
}

#[test]
fn a_refused_origin_is_named_and_never_reached_even_by_a_redirect() {
    let log = captured_log();
    let allowed = Server::start();
    let refused = Server::start();
    let app = start(&[allowed.origin()], "");
    assert_eq!(app.invoke("a", "fork", "net"), "ok:net");
    assert_eq!(
        ask(&app, "get", &refused.url("/hello")),
        "error:ErrorCode::HttpRequestDenied"
    );
    log.wait_line(&[
        "component=\"net\"",
        &format!(
            "HTTP request to {}: not among its allowed-hosts",
            refused.origin()
        ),
    ]);
    // A redirect is a response: the request after it is checked anew.
    let redirect = format!("/redirect?{}", refused.port);
    assert_eq!(
        ask(&app, "get-follow", &allowed.url(&redirect)),
        "error:ErrorCode::HttpRequestDenied"
    );
    let redirect = format!("/redirect?{}", allowed.port);
    assert_eq!(
        ask(&app, "get-follow", &allowed.url(&redirect)),
        "status:200 body:hello from the server"
    );
    assert_eq!(refused.connections.load(Ordering::SeqCst), 0);
}

#[test]
fn bodies_over_the_quota_and_a_silent_server_end_in_named_errors() {
    let server = Server::start();
    let app = start(&[server.origin()], "");
    assert_eq!(app.invoke("a", "fork", "net"), "ok:net");
    let big = ask(&app, "get-size", &server.url("/big"));
    assert!(
        big.starts_with("error:ErrorCode::HttpResponseBodySize"),
        "{big}"
    );
    let sent = ask(
        &app,
        "post-bytes",
        &format!("{}|{}", server.url("/echo"), LIMIT + 1),
    );
    assert!(
        sent.starts_with("error:ErrorCode::HttpRequestBodySize"),
        "{sent}"
    );
    assert_eq!(
        ask(&app, "get", &server.url("/never")),
        "error:ErrorCode::HttpResponseTimeout"
    );
    // The utility and the host go on.
    assert_eq!(
        ask(&app, "get", &server.url("/hello")),
        "status:200 body:hello from the server"
    );
}

#[test]
fn a_component_importing_wasi_http_without_allowed_hosts_is_refused_by_name() {
    let server = Server::start();
    let dir = app_dir(
        &[server.origin()],
        "\n[[utility]]\nname = \"bare\"\ncomponent = \"dist/http.wasm\"\n",
    );
    // Refused when the app starts, as every component is checked then.
    let err = Running::start(dir).expect_err("refused").to_string();
    assert!(
        err.contains("component `bare`")
            && err.contains("it imports `wasi:http/outgoing-handler@0.2")
            && err.contains("the manifest gives the component no `allowed-hosts`"),
        "{err}"
    );
}

#[test]
fn in_a_worker_process_the_host_checks_again_and_the_sandbox_keeps_sockets_shut() {
    if isolation() != Isolation::Process {
        return;
    }
    let server = Server::start();
    // Port 9 (discard) is allowed too: nothing listens there, and the
    // forged requests to it must be refused before any connection.
    let window = |label: &str| {
        format!(
            "\n[[window]]\nlabel = \"{label}\"\nrenderer = \"dist/renderer.wasm\"\nopen = false\nallowed-hosts = [\"{}\", \"http://127.0.0.1:9\"]\n",
            server.origin()
        )
    };
    let app = start(
        &[server.origin()],
        &format!("{}{}", window("hostile-http"), window("escape-probe")),
    );
    // Forged requests past the worker's own check (a refused origin, no
    // host, another host named by the target of an allowed one, a tunnel):
    // the host denies all four.
    assert_eq!(app.invoke("a", "open", "hostile-http"), "ok:Ok(())");
    app.wait_invoke("a", "gone", "renderer|hostile-http|abnormal-exit:115");
    // Granted hosts give the worker no socket of its own (exit code 100:
    // the OS stopped every native attempt; see src/bin/test_worker.rs).
    assert_eq!(app.invoke("a", "open", "escape-probe"), "ok:Ok(())");
    app.wait_invoke("a", "gone", "renderer|escape-probe|abnormal-exit:100");
    assert_eq!(server.connections.load(Ordering::SeqCst), 0);
}
