//! The HTTP server of the outbound-HTTP rows: on 127.0.0.1, a thread per
//! connection, answering every `GET /bytes/N` with N bytes and closing, as
//! the host's client opens a connection per request. The reference row
//! makes the same request natively (`native_get`), connection included.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

/// Starts the server; its port.
pub fn start() -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    Ok(port)
}

fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
    }
    let size: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|path| path.strip_prefix("/bytes/"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {size}\r\nconnection: close\r\n\r\n");
    let mut stream = reader.get_ref();
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&vec![b'b'; size]);
}

/// One `GET /bytes/size` made natively on a new connection, read whole:
/// its time in microseconds.
pub fn native_get(port: u16, size: usize) -> std::io::Result<f64> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_nodelay(true)?;
    let request = format!(
        "GET /bytes/{size} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::with_capacity(size + 128);
    stream.read_to_end(&mut response)?;
    if response.len() < size {
        return Err(std::io::Error::other("a short response"));
    }
    Ok(started.elapsed().as_secs_f64() * 1e6)
}
