//! HTTP for OCSP, CRL, issuer-certificate and time-stamp requests, through the `ureq` client.
//!
//! These services are plain HTTP by design (their answers are signed and kyso checks the
//! signatures), so `http://` is what kyso fetches; `https://` needs the cargo feature
//! `https` (rustls). Every exchange is bounded by [`HttpLimits`] — a timeout on connecting and
//! on every read and write, an overall deadline of three timeouts however the server paces
//! its bytes, and a size cap on the answer — and follows at most [`MAX_REDIRECTS`] redirects,
//! because CRL distribution points and time-stamp authorities do move. A redirected request
//! is sent again as it was (a POST stays a POST with its body: an OCSP or time-stamp request
//! turned into a GET would only fetch a web page). Proxies from the environment are not used.

use std::time::{Duration, Instant};

use ureq::http::{StatusCode, Uri};
use ureq::{Agent, Timeout};

use crate::error::{Error, Result};

/// Limits of one HTTP exchange.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Connect, read and write timeout. The whole exchange, however the server paces its
    /// bytes and however many redirects it sends, ends within three times this.
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_body: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self::from(&crate::Limits::default())
    }
}

impl From<&crate::Limits> for HttpLimits {
    fn from(limits: &crate::Limits) -> Self {
        HttpLimits {
            timeout: Duration::from_millis(limits.network_timeout_ms),
            max_body: usize::try_from(limits.max_network_response_bytes).unwrap_or(usize::MAX),
        }
    }
}

/// Most redirects followed for one request; one more is an error.
pub const MAX_REDIRECTS: usize = 5;

/// Largest status line and headers accepted, in bytes.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// POSTs `body` and returns the response body of a 200 answer.
pub fn post(url: &str, content_type: &str, body: &[u8], limits: HttpLimits) -> Result<Vec<u8>> {
    fetch(url, Some((content_type, body)), &[], limits)
}

/// POSTs `body` with further request headers (a remote signing service's
/// `Authorization: Bearer …`). The headers go only to the host of `url`: a redirect to
/// another host is followed without them, so a credential never reaches a server it was not
/// meant for.
pub fn post_with_headers(
    url: &str,
    content_type: &str,
    body: &[u8],
    headers: &[(&str, &str)],
    limits: HttpLimits,
) -> Result<Vec<u8>> {
    fetch(url, Some((content_type, body)), headers, limits)
}

/// GETs a URL and returns the body of a 200 answer.
pub fn get(url: &str, limits: HttpLimits) -> Result<Vec<u8>> {
    fetch(url, None, &[], limits)
}

fn net(e: impl std::fmt::Display) -> Error {
    Error::Network(e.to_string())
}

/// What one exchange gave.
enum Hop {
    /// The body of a 200 answer.
    Body(Vec<u8>),
    /// A redirect to this (absolute) URL.
    Redirect(String),
}

/// One request with its redirects, all within one deadline; errors name the URL asked for.
fn fetch(
    url: &str,
    body: Option<(&str, &[u8])>,
    headers: &[(&str, &str)],
    limits: HttpLimits,
) -> Result<Vec<u8>> {
    let deadline = Instant::now() + limits.timeout.saturating_mul(3);
    let mut current = url.to_owned();
    let authority = |u: &str| u.parse::<Uri>().ok().and_then(|u| u.authority().cloned());
    let origin = authority(url);
    let result = (|| {
        for _ in 0..=MAX_REDIRECTS {
            let same_host = authority(&current) == origin;
            let headers = if same_host { headers } else { &[] };
            match exchange(&current, body, headers, limits, deadline)? {
                Hop::Body(answer) => return Ok(answer),
                Hop::Redirect(next) => current = next,
            }
        }
        Err(net(format!("more than {MAX_REDIRECTS} redirects")))
    })();
    result.map_err(|e| match e {
        Error::Network(m) if current != url => Error::Network(format!("{url} → {current}: {m}")),
        Error::Network(m) => Error::Network(format!("{url}: {m}")),
        other => other,
    })
}

/// Refuses what kyso does not fetch, before any connection.
fn check_scheme(url: &str) -> Result<Uri> {
    let uri: Uri = url.parse().map_err(|_| net("not a URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") if cfg!(feature = "https") => {}
        Some("https") => {
            return Err(Error::Unsupported(format!(
                "URL scheme of {url} (https:// needs kyso's cargo feature \"https\")"
            )));
        }
        _ => {
            return Err(Error::Unsupported(format!(
                "URL scheme of {url} (only http:// is fetched)"
            )));
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(net("no host in the URL"));
    }
    Ok(uri)
}

/// One request and its answer, with the time left before `deadline`.
fn exchange(
    url: &str,
    body: Option<(&str, &[u8])>,
    headers: &[(&str, &str)],
    limits: HttpLimits,
    deadline: Instant,
) -> Result<Hop> {
    let uri = check_scheme(url)?;
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(net("the answer took too long"));
    }
    let agent: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .user_agent(concat!("kyso/", env!("CARGO_PKG_VERSION")))
        .max_response_header_size(MAX_HEADER_BYTES)
        .timeout_global(Some(left))
        .timeout_connect(Some(limits.timeout))
        .timeout_per_read(Some(limits.timeout))
        .timeout_per_write(Some(limits.timeout))
        .build()
        .into();
    let response = match body {
        Some((content_type, bytes)) => {
            let mut request = agent.post(uri.clone()).header("Content-Type", content_type);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.send(bytes)
        }
        None => agent.get(uri.clone()).call(),
    }
    .map_err(|e| why(e, limits))?;
    let status = response.status();
    if is_redirect(status) {
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| net(format!("HTTP {} without a Location", status.as_u16())))?;
        return Ok(Hop::Redirect(resolve(&uri, location)?));
    }
    if status != StatusCode::OK {
        return Err(net(format!("answered HTTP {}", status.as_u16())));
    }
    response
        .into_body()
        .into_with_config()
        .limit(limits.max_body as u64)
        .read_to_vec()
        .map_err(|e| why(e, limits))
        .map(Hop::Body)
}

/// The redirects kyso follows: moved, found, see other, temporary, permanent.
fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The absolute URL a `Location` names, relative to the URL that answered (RFC 9110 §10.2.2).
fn resolve(base: &Uri, location: &str) -> Result<String> {
    let bad = || net(format!("a redirect to {location:?}, which is not a URL"));
    let scheme = base.scheme_str().unwrap_or("http");
    let authority = base.authority().map(|a| a.as_str()).ok_or_else(bad)?;
    let absolute = if location.contains("://") {
        location.to_owned()
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else {
        let path = base.path();
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        let dir = if dir.is_empty() { "/" } else { dir };
        format!("{scheme}://{authority}{dir}{location}")
    };
    absolute.parse::<Uri>().map_err(|_| bad())?;
    Ok(absolute)
}

/// kyso's words for a failed exchange: which limit ended it, or what was wrong.
fn why(e: ureq::Error, limits: HttpLimits) -> Error {
    match e {
        ureq::Error::Timeout(Timeout::Global) => net("the answer took too long"),
        ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve) => net("no connection in time"),
        ureq::Error::Timeout(_) => net("no answer in time"),
        ureq::Error::BodyExceedsLimit(_) => {
            net(format!("the answer exceeds {} bytes", limits.max_body))
        }
        ureq::Error::LargeResponseHeader(..) => {
            net(format!("the HTTP header exceeds {MAX_HEADER_BYTES} bytes"))
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            net("the answer was cut short")
        }
        other => net(other),
    }
}

#[cfg(test)]
mod tests;
