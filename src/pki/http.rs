//! A small HTTP/1.1 client for OCSP, CRL and time-stamp requests: `http://` only (these
//! services are plain HTTP by design: their answers are signed), with timeouts and a size cap
//! on every answer so that a slow or huge response cannot hold kyso.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Limits of one HTTP exchange.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Connect, read and write timeout. The whole exchange, however the server paces its
    /// bytes, ends within three times this.
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

fn net(e: impl std::fmt::Display) -> Error {
    Error::Network(e.to_string())
}

struct Url<'a> {
    host: &'a str,
    port: u16,
    path: &'a str,
}

fn parse_url(url: &str) -> Result<Url<'_>> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        Error::Unsupported(format!("URL scheme of {url} (only http:// is fetched)"))
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(']') || h.ends_with(']') => (
            h,
            p.parse::<u16>()
                .map_err(|_| net(format!("bad port in {url}")))?,
        ),
        _ => (authority, 80),
    };
    if host.is_empty() {
        return Err(net(format!("no host in {url}")));
    }
    Ok(Url { host, port, path })
}

/// POSTs `body` and returns the response body of a 200 answer.
pub fn post(url: &str, content_type: &str, body: &[u8], limits: HttpLimits) -> Result<Vec<u8>> {
    exchange(url, "POST", Some((content_type, body)), limits)
}

/// GETs a URL and returns the body of a 200 answer.
pub fn get(url: &str, limits: HttpLimits) -> Result<Vec<u8>> {
    exchange(url, "GET", None, limits)
}

/// A socket whose reads all end by one deadline: each read waits at most until the deadline
/// (and at most `timeout`), so a server trickling a byte now and then cannot stretch the
/// exchange.
struct DeadlineReader {
    stream: TcpStream,
    deadline: Instant,
    timeout: Duration,
}

impl Read for DeadlineReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the answer took too long",
            ));
        }
        self.stream.set_read_timeout(Some(left.min(self.timeout)))?;
        self.stream.read(buf).map_err(|e| match e.kind() {
            // What a read timeout looks like on Unix (EAGAIN) and on Windows.
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                let why = if Instant::now() >= self.deadline {
                    "the answer took too long"
                } else {
                    "no answer in time"
                };
                std::io::Error::new(std::io::ErrorKind::TimedOut, why)
            }
            _ => e,
        })
    }
}

/// Reads one line (up to and including `\n`) of at most `max` bytes.
fn read_line(reader: &mut impl BufRead, max: usize) -> Result<String> {
    let mut line = Vec::new();
    let n = reader
        .take(max as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(net)?;
    if n > max {
        return Err(net("HTTP header line too long"));
    }
    String::from_utf8(line).map_err(|_| net("HTTP header is not text"))
}

/// Longest status, header or chunk-size line accepted.
const MAX_LINE: usize = 8 * 1024;
/// Most header lines accepted.
const MAX_HEADERS: usize = 100;

fn exchange(
    url: &str,
    method: &str,
    body: Option<(&str, &[u8])>,
    limits: HttpLimits,
) -> Result<Vec<u8>> {
    exchange_inner(url, method, body, limits).map_err(|e| match e {
        Error::Network(m) if !m.contains(url) => Error::Network(format!("{url}: {m}")),
        other => other,
    })
}

fn exchange_inner(
    url: &str,
    method: &str,
    body: Option<(&str, &[u8])>,
    limits: HttpLimits,
) -> Result<Vec<u8>> {
    let u = parse_url(url)?;
    let addr = (u.host.trim_matches(['[', ']']), u.port)
        .to_socket_addrs()
        .map_err(net)?
        .next()
        .ok_or_else(|| net(format!("cannot resolve {}", u.host)))?;
    let deadline = Instant::now() + limits.timeout * 3;
    let mut stream = TcpStream::connect_timeout(&addr, limits.timeout).map_err(net)?;
    stream
        .set_write_timeout(Some(limits.timeout))
        .map_err(net)?;
    let mut request = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nUser-Agent: kyso/{}\r\n",
        u.path,
        u.host,
        env!("CARGO_PKG_VERSION")
    );
    if let Some((ct, b)) = body {
        request.push_str(&format!(
            "Content-Type: {ct}\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).map_err(net)?;
    if let Some((_, b)) = body {
        stream.write_all(b).map_err(net)?;
    }
    let mut reader = BufReader::new(DeadlineReader {
        stream,
        deadline,
        timeout: limits.timeout,
    });
    let status_line = read_line(&mut reader, MAX_LINE)?;
    let status: u16 = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|s| s.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| net(format!("bad HTTP status line from {url}")))?;
    let mut content_length = None;
    let mut chunked = false;
    let mut ended = false;
    for _ in 0..MAX_HEADERS {
        let line = read_line(&mut reader, MAX_LINE)?;
        if line.is_empty() {
            return Err(net(format!("{url}: the connection closed in the headers")));
        }
        let line = line.trim_end();
        if line.is_empty() {
            ended = true;
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim();
            if k == "content-length" {
                content_length = Some(v.parse::<usize>().map_err(|_| net("bad Content-Length"))?);
            } else if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    if !ended {
        return Err(net(format!("{url}: too many HTTP header lines")));
    }
    if status != 200 {
        return Err(net(format!("{url} answered HTTP {status}")));
    }
    let too_big = || {
        net(format!(
            "answer from {url} exceeds {} bytes",
            limits.max_body
        ))
    };
    let mut out = Vec::new();
    if chunked {
        loop {
            let size_line = read_line(&mut reader, MAX_LINE)?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| net(format!("{url}: bad chunk size (truncated answer?)")))?;
            if size == 0 {
                break;
            }
            if size > limits.max_body - out.len() {
                return Err(too_big());
            }
            let start = out.len();
            out.resize(start + size, 0);
            reader
                .read_exact(&mut out[start..])
                .map_err(|e| net(format!("{url}: chunk cut short: {e}")))?;
            let mut crlf = [0u8; 2];
            reader
                .read_exact(&mut crlf)
                .map_err(|e| net(format!("{url}: chunk cut short: {e}")))?;
            if &crlf != b"\r\n" {
                return Err(net(format!("{url}: malformed chunk")));
            }
        }
    } else if let Some(len) = content_length {
        if len > limits.max_body {
            return Err(too_big());
        }
        out.resize(len, 0);
        reader
            .read_exact(&mut out)
            .map_err(|e| net(format!("{url}: answer cut short: {e}")))?;
    } else {
        // No length: the body runs to the end of the connection.
        let n = (&mut reader)
            .take(limits.max_body as u64 + 1)
            .read_to_end(&mut out)
            .map_err(net)?;
        if n > limits.max_body {
            return Err(too_big());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = parse_url("http://127.0.0.1:18081/tsa?x=1").expect("url");
        assert_eq!((u.host, u.port, u.path), ("127.0.0.1", 18081, "/tsa?x=1"));
        let u = parse_url("http://ca.example.vn").expect("url");
        assert_eq!((u.host, u.port, u.path), ("ca.example.vn", 80, "/"));
        assert!(parse_url("https://x").is_err());
        assert!(parse_url("http://:80/").is_err());
    }
}
