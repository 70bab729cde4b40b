//! The host's HTTP client: makes the requests components hand it
//! ([`wasmtron_worker::http`]), each checked against the component's
//! `allowed-hosts` first, within its quotas: the whole exchange within
//! `http-timeout-ms`, each body within `max-message-bytes`. HTTPS through
//! rustls, trusting the system's root certificates. Workers never hold a
//! socket; this is the only place a component's request leaves the
//! machine's process tree.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use serde_bytes::ByteBuf;
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use wasmtime_wasi_http::io::TokioIo;
use wasmtron_wire::Limits;
use wasmtron_wire::http::{
    HOST_SET_HEADERS, HttpAnswer, HttpFailure, HttpRequest, HttpResponse, Origin, Scheme,
};

/// Makes `request` for the component `name`, if its origin is one of
/// `allowed`; every refusal and failure is logged under `name`.
pub async fn fetch(
    name: &str,
    request: HttpRequest,
    allowed: &[Origin],
    limits: Limits,
) -> HttpAnswer {
    let origin = match request.check(allowed, limits.max_message_bytes) {
        Ok(origin) => origin,
        Err(failure) => {
            if matches!(failure, HttpFailure::Denied(_)) {
                log_refused(name, &format!("HTTP request: {failure}"));
            } else {
                tracing::warn!(component = %name, "HTTP request refused: {failure}");
            }
            return Err(failure);
        }
    };
    let bound = limits.http_timeout_ms;
    let answer = match tokio::time::timeout(
        Duration::from_millis(bound),
        exchange(&origin, request, limits.max_message_bytes),
    )
    .await
    {
        Ok(answer) => answer,
        Err(_) => Err(HttpFailure::ResponseTimeout(bound)),
    };
    if let Err(failure) = &answer {
        tracing::warn!(component = %name, %origin, "HTTP request failed: {failure}");
    }
    answer
}

/// One component's refusals in the current second.
struct Second {
    began: std::time::Instant,
    logged: f64,
    left_out: u64,
}

impl Second {
    fn new() -> Self {
        Second {
            began: std::time::Instant::now(),
            logged: 0.0,
            left_out: 0,
        }
    }
}

/// Logs a refused request of the component `name`, at most
/// [`REFUSALS_PER_SECOND`](wasmtron_worker::wasi::REFUSALS_PER_SECOND) a
/// second for each component (a worker can forge requests faster than its
/// own refusals are limited), then how many were left out.
fn log_refused(name: &str, what: &str) {
    type Seconds = std::collections::HashMap<String, Second>;
    static RATE: std::sync::Mutex<Option<Seconds>> = std::sync::Mutex::new(None);
    let limit = wasmtron_worker::wasi::REFUSALS_PER_SECOND;
    let mut rate = RATE.lock().unwrap_or_else(|p| p.into_inner());
    let second = rate
        .get_or_insert_with(Seconds::new)
        .entry(name.to_owned())
        .or_insert_with(Second::new);
    if second.began.elapsed() >= Duration::from_secs(1) {
        if second.left_out > 0 {
            wasmtron_wire::log::refused(
                name,
                &format!(
                    "{} more refused HTTP requests not logged: over {limit} a second",
                    second.left_out
                ),
            );
        }
        *second = Second::new();
    }
    if second.logged < limit {
        second.logged += 1.0;
        wasmtron_wire::log::refused(name, what);
    } else {
        second.left_out += 1;
    }
}

/// One request on a connection of its own.
async fn exchange(origin: &Origin, request: HttpRequest, max_body: usize) -> HttpAnswer {
    let stream = connect(origin).await?;
    let request = to_hyper(request)?;
    match origin.scheme {
        Scheme::Http => send(TokioIo::new(stream), request, max_body).await,
        Scheme::Https => {
            let name = rustls::pki_types::ServerName::try_from(origin.host.clone())
                .map_err(|err| HttpFailure::BadRequest(format!("`{}`: {err}", origin.host)))?;
            let tls = tokio_rustls::TlsConnector::from(client_config())
                .connect(name, stream)
                .await
                .map_err(tls_failure)?;
            send(TokioIo::new(tls), request, max_body).await
        }
    }
}

/// A connection to the first address of the origin's host that takes one.
async fn connect(origin: &Origin) -> Result<TcpStream, HttpFailure> {
    let addresses: Vec<_> = tokio::net::lookup_host((origin.host.as_str(), origin.port))
        .await
        .map_err(|err| HttpFailure::Dns(format!("`{}`: {err}", origin.host)))?
        .collect();
    if addresses.is_empty() {
        return Err(HttpFailure::Dns(format!(
            "`{}` has no address",
            origin.host
        )));
    }
    let mut last = HttpFailure::ConnectionRefused;
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = HttpFailure::ConnectionRefused;
            }
            Err(err) => last = HttpFailure::ConnectionTerminated(err.to_string()),
        }
    }
    Err(last)
}

fn to_hyper(request: HttpRequest) -> Result<hyper::Request<Full<Bytes>>, HttpFailure> {
    let bad = |err: &dyn std::fmt::Display| HttpFailure::BadRequest(err.to_string());
    let mut builder = hyper::Request::builder()
        .method(hyper::Method::from_bytes(request.method.as_bytes()).map_err(|e| bad(&e))?)
        .uri(request.target())
        // The checked authority, whatever the request's own `host` said.
        .header(hyper::header::HOST, request.authority.as_str());
    for (name, value) in request.headers {
        let own = HOST_SET_HEADERS
            .iter()
            .any(|set| name.eq_ignore_ascii_case(set));
        if !own {
            builder = builder.header(name, value.into_vec());
        }
    }
    builder
        .body(Full::new(Bytes::from(request.body.into_vec())))
        .map_err(|e| bad(&e))
}

async fn send<I>(io: I, request: hyper::Request<Full<Bytes>>, max_body: usize) -> HttpAnswer
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|err| HttpFailure::Protocol(err.to_string()))?;
    let driven = tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(|err| {
        if err.is_parse() {
            HttpFailure::Protocol(err.to_string())
        } else {
            HttpFailure::ConnectionTerminated(err.to_string())
        }
    })?;
    let (parts, body) = response.into_parts();
    // Said before reading, when the server says how much it sends.
    if let Some(length) = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        && length > max_body as u64
    {
        driven.abort();
        return Err(HttpFailure::ResponseBodySize(max_body as u64));
    }
    let body = Limited::new(body, max_body)
        .collect()
        .await
        .map_err(|err| {
            if err.is::<http_body_util::LengthLimitError>() {
                HttpFailure::ResponseBodySize(max_body as u64)
            } else {
                HttpFailure::ConnectionTerminated(err.to_string())
            }
        })?
        .to_bytes();
    driven.abort();
    Ok(HttpResponse {
        status: parts.status.as_u16(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), ByteBuf::from(value.as_bytes())))
            .collect(),
        body: ByteBuf::from(body.to_vec()),
    })
}

/// rustls with the system's root certificates, read once. On *ring*, which
/// builds with the Rust toolchain alone; rustls now marks it deprecated for
/// lacking post-quantum key exchange (decision 35).
#[expect(
    deprecated,
    reason = "ring until the build takes aws-lc-rs's C and CMake (decision 35)"
)]
fn client_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                tracing::warn!("a system root certificate could not be read: {error}");
            }
            let (added, ignored) = roots.add_parsable_certificates(found.certs);
            tracing::debug!(added, ignored, "system root certificates");
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports rustls's default protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

fn tls_failure(err: std::io::Error) -> HttpFailure {
    let text = err.to_string();
    if text.contains("certificate") {
        HttpFailure::TlsCertificate(text)
    } else {
        HttpFailure::TlsProtocol(text)
    }
}

/// Main's carrier: main runs in the host, so its requests are made here
/// directly, through the same checks.
pub(crate) struct MainCarrier {
    pub name: String,
    pub allowed: Arc<[Origin]>,
    pub limits: Limits,
}

impl wasmtron_worker::http::HttpCarrier for MainCarrier {
    /// Main's waiting requests are counted by its hooks, as a worker's are
    /// by its own (and again by the host).
    fn carry(&self, request: HttpRequest) -> wasmtron_worker::http::Carried {
        let name = self.name.clone();
        let allowed = self.allowed.clone();
        let limits = self.limits;
        Box::pin(async move { fetch(&name, request, &allowed, limits).await })
    }

    fn refused(&self, what: String) {
        wasmtron_wire::log::refused(&self.name, &what);
    }
}
