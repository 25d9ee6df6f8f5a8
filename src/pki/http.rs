//! A small HTTP/1.1 client for OCSP, CRL and time-stamp requests: `http://` only (these
//! services are plain HTTP by design: their answers are signed), with timeouts and a size cap
//! on every answer so that a slow or huge response cannot hold kyso.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::error::{Error, Result};

/// Limits of one HTTP exchange.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Connect, read and write timeout.
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_body: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            timeout: Duration::from_secs(10),
            max_body: 16 << 20,
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

fn exchange(
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
    let mut stream = TcpStream::connect_timeout(&addr, limits.timeout).map_err(net)?;
    stream.set_read_timeout(Some(limits.timeout)).map_err(net)?;
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
    // The overall deadline bounds a server that trickles bytes.
    let deadline = std::time::Instant::now() + limits.timeout * 3;
    let mut reader = BufReader::new(stream).take(limits.max_body as u64 + 64 * 1024);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(net)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| net(format!("bad HTTP status line from {url}")))?;
    let mut content_length = None;
    let mut chunked = false;
    for _ in 0..200 {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(net)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
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
            if std::time::Instant::now() > deadline {
                return Err(net("timed out"));
            }
            let mut size_line = String::new();
            reader.read_line(&mut size_line).map_err(net)?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| net("bad chunk size"))?;
            if size == 0 {
                break;
            }
            if out.len() + size > limits.max_body {
                return Err(too_big());
            }
            let start = out.len();
            out.resize(start + size, 0);
            reader.read_exact(&mut out[start..]).map_err(net)?;
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf).map_err(net)?;
        }
    } else if let Some(len) = content_length {
        if len > limits.max_body {
            return Err(too_big());
        }
        out.resize(len, 0);
        reader.read_exact(&mut out).map_err(net)?;
    } else {
        let mut buf = [0u8; 16 * 1024];
        loop {
            if std::time::Instant::now() > deadline {
                return Err(net("timed out"));
            }
            let n = reader.read(&mut buf).map_err(net)?;
            if n == 0 {
                break;
            }
            if out.len() + n > limits.max_body {
                return Err(too_big());
            }
            out.extend_from_slice(&buf[..n]);
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
