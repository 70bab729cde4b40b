//! A utility that makes outbound HTTP requests through `wasi:http`, for the
//! HTTP suite: main asks it by request channel, and it answers with what
//! came back, `status:<code> body:<text>`, or `error:<wasi:http error>`.
//!
//! - `get` URL; `post` URL|BODY; `post-bytes` URL|N: posts N bytes it
//!   makes itself; `get-follow` URL: follows one redirect
//!   as a browser would, by a second request to its `Location`;
//!   `get-size` URL: the body's length only; `echo` TEXT: TEXT, with no
//!   request (the benchmark's reference for the path to the utility).

use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme};
use wasmtron_guest::{HandlerError, Payload, Request, Utility};

#[derive(Default)]
struct HttpUtility;

/// A response read whole.
struct Answer {
    status: u16,
    location: Option<String>,
    body: Vec<u8>,
}

fn bad(why: &str) -> HandlerError {
    HandlerError::new("bad-request", why)
}

/// Makes one request; `Err` is the `wasi:http` error, or why the request
/// could not be built.
fn fetch(
    method: &Method,
    url: &str,
    body: Option<&[u8]>,
) -> Result<Result<Answer, ErrorCode>, HandlerError> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("not a URL"))?;
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let request = OutgoingRequest::new(Fields::new());
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_owned()),
    };
    request
        .set_method(method)
        .and_then(|()| request.set_scheme(Some(&scheme)))
        .and_then(|()| request.set_authority(Some(authority)))
        .and_then(|()| request.set_path_with_query(Some(path)))
        .map_err(|()| bad("the request's parts were refused"))?;
    let outgoing = request.body().map_err(|()| bad("no request body"))?;
    // The request goes first; its body streams after, as wasi:http asks.
    let future = match outgoing_handler::handle(request, None) {
        Ok(future) => future,
        Err(err) => return Ok(Err(err)),
    };
    if let Some(body) = body {
        let stream = outgoing.write().map_err(|()| bad("no body stream"))?;
        for chunk in body.chunks(4096) {
            // A body the host will not take ends the stream; the
            // response says why.
            if stream.blocking_write_and_flush(chunk).is_err() {
                break;
            }
        }
        drop(stream);
    }
    // As above: a refused body's error is the response's.
    let _ = OutgoingBody::finish(outgoing, None);
    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(err))) => return Ok(Err(err)),
        Some(Err(())) | None => return Err(bad("the response was taken already")),
    };
    let location = response
        .headers()
        .get("location")
        .first()
        .map(|v| String::from_utf8_lossy(v).into_owned());
    let status = response.status();
    let incoming = response.consume().map_err(|()| bad("no response body"))?;
    let stream = incoming.stream().map_err(|()| bad("no body stream"))?;
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => body.extend_from_slice(&chunk),
            Err(wasip2::io::streams::StreamError::Closed) => break,
            Err(wasip2::io::streams::StreamError::LastOperationFailed(err)) => {
                return Ok(Err(ErrorCode::InternalError(Some(err.to_debug_string()))));
            }
        }
    }
    Ok(Ok(Answer {
        status,
        location,
        body,
    }))
}

fn describe(answer: Result<Answer, ErrorCode>, size_only: bool) -> String {
    match answer {
        Ok(answer) if size_only => format!("status:{} size:{}", answer.status, answer.body.len()),
        Ok(answer) => format!(
            "status:{} body:{}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        ),
        Err(err) => format!("error:{err:?}"),
    }
}

impl Utility for HttpUtility {
    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        let arg: String = request.decode()?;
        let reply = match request.channel.as_str() {
            "echo" => arg,
            "get" => describe(fetch(&Method::Get, &arg, None)?, false),
            "get-size" => describe(fetch(&Method::Get, &arg, None)?, true),
            "post" => {
                let (url, body) = arg.split_once('|').ok_or_else(|| bad("URL|BODY"))?;
                describe(fetch(&Method::Post, url, Some(body.as_bytes()))?, false)
            }
            "post-bytes" => {
                let (url, size) = arg.split_once('|').ok_or_else(|| bad("URL|N"))?;
                let size: usize = size.parse().map_err(|_| bad("N is a number"))?;
                describe(fetch(&Method::Post, url, Some(&vec![b'y'; size]))?, false)
            }
            "get-follow" => match fetch(&Method::Get, &arg, None)? {
                Ok(Answer {
                    status: 300..=399,
                    location: Some(location),
                    ..
                }) => describe(fetch(&Method::Get, &location, None)?, false),
                other => describe(other, false),
            },
            other => {
                return Err(HandlerError::new(
                    "no-handler",
                    format!("http-utility has no handler for `{other}`"),
                ));
            }
        };
        Request::reply(&reply)
    }
}

wasmtron_guest::export_utility!(HttpUtility);
