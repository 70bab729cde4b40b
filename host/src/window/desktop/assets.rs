//! The `wasmtron://` custom protocol: a window's page and its assets, served
//! from the window's `ui_root` and nothing else.
//!
//! Every response, errors included, carries the strict content security
//! policy: it is what keeps markup a renderer writes with `set-html` or
//! `set-attribute` from running scripts or reaching other origins.

use std::borrow::Cow;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use wry::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use wry::http::{HeaderValue, Method, Request, Response, StatusCode};

/// The custom protocol's scheme.
pub(super) const SCHEME: &str = "wasmtron";

/// The one origin pages are served from. WebKitGTK keeps the authority of a
/// custom-scheme URL, so pages see `wasmtron://app` as their origin and CSP
/// `'self'` matches exactly this scheme and host.
const HOST: &str = "app";

/// The largest file a page is served. Each is read whole into memory; a
/// larger one (or a file that grows past this while read) is a 404, and
/// the log names it.
pub(super) const MAX_ASSET_BYTES: u64 = 256 * 1024 * 1024;

/// Every URL of our own origin starts with this.
pub(super) const ORIGIN_PREFIX: &str = "wasmtron://app/";

/// The policy sent with every response.
///
/// `'unsafe-inline'` is allowed for styles only, because renderers set
/// `style` attributes through DOM operations; scripts stay `'self'` so
/// injected markup cannot run code. `connect-src` names only the app's
/// content (`@content/...`, answered by its provider): the page reaches its
/// renderer over the IPC bridge, never over the network.
pub(super) const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     connect-src wasmtron://app/@content/; \
     object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'";

/// The files one window may load: everything below its `ui_root`.
#[derive(Debug, Clone)]
pub(super) struct AppAssets {
    /// Canonical, so that a resolved file can be checked with `starts_with`.
    root: PathBuf,
}

impl AppAssets {
    /// Serves files from `ui_root`, which must be an existing directory.
    pub(super) fn new(ui_root: &Path) -> io::Result<Self> {
        let root = fs::canonicalize(ui_root)?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(Self { root })
    }

    /// The URL that loads `entry`, a path relative to the root.
    ///
    /// # Errors
    /// A message when `entry` is not a plain relative path to a file inside the root.
    pub(super) fn entry_url(&self, entry: &str) -> Result<String, String> {
        let relative = relative_path(entry)
            .ok_or_else(|| format!("entry `{entry}` is not a plain relative path"))?;
        if self.resolve(&relative).is_none() {
            return Err(format!(
                "entry `{entry}` is not a file inside {}",
                self.root.display()
            ));
        }
        let encoded: Vec<String> = entry.split('/').map(percent_encode).collect();
        Ok(format!("{ORIGIN_PREFIX}{}", encoded.join("/")))
    }

    /// Answers one request of the page. Anything that is not a readable file
    /// inside the root is a 404, with no hint of why.
    pub(super) fn respond(&self, request: &Request<Vec<u8>>) -> Response<Cow<'static, [u8]>> {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        }
        if request.uri().host() != Some(HOST) {
            tracing::warn!(uri = %request.uri(), "asset request for a foreign host refused");
            return plain(StatusCode::NOT_FOUND, "not found");
        }
        // `@content/` is the provider's, however it is written: a folder of
        // that name in `ui` is never served.
        let Some(file) = percent_decode(request.uri().path())
            .as_deref()
            .and_then(|path| path.strip_prefix('/'))
            .filter(|path| !path.starts_with(crate::window::CONTENT_PREFIX))
            .and_then(relative_path)
            .and_then(|relative| self.resolve(&relative))
        else {
            tracing::debug!(uri = %request.uri(), "asset not found or outside the ui root");
            return plain(StatusCode::NOT_FOUND, "not found");
        };
        // A regular file, checked on the open file, then read within the
        // bound: never a FIFO or a device, never without end.
        let read = wasmtron_manifest::files::open_regular(&file).and_then(|(opened, size)| {
            if request.method() == Method::HEAD {
                return Ok(Vec::new());
            }
            wasmtron_manifest::files::read_opened(
                &file,
                opened,
                size,
                MAX_ASSET_BYTES,
                "a page asset",
            )
        });
        let body = match read {
            Ok(body) => body,
            Err(error) => {
                tracing::warn!("cannot serve a page asset: {error}");
                return plain(StatusCode::NOT_FOUND, "not found");
            }
        };
        response(StatusCode::OK, content_type(&file), body)
    }

    /// The canonical file `relative` names, if it is a file inside the root
    /// once every symlink is followed.
    fn resolve(&self, relative: &Path) -> Option<PathBuf> {
        let file = fs::canonicalize(self.root.join(relative)).ok()?;
        (file.starts_with(&self.root) && file.is_file()).then_some(file)
    }
}

/// `path` as a relative path made only of normal components: no root, no
/// `..`, no `.`, no empty segments, no backslashes or NULs.
fn relative_path(path: &str) -> Option<PathBuf> {
    if path.is_empty()
        || path.contains(['\\', '\0'])
        || path.split('/').any(|segment| segment.is_empty())
    {
        return None;
    }
    let relative = Path::new(path);
    relative
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
        .then(|| relative.to_path_buf())
}

/// The Content-Type for a file, by extension. Unknown types are served as
/// opaque bytes; with `nosniff` the page cannot run them as scripts or styles.
fn content_type(file: &Path) -> &'static str {
    let extension = file
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("wasm") => "application/wasm",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        Some("mp3") => "audio/mpeg",
        Some("ogg") => "audio/ogg",
        Some("wav") => "audio/wav",
        Some("mp4") => "video/mp4",
        Some("webm") => "video/webm",
        _ => "application/octet-stream",
    }
}

/// A response to a page's request.
pub(super) type Page = Response<Cow<'static, [u8]>>;

/// What a request for the app's content (`/@content/PATH?QUERY`) asks:
/// `None` when the request is for an asset, else the decoded path and the
/// query, or the response that refuses it (a method other than GET or
/// HEAD, another host, a path that does not decode).
pub(super) fn content_request(
    request: &Request<Vec<u8>>,
) -> Option<Result<(String, String), Page>> {
    let path = request.uri().path().strip_prefix('/')?;
    let rest = path.strip_prefix(crate::window::CONTENT_PREFIX)?;
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return Some(Err(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed",
        )));
    }
    if request.uri().host() != Some(HOST) {
        tracing::warn!(uri = %request.uri(), "content request for a foreign host refused");
        return Some(Err(plain(StatusCode::NOT_FOUND, "not found")));
    }
    // Held to what an asset path may be (no `..`, `.`, empty segments,
    // backslashes or NULs, decoded or not), so that a provider that maps
    // paths to files of its own cannot be walked out of them.
    let Some(decoded) = percent_decode(rest).filter(|p| relative_path(p).is_some()) else {
        return Some(Err(plain(StatusCode::NOT_FOUND, "not found")));
    };
    let query = request.uri().query().unwrap_or_default().to_owned();
    Some(Ok((decoded, query)))
}

/// The response for a content answer: the provider's bytes with its MIME
/// type and the pages' policy, or the status that refuses them. No answer
/// at all (the provider went away) is a 503.
pub(super) fn content_response(
    answer: Option<crate::window::ContentAnswer>,
) -> Response<Cow<'static, [u8]>> {
    match answer {
        Some(Ok((mime, body))) => match mime_header(&mime) {
            Some(mime) => response_with(StatusCode::OK, mime, body),
            None => {
                tracing::warn!(%mime, "content with an invalid MIME type refused");
                plain(StatusCode::BAD_GATEWAY, "bad gateway")
            }
        },
        Some(Err((status, why))) => {
            tracing::debug!(status, %why, "content refused");
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            plain(status, "no content")
        }
        None => plain(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    }
}

/// `mime` as a Content-Type header, if it is one: `type/subtype` with
/// optional parameters, printable ASCII, at most 255 bytes.
fn mime_header(mime: &str) -> Option<HeaderValue> {
    let essence = mime.split(';').next()?.trim();
    let (kind, subtype) = essence.split_once('/')?;
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    let printable = mime.bytes().all(|b| (0x20..0x7f).contains(&b));
    (mime.len() <= 255 && printable && token(kind) && token(subtype))
        .then(|| HeaderValue::from_str(mime).ok())
        .flatten()
}

fn plain(status: StatusCode, message: &'static str) -> Response<Cow<'static, [u8]>> {
    response(
        status,
        "text/plain; charset=utf-8",
        message.as_bytes().to_vec(),
    )
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response<Cow<'static, [u8]>> {
    response_with(status, HeaderValue::from_static(content_type), body)
}

fn response_with(
    status: StatusCode,
    content_type: HeaderValue,
    body: Vec<u8>,
) -> Response<Cow<'static, [u8]>> {
    let mut response = Response::new(Cow::Owned(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, content_type);
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Decodes `%XX` escapes. `None` for a malformed escape or a result that is
/// not UTF-8.
fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Encodes one path segment: everything but RFC 3986 unreserved characters.
fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn get(assets: &AppAssets, uri: &str) -> Response<Cow<'static, [u8]>> {
        assets.respond(&Request::builder().uri(uri).body(Vec::new()).unwrap())
    }

    fn fixture() -> (tempfile::TempDir, AppAssets) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ui");
        fs::create_dir_all(root.join("sub dir")).unwrap();
        fs::write(root.join("index.html"), "<p>hi</p>").unwrap();
        fs::write(root.join("sub dir/app.js"), "1").unwrap();
        fs::write(root.join("mod.wasm"), [0, 97, 115, 109]).unwrap();
        fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        let assets = AppAssets::new(&root).unwrap();
        (dir, assets)
    }

    #[test]
    fn a_file_past_the_size_limit_or_not_a_plain_file_is_not_served() {
        let (dir, assets) = fixture();
        let ui = dir.path().join("ui");
        // Sparse: as large as it says without the disk.
        let big = fs::File::create(ui.join("big.bin")).unwrap();
        big.set_len(MAX_ASSET_BYTES + 1).unwrap();
        let at_limit = fs::File::create(ui.join("limit.bin")).unwrap();
        at_limit.set_len(1024).unwrap();
        assert_eq!(
            get(&assets, "wasmtron://app/big.bin").status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get(&assets, "wasmtron://app/limit.bin").status(),
            StatusCode::OK
        );
        // A FIFO is answered at once, never read.
        let made = std::process::Command::new("mkfifo")
            .arg(ui.join("pipe"))
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        assert_eq!(
            get(&assets, "wasmtron://app/pipe").status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn serves_files_with_type_and_policy() {
        let (_dir, assets) = fixture();
        let response = get(&assets, "wasmtron://app/index.html");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.body().as_ref(), b"<p>hi</p>");
        assert_eq!(response.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(
            response.headers()[CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY_VALUE
        );
        let response = get(&assets, "wasmtron://app/sub%20dir/app.js?v=1#x");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        let response = get(&assets, "wasmtron://app/mod.wasm");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/wasm");
    }

    #[test]
    fn refuses_everything_outside_the_root() {
        let (dir, assets) = fixture();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(
                dir.path().join("secret.txt"),
                dir.path().join("ui/link.txt"),
            )
            .unwrap();
            std::os::unix::fs::symlink(dir.path(), dir.path().join("ui/up")).unwrap();
        }
        for uri in [
            "wasmtron://app/../secret.txt",
            "wasmtron://app/%2E%2E/secret.txt",
            "wasmtron://app/sub%20dir/..%2F..%2Fsecret.txt",
            "wasmtron://app//etc/passwd",
            "wasmtron://app/%2Fetc%2Fpasswd",
            "wasmtron://app/link.txt",
            "wasmtron://app/up/secret.txt",
            "wasmtron://app/sub%20dir",
            "wasmtron://app/",
            "wasmtron://app/missing.html",
            "wasmtron://app/bad%zz",
            "wasmtron://app/%FF",
            "wasmtron://other/index.html",
        ] {
            let response = get(&assets, uri);
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
            assert_eq!(
                response.headers()[CONTENT_SECURITY_POLICY],
                CONTENT_SECURITY_POLICY_VALUE,
                "{uri}"
            );
            assert_ne!(response.body().as_ref(), b"secret", "{uri}");
        }
    }

    #[test]
    fn refuses_other_methods() {
        let (_dir, assets) = fixture();
        let request = Request::builder()
            .method(Method::POST)
            .uri("wasmtron://app/index.html")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            assets.respond(&request).status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }

    #[test]
    fn head_is_served_like_get_without_the_body() {
        let (_dir, assets) = fixture();
        let request = Request::builder()
            .method(Method::HEAD)
            .uri("wasmtron://app/index.html")
            .body(Vec::new())
            .unwrap();
        let response = assets.respond(&request);
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.body().is_empty());
        assert_eq!(response.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(
            response.headers()[CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY_VALUE
        );
        assert_eq!(response.headers()[X_CONTENT_TYPE_OPTIONS], "nosniff");
    }

    #[test]
    fn a_leading_dot_segment_or_a_backslash_is_not_found() {
        let (dir, assets) = fixture();
        // A file whose name holds a backslash really exists, so only the
        // backslash rule keeps `a%5Cb.txt` from reaching it.
        fs::write(dir.path().join("ui").join("a\\b.txt"), "backslash").unwrap();
        for uri in [
            "wasmtron://app/./index.html",
            "wasmtron://app/%2E/index.html",
            "wasmtron://app/a\\b.txt",
            "wasmtron://app/a%5Cb.txt",
            "wasmtron://app/a%5cb.txt",
        ] {
            let response = get(&assets, uri);
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
            assert_eq!(response.body().as_ref(), b"not found", "{uri}");
        }
        // The same file by its plain name is there to be served.
        assert_eq!(
            get(&assets, "wasmtron://app/index.html").status(),
            StatusCode::OK
        );
        // A `.` segment after the first is dropped, as in a file path: it
        // names the same file inside the root.
        let response = get(&assets, "wasmtron://app/sub%20dir/./app.js");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.body().as_ref(), b"1");
    }

    #[test]
    fn a_nul_byte_raw_or_escaped_makes_no_path() {
        for path in ["index.html\0", "index.html\0.png", "sub dir/\0app.js"] {
            assert_eq!(relative_path(path), None, "{path:?}");
        }
        for path in [
            "./index.html",
            "a\\b.txt",
            "a//b",
            "a/",
            "/etc/passwd",
            "../x",
            "",
        ] {
            assert_eq!(relative_path(path), None, "{path:?}");
        }
        assert_eq!(
            relative_path("sub dir/app.js"),
            Some(PathBuf::from("sub dir/app.js"))
        );
        let (_dir, assets) = fixture();
        for uri in [
            "wasmtron://app/index.html%00",
            "wasmtron://app/index.html%00.png",
        ] {
            assert_eq!(get(&assets, uri).status(), StatusCode::NOT_FOUND, "{uri}");
        }
    }

    #[test]
    fn unknown_extensions_are_opaque_bytes_never_sniffed() {
        let (dir, assets) = fixture();
        fs::write(dir.path().join("ui/page.xyz"), "<script>1</script>").unwrap();
        fs::write(dir.path().join("ui/LICENSE"), "text").unwrap();
        for uri in ["wasmtron://app/page.xyz", "wasmtron://app/LICENSE"] {
            let response = get(&assets, uri);
            assert_eq!(response.status(), StatusCode::OK, "{uri}");
            assert_eq!(
                response.headers()[CONTENT_TYPE],
                "application/octet-stream",
                "{uri}"
            );
            assert_eq!(
                response.headers()[X_CONTENT_TYPE_OPTIONS],
                "nosniff",
                "{uri}"
            );
        }
    }

    #[test]
    fn every_response_carries_the_policy_and_nosniff_errors_included() {
        let (_dir, assets) = fixture();
        let mut responses = vec![
            ("found", get(&assets, "wasmtron://app/index.html")),
            ("missing", get(&assets, "wasmtron://app/missing.html")),
            ("outside", get(&assets, "wasmtron://app/../secret.txt")),
            ("foreign host", get(&assets, "wasmtron://other/index.html")),
        ];
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let request = Request::builder()
                .method(method.clone())
                .uri("wasmtron://app/index.html")
                .body(Vec::new())
                .unwrap();
            let response = assets.respond(&request);
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method}"
            );
            responses.push(("refused method", response));
        }
        for (what, response) in &responses {
            assert_eq!(
                response.headers()[CONTENT_SECURITY_POLICY],
                CONTENT_SECURITY_POLICY_VALUE,
                "{what}"
            );
            assert_eq!(
                response.headers()[X_CONTENT_TYPE_OPTIONS],
                "nosniff",
                "{what}"
            );
        }
    }

    #[test]
    fn entry_urls_are_encoded_and_checked() {
        let (_dir, assets) = fixture();
        assert_eq!(
            assets.entry_url("index.html").unwrap(),
            "wasmtron://app/index.html"
        );
        assert_eq!(
            assets.entry_url("sub dir/app.js").unwrap(),
            "wasmtron://app/sub%20dir/app.js"
        );
        for entry in [
            "../secret.txt",
            "/etc/passwd",
            "",
            "missing.html",
            "sub dir",
        ] {
            assert!(assets.entry_url(entry).is_err(), "{entry}");
        }
    }

    #[test]
    fn content_paths_are_told_apart_from_assets_and_checked() {
        let request = |method: &str, uri: &str| {
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Vec::new())
                .unwrap()
        };
        assert!(content_request(&request("GET", "wasmtron://app/index.html")).is_none());
        assert!(content_request(&request("GET", "wasmtron://app/x/@content/a")).is_none());
        let asked = content_request(&request("GET", "wasmtron://app/@content/a%20b/c.png?w=2"));
        assert_eq!(
            asked.unwrap().unwrap(),
            ("a b/c.png".to_owned(), "w=2".to_owned())
        );
        let status = |uri: &str, method: &str| match content_request(&request(method, uri)) {
            Some(Err(response)) => response.status(),
            other => panic!("{uri}: {:?}", other.map(|r| r.map_err(|e| e.status()))),
        };
        assert_eq!(
            status("wasmtron://app/@content/a", "POST"),
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            status("wasmtron://evil/@content/a", "GET"),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status("wasmtron://app/@content/%ff", "GET"),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status("wasmtron://app/@content/a%00", "GET"),
            StatusCode::NOT_FOUND
        );
        for walk in [
            "a/../b",
            "a%2F..%2Fb",
            "./a",
            "a//b",
            "a%5Cb",
            "%2e%2e/a",
            "",
        ] {
            let uri = format!("wasmtron://app/@content/{walk}");
            assert_eq!(status(&uri, "GET"), StatusCode::NOT_FOUND, "{walk}");
        }
    }

    #[test]
    fn a_folder_named_like_the_content_prefix_is_never_served() {
        let (dir, assets) = fixture();
        std::fs::create_dir(dir.path().join("ui/@content")).unwrap();
        std::fs::write(dir.path().join("ui/@content/x.txt"), "hidden").unwrap();
        for uri in [
            "wasmtron://app/%40content/x.txt",
            "wasmtron://app/%40content%2Fx.txt",
        ] {
            assert_eq!(get(&assets, uri).status(), StatusCode::NOT_FOUND, "{uri}");
        }
    }

    #[test]
    fn content_answers_carry_a_checked_mime_type_and_the_policy() {
        let ok = content_response(Some(Ok(("image/svg+xml".into(), b"<svg/>".to_vec()))));
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()[CONTENT_TYPE], "image/svg+xml");
        assert!(ok.headers().contains_key(CONTENT_SECURITY_POLICY));
        assert_eq!(ok.headers()[X_CONTENT_TYPE_OPTIONS], "nosniff");
        for bad in [
            "",
            "text",
            "text/",
            "/plain",
            "text/html\r\nx: y",
            "tëxt/plain",
            "a b/c",
        ] {
            let refused = content_response(Some(Ok((bad.into(), Vec::new()))));
            assert_eq!(refused.status(), StatusCode::BAD_GATEWAY, "{bad:?}");
        }
        let fine = content_response(Some(Ok(("text/plain; charset=utf-8".into(), Vec::new()))));
        assert_eq!(fine.status(), StatusCode::OK);
        assert_eq!(
            content_response(Some(Err((404, "no".into())))).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            content_response(None).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn percent_coding_round_trips() {
        for segment in ["a b", "ü.html", "100%", "x?y#z"] {
            assert_eq!(
                percent_decode(&percent_encode(segment)).as_deref(),
                Some(segment)
            );
        }
    }
}
