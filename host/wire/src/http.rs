//! Outbound HTTP as it crosses the socket: the origins a component may
//! reach ([`Origin`], the manifest's `allowed-hosts`), a request a worker
//! hands to the host ([`HttpRequest`]) and what comes back
//! ([`HttpResponse`] or [`HttpFailure`]).
//!
//! A worker never holds a socket: its component's `wasi:http` requests are
//! carried to the host, which checks the origin again, connects, and
//! answers with the whole response, its body bounded by the component's
//! `max-message-bytes`. Both ends read these values as hostile: the host
//! checks a request before anything else ([`HttpRequest::check`]), and the
//! worker checks a response against its own limit before the guest sees it.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    /// Its name in a URL.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The port a URL of this scheme means when it names none.
    #[must_use]
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    fn parse(text: &str) -> Option<Scheme> {
        match text.to_ascii_lowercase().as_str() {
            "http" => Some(Scheme::Http),
            "https" => Some(Scheme::Https),
            _ => None,
        }
    }
}

/// One origin a component may reach: a scheme, a host (a DNS name or an IP
/// address, lowercase) and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Origin {
    pub scheme: Scheme,
    /// A DNS name or an IPv4 address, or an IPv6 address without brackets.
    pub host: String,
    pub port: u16,
}

/// The longest host name DNS allows.
const MAX_HOST: usize = 253;

impl Origin {
    /// Parses an origin as the manifest writes it: `https://api.example.com`,
    /// `http://127.0.0.1:8080`, `http://[::1]:8080`; nothing after the
    /// authority but an optional `/`.
    ///
    /// # Errors
    /// Why the text is not an origin.
    pub fn parse(text: &str) -> Result<Origin, String> {
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| format!("`{text}` is not `scheme://host[:port]`"))?;
        let scheme = Scheme::parse(scheme)
            .ok_or_else(|| format!("`{text}`: only `http` and `https` can be allowed"))?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#']) {
            return Err(format!(
                "`{text}` names more than an origin; allow `{}://{}` instead",
                scheme.as_str(),
                authority.split(['/', '?', '#']).next().unwrap_or_default()
            ));
        }
        Self::from_authority(scheme, authority).map_err(|why| format!("`{text}`: {why}"))
    }

    /// The origin of `authority` (`host[:port]`) under `scheme`.
    ///
    /// # Errors
    /// Why it is not a host and port.
    pub fn from_authority(scheme: Scheme, authority: &str) -> Result<Origin, String> {
        if authority.contains('@') {
            return Err("a user name or password cannot be part of it".into());
        }
        let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| "an IPv6 address without its `]`".to_owned())?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("`{host}` is not an IPv6 address"));
            }
            match after {
                "" => (host, None),
                port => (
                    host,
                    Some(
                        port.strip_prefix(':')
                            .ok_or_else(|| "text after the address".to_owned())?,
                    ),
                ),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        let port = match port {
            None => scheme.default_port(),
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| format!("`{port}` is not a port"))?,
        };
        let host = host.to_ascii_lowercase();
        let is_ip = host.parse::<std::net::IpAddr>().is_ok();
        let is_name = !host.is_empty()
            && host.len() <= MAX_HOST
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !is_ip && !is_name {
            return Err(format!("`{host}` is not a host name or an IP address"));
        }
        Ok(Origin { scheme, host, port })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "{}://{host}:{}", self.scheme.as_str(), self.port)
    }
}

/// Headers the host sets itself or that belong to one connection: a
/// request's own are dropped before it is sent, and `host` is set from the
/// checked authority.
pub const HOST_SET_HEADERS: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "http2-settings",
];

/// The most bytes of a request besides its body (method, authority, path
/// and headers), which keeps a request's frame within the worker's frame
/// limit (the body's `max-message-bytes` plus 64 KiB).
pub const MAX_REQUEST_HEAD: usize = 32 * 1024;

/// A request a component makes, carried to the host whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    pub scheme: Scheme,
    /// `host[:port]`, as the request's URL has it.
    pub authority: String,
    /// The path and query in origin form: it starts with `/` (a bare query,
    /// `?x`, is taken as `/?x`).
    pub path: String,
    pub headers: Vec<(String, ByteBuf)>,
    pub body: ByteBuf,
}

impl HttpRequest {
    /// The origin the request goes to.
    ///
    /// # Errors
    /// When its authority is not a host and port.
    pub fn origin(&self) -> Result<Origin, String> {
        Origin::from_authority(self.scheme, &self.authority)
    }

    /// What the host checks before anything else: the origin is one of
    /// `allowed`; the path is in origin form, so that the request can name
    /// no other host than the checked one (an absolute-form target would);
    /// the method is not `CONNECT`; the head is within
    /// [`MAX_REQUEST_HEAD`] and the body within `max_body` bytes.
    ///
    /// # Errors
    /// [`HttpFailure::Denied`], [`HttpFailure::BadRequest`] or
    /// [`HttpFailure::RequestBodySize`].
    pub fn check(&self, allowed: &[Origin], max_body: usize) -> Result<Origin, HttpFailure> {
        let origin = self
            .origin()
            .map_err(|why| HttpFailure::Denied(format!("the request's host: {why}")))?;
        if !allowed.contains(&origin) {
            return Err(HttpFailure::Denied(format!(
                "{origin} is not among the component's allowed-hosts"
            )));
        }
        if !(self.path.starts_with('/') || self.path.starts_with('?')) {
            return Err(HttpFailure::Denied(format!(
                "the target `{}` is not a path on {origin}",
                self.path.chars().take(64).collect::<String>()
            )));
        }
        if self.method.eq_ignore_ascii_case("CONNECT") {
            return Err(HttpFailure::Denied("CONNECT opens a tunnel".into()));
        }
        if self.head_bytes() > MAX_REQUEST_HEAD {
            return Err(HttpFailure::BadRequest(format!(
                "its method, target and headers are over {MAX_REQUEST_HEAD} bytes"
            )));
        }
        if self.body.len() > max_body {
            return Err(HttpFailure::RequestBodySize(self.body.len() as u64));
        }
        Ok(origin)
    }

    /// The bytes of the request besides its body.
    #[must_use]
    pub fn head_bytes(&self) -> usize {
        self.method.len()
            + self.authority.len()
            + self.path.len()
            + self
                .headers
                .iter()
                .map(|(name, value)| name.len() + value.len() + 4)
                .sum::<usize>()
    }

    /// The path in origin form (`?x` becomes `/?x`).
    #[must_use]
    pub fn target(&self) -> String {
        if self.path.starts_with('?') {
            format!("/{}", self.path)
        } else {
            self.path.clone()
        }
    }
}

/// A response, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, ByteBuf)>,
    pub body: ByteBuf,
}

/// Why a request got no response, in the terms of `wasi:http`'s
/// `error-code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum HttpFailure {
    /// `HTTP-request-denied`: the origin is not allowed.
    #[error("request denied: {0}")]
    Denied(String),
    /// `DNS-error`: the name did not resolve.
    #[error("the host name did not resolve: {0}")]
    Dns(String),
    /// `connection-refused`.
    #[error("the connection was refused")]
    ConnectionRefused,
    /// `connection-timeout`: no connection within the component's time.
    #[error("no connection within {0} ms")]
    ConnectionTimeout(u64),
    /// `connection-terminated`: the connection ended early.
    #[error("the connection ended: {0}")]
    ConnectionTerminated(String),
    /// `TLS-certificate-error`: the server's certificate is not trusted.
    #[error("the server's certificate is not trusted: {0}")]
    TlsCertificate(String),
    /// `TLS-protocol-error`.
    #[error("TLS failed: {0}")]
    TlsProtocol(String),
    /// `HTTP-request-body-size`: the body is over the component's
    /// `max-message-bytes`.
    #[error("the request body of {0} bytes is over max-message-bytes")]
    RequestBodySize(u64),
    /// `HTTP-response-body-size`: the body is over the component's
    /// `max-message-bytes` (the limit).
    #[error("the response body is over max-message-bytes ({0} bytes)")]
    ResponseBodySize(u64),
    /// `HTTP-response-timeout`: no whole response within the component's
    /// `http-timeout-ms`.
    #[error("no whole response within {0} ms")]
    ResponseTimeout(u64),
    /// `HTTP-request-URI-invalid`, `HTTP-request-method-invalid` and other
    /// malformed requests.
    #[error("the request is malformed: {0}")]
    BadRequest(String),
    /// `HTTP-protocol-error`: the server's answer is not HTTP.
    #[error("HTTP failed: {0}")]
    Protocol(String),
    /// `connection-limit-reached`: too many requests of the component wait
    /// already (`max-pending-invokes`).
    #[error("{0} requests are waiting already (max-pending-invokes)")]
    TooMany(usize),
}

/// The answer to a worker's [`HttpRequest`].
pub type HttpAnswer = Result<HttpResponse, HttpFailure>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        let origin = |text| Origin::parse(text).expect(text);
        assert_eq!(
            origin("https://API.example.com"),
            Origin {
                scheme: Scheme::Https,
                host: "api.example.com".into(),
                port: 443
            }
        );
        assert_eq!(origin("http://127.0.0.1:8080/").port, 8080);
        assert_eq!(origin("http://[::1]:9").host, "::1");
        assert_eq!(
            origin("http://example.com").to_string(),
            "http://example.com:80"
        );
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://example.com/api",
            "https://example.com?x",
            "https://user@example.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://exa mple.com",
            "https://-bad.com",
            "https://",
            "http://[::1",
            "http://[nothost]:80",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad} is refused");
        }
    }

    #[test]
    fn a_request_goes_only_to_an_allowed_origin_with_a_bounded_body() {
        let allowed = [Origin::parse("http://127.0.0.1:8080").expect("valid")];
        let request = |authority: &str, body: usize| HttpRequest {
            method: "GET".into(),
            scheme: Scheme::Http,
            authority: authority.into(),
            path: "/".into(),
            headers: Vec::new(),
            body: ByteBuf::from(vec![0; body]),
        };
        assert!(request("127.0.0.1:8080", 10).check(&allowed, 10).is_ok());
        for (authority, body) in [
            ("127.0.0.1:8081", 0),
            ("localhost:8080", 0),
            ("127.0.0.1", 0),
        ] {
            assert!(matches!(
                request(authority, body).check(&allowed, 10),
                Err(HttpFailure::Denied(_))
            ));
        }
        assert_eq!(
            request("127.0.0.1:8080", 11).check(&allowed, 10),
            Err(HttpFailure::RequestBodySize(11))
        );
        // A target that names another host, a tunnel, a head over its
        // bound: refused whatever the authority says.
        let mut absolute = request("127.0.0.1:8080", 0);
        absolute.path = "http://internal.example/admin".into();
        assert!(matches!(
            absolute.check(&allowed, 10),
            Err(HttpFailure::Denied(_))
        ));
        let mut tunnel = request("127.0.0.1:8080", 0);
        tunnel.method = "CONNECT".into();
        assert!(matches!(
            tunnel.check(&allowed, 10),
            Err(HttpFailure::Denied(_))
        ));
        let mut long = request("127.0.0.1:8080", 0);
        long.path = format!("/{}", "a".repeat(MAX_REQUEST_HEAD));
        assert!(matches!(
            long.check(&allowed, 10),
            Err(HttpFailure::BadRequest(_))
        ));
        let mut query = request("127.0.0.1:8080", 0);
        query.path = "?x=1".into();
        assert!(query.check(&allowed, 10).is_ok());
        assert_eq!(query.target(), "/?x=1");
    }
}
