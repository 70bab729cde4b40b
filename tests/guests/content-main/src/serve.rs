//! What the content tests' providers answer, by path: text naming the
//! provider and the window, an SVG image, a mebibyte, nothing, a failure,
//! a MIME type that is not one, and a trap.

use crate::bindings::exports::wasmtron::app::content::{ContentError, Guest, Request, Response};

/// Who serves: `main` or `utility`.
pub trait Named {
    const NAME: &'static str;
}

pub struct Serve<N>(std::marker::PhantomData<N>);

impl<N: Named> Guest for Serve<N> {
    fn serve(request: Request) -> Result<Response, ContentError> {
        let text = |mime: &str, body: String| {
            Ok(Response {
                mime: mime.to_owned(),
                body: body.into_bytes(),
            })
        };
        match request.path.as_str() {
            "hello.txt" => text(
                "text/plain; charset=utf-8",
                format!(
                    "hello from {} for {} ({})",
                    N::NAME,
                    request.window,
                    request.query
                ),
            ),
            "dot.svg" => text(
                "image/svg+xml",
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"30\">\
                 <rect width=\"40\" height=\"30\" fill=\"#c03\"/></svg>"
                    .to_owned(),
            ),
            "big.bin" => Ok(Response {
                mime: "application/octet-stream".to_owned(),
                body: (0..1024 * 1024).map(|i| (i % 251) as u8).collect(),
            }),
            "fail" => Err(ContentError::Failed("asked to fail".to_owned())),
            "bad-mime" => text("text/html\r\nx-injected: yes", String::new()),
            "trap" => panic!("asked to trap while serving"),
            _ => Err(ContentError::NotFound),
        }
    }
}
