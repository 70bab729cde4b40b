//! A component's outbound HTTP (`wasi:http/outgoing-handler` 0.2), linked
//! only when its manifest entry lists `allowed-hosts`.
//!
//! wasmtime's `wasi:http` builds the request from the guest's resources
//! and hands it to [`HttpHooks::send_request`], which checks the origin
//! against the component's allowed hosts (the first wall), reads the body
//! within `max-message-bytes`, and passes the request whole to an
//! [`HttpCarrier`]: in a worker, the host over the worker's connection (the
//! worker holds no socket); for main, the host's own client. Whoever makes
//! the request checks the origin again. No redirect is followed for the
//! guest: a redirect is a response, and the request the guest makes next
//! is checked like any other.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use serde_bytes::ByteBuf;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};
use wasmtron_wire::Limits;
use wasmtron_wire::http::{HttpAnswer, HttpFailure, HttpRequest, HttpResponse, Origin, Scheme};

/// A request on its way to whoever makes it.
pub type Carried = Pin<Box<dyn Future<Output = HttpAnswer> + Send>>;

/// Who makes a component's requests.
pub trait HttpCarrier: Send + Sync {
    /// Makes `request` (already checked against the allowed hosts, and
    /// checked again by the carrier) and answers with the whole response.
    fn carry(&self, request: HttpRequest) -> Carried;

    /// Says what was refused at the first wall, for the host's log under
    /// the component's name.
    fn refused(&self, what: String);
}

/// The `wasi:http` hooks of one component.
pub struct HttpHooks {
    allowed: Arc<[Origin]>,
    /// `max-message-bytes`: the largest request or response body.
    max_body: usize,
    carrier: Arc<dyn HttpCarrier>,
    /// Requests under way, from the first byte of their body read here to
    /// their answer: at most `max-pending-invokes`, so that bodies being
    /// read count too.
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
}

impl std::fmt::Debug for HttpHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpHooks")
            .field("allowed", &self.allowed)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl HttpHooks {
    /// Hooks that let requests to `allowed` through `carrier`, bodies
    /// within the limits' `max-message-bytes`, at most
    /// `max-pending-invokes` under way.
    #[must_use]
    pub fn new(allowed: &[Origin], limits: &Limits, carrier: Arc<dyn HttpCarrier>) -> Self {
        HttpHooks {
            allowed: allowed.into(),
            max_body: limits.max_message_bytes,
            carrier,
            waiting: Arc::default(),
            max_waiting: limits.max_pending_invokes,
        }
    }
}

type Sent = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

impl WasiHttpHooks for HttpHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sent {
        let allowed = self.allowed.clone();
        let max_body = self.max_body;
        let carrier = self.carrier.clone();
        let slot = crate::counted::Counted::take(&self.waiting, self.max_waiting);
        Box::new(async move {
            let Some(_slot) = slot else {
                return Err(Error::ConnectionLimitReached);
            };
            let (parts, body) = request.into_parts();
            let scheme = match parts.uri.scheme_str() {
                Some("http") => Scheme::Http,
                Some("https") => Scheme::Https,
                _ => return Err(Error::HttpProtocolError),
            };
            let authority = parts
                .uri
                .authority()
                .map(|a| a.as_str().to_owned())
                .ok_or(Error::HttpRequestUriInvalid)?;
            let origin = Origin::from_authority(scheme, &authority)
                .map_err(|_| Error::HttpRequestUriInvalid)?;
            if !allowed.contains(&origin) {
                carrier.refused(format!(
                    "HTTP request to {origin}: not among its allowed-hosts"
                ));
                return Err(Error::HttpRequestDenied);
            }
            let body = match Limited::new(body, max_body).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(err) => {
                    return Err(match err.downcast::<Error>() {
                        Ok(inner) => *inner,
                        Err(_) => Error::HttpRequestBodySize(None),
                    });
                }
            };
            let request = HttpRequest {
                method: parts.method.as_str().to_owned(),
                scheme,
                authority,
                path: parts
                    .uri
                    .path_and_query()
                    .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
                headers: parts
                    .headers
                    .iter()
                    .map(|(name, value)| {
                        (name.as_str().to_owned(), ByteBuf::from(value.as_bytes()))
                    })
                    .collect(),
                body: ByteBuf::from(body.to_vec()),
            };
            // Within the worker's frame limit, as the host checks again.
            if request.head_bytes() > wasmtron_wire::http::MAX_REQUEST_HEAD {
                return Err(Error::HttpRequestHeaderSectionSize(
                    u32::try_from(request.head_bytes()).ok(),
                ));
            }
            let response = carrier.carry(request).await.map_err(to_error)?;
            let response = to_response(response, max_body)?;
            let io: Box<dyn Future<Output = Result<(), Error>> + Send> = Box::new(async { Ok(()) });
            Ok((response, io))
        })
    }
}

/// The response as the guest will read it; the worker's own check of its
/// size, whatever the host said.
fn to_response(response: HttpResponse, max_body: usize) -> Result<http::Response<WasiBody>, Error> {
    if response.body.len() > max_body {
        return Err(Error::HttpResponseBodySize(Some(max_body as u64)));
    }
    let mut builder = http::Response::builder().status(response.status);
    for (name, value) in response.headers {
        builder = builder.header(name, value.into_vec());
    }
    let body = Full::new(Bytes::from(response.body.into_vec()))
        .map_err(|never| match never {})
        .boxed_unsync();
    builder.body(body).map_err(|_| Error::HttpProtocolError)
}

/// A failure in `wasi:http`'s terms.
fn to_error(failure: HttpFailure) -> Error {
    match failure {
        HttpFailure::Denied(_) => Error::HttpRequestDenied,
        HttpFailure::Dns(why) => Error::DnsError {
            rcode: Some(why),
            info_code: None,
        },
        HttpFailure::ConnectionRefused => Error::ConnectionRefused,
        HttpFailure::ConnectionTimeout(_) => Error::ConnectionTimeout,
        HttpFailure::ConnectionTerminated(_) => Error::ConnectionTerminated,
        HttpFailure::TlsCertificate(_) => Error::TlsCertificateError,
        HttpFailure::TlsProtocol(_) => Error::TlsProtocolError,
        HttpFailure::RequestBodySize(size) => Error::HttpRequestBodySize(Some(size)),
        HttpFailure::ResponseBodySize(limit) => Error::HttpResponseBodySize(Some(limit)),
        HttpFailure::ResponseTimeout(_) => Error::HttpResponseTimeout,
        HttpFailure::BadRequest(_) => Error::HttpRequestUriInvalid,
        HttpFailure::Protocol(_) => Error::HttpProtocolError,
        HttpFailure::TooMany(_) => Error::ConnectionLimitReached,
    }
}
