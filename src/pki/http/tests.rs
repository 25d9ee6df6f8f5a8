//! The client against loopback servers that answer well, redirect, loop, flood, trickle or
//! talk nonsense. (tests/ltv_bad_input.rs drives the same hostile answers through the OCSP,
//! CRL and time-stamp callers.)

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use super::*;

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// How the server answers.
enum Reply {
    /// These bytes, then close.
    Raw(Vec<u8>),
    /// These bytes, then one byte every `every` until the client goes.
    Trickle { head: Vec<u8>, every: Duration },
}

type Handler = dyn Fn(&Seen, &str) -> Reply + Send + Sync;

/// A loopback server; each connection is served on its own thread.
struct Server {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Starts a server for `connections` connections; the handler gets the request and the
    /// server's base URL.
    fn start(
        connections: usize,
        handler: impl Fn(&Seen, &str) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log, url) = (seen.clone(), base.clone());
        thread::spawn(move || {
            for stream in listener.incoming().take(connections).flatten() {
                let (handler, log, url) = (handler.clone(), log.clone(), url.clone());
                thread::spawn(move || serve(stream, &*handler, &log, &url));
            }
        });
        Server { base, seen }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

fn serve(mut stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Seen>>, base: &str) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    log.lock().expect("log").push(request.clone());
    match handler(&request, base) {
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Reply::Trickle { head, every } => {
            let _ = stream.write_all(&head);
            let until = Instant::now() + Duration::from_secs(30);
            while Instant::now() < until {
                thread::sleep(every);
                if stream.write_all(b"a").is_err() {
                    break;
                }
            }
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next()?.split_whitespace();
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some(Seen {
        method,
        path,
        content_type: header("content-type"),
        body,
    })
}

fn ok(body: &[u8]) -> Reply {
    let mut b = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    b.extend_from_slice(body);
    Reply::Raw(b)
}

fn redirect(status: u16, location: &str) -> Reply {
    Reply::Raw(
        format!("HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
            .into_bytes(),
    )
}

fn limits(timeout_ms: u64, max_body: usize) -> HttpLimits {
    HttpLimits {
        timeout: Duration::from_millis(timeout_ms),
        max_body,
    }
}

#[test]
fn get_and_post_return_the_body_of_a_200() {
    let server = Server::start(2, |_, _| ok(b"signed answer"));
    let got = get(&server.url("/ca.crl"), limits(2000, 1024)).expect("get");
    assert_eq!(got, b"signed answer");
    let got = post(
        &server.url("/ocsp"),
        "application/ocsp-request",
        b"\x30\x03\x02\x01\x01",
        limits(2000, 1024),
    )
    .expect("post");
    assert_eq!(got, b"signed answer");
    let seen = server.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("GET", "/ca.crl")
    );
    assert_eq!(seen[1].method, "POST");
    assert_eq!(
        seen[1].content_type.as_deref(),
        Some("application/ocsp-request")
    );
    assert_eq!(seen[1].body, b"\x30\x03\x02\x01\x01");
}

#[test]
fn redirects_are_followed_with_the_same_request() {
    // /tsa → (relative) moved → (absolute, 307) /final: the POST and its body reach the end.
    let server = Server::start(3, |req, base| match req.path.as_str() {
        "/old/tsa" => redirect(302, "moved"),
        "/old/moved" => redirect(307, &format!("{base}/final")),
        _ => ok(b"token"),
    });
    let got = post(
        &server.url("/old/tsa"),
        "application/timestamp-query",
        b"req",
        limits(2000, 64),
    )
    .expect("post through redirects");
    assert_eq!(got, b"token");
    let seen = server.seen();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["/old/tsa", "/old/moved", "/final"]);
    assert!(seen.iter().all(|s| s.method == "POST" && s.body == b"req"));
}

#[test]
fn a_redirect_loop_ends_after_the_bound() {
    let server = Server::start(MAX_REDIRECTS + 5, |_, _| redirect(301, "/again"));
    let e = get(&server.url("/start"), limits(2000, 64)).expect_err("a loop never answers");
    assert!(e.to_string().contains("redirects"), "{e}");
    assert_eq!(server.seen().len(), MAX_REDIRECTS + 1);
    // As many redirects as allowed still arrive.
    let hops = Arc::new(AtomicUsize::new(0));
    let counter = hops.clone();
    let server = Server::start(MAX_REDIRECTS + 1, move |_, _| {
        if counter.fetch_add(1, Ordering::SeqCst) < MAX_REDIRECTS {
            redirect(302, "/next")
        } else {
            ok(b"crl")
        }
    });
    assert_eq!(
        get(&server.url("/"), limits(2000, 64)).expect("within the bound"),
        b"crl"
    );
}

#[test]
fn an_answer_over_the_size_cap_is_refused() {
    let server = Server::start(3, |req, _| match req.path.as_str() {
        "/declared" => ok(&[0x30; 2048]),
        "/unbounded" => {
            let mut b = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
            b.extend_from_slice(&[0x30; 4096]);
            Reply::Raw(b)
        }
        _ => ok(&[0x30; 1024]),
    });
    for path in ["/declared", "/unbounded"] {
        let e = get(&server.url(path), limits(2000, 1024)).expect_err("over the cap");
        assert!(e.to_string().contains("exceeds 1024 bytes"), "{path}: {e}");
    }
    assert_eq!(
        get(&server.url("/exact"), limits(2000, 1024))
            .expect("at the cap")
            .len(),
        1024
    );
}

#[test]
fn a_slow_or_silent_server_meets_the_timeouts() {
    let server = Server::start(2, |req, _| match req.path.as_str() {
        // A byte every 50 ms: no read ever waits long, so only the overall deadline ends it.
        "/slow" => Reply::Trickle {
            head: b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".to_vec(),
            every: Duration::from_millis(50),
        },
        _ => Reply::Trickle {
            head: Vec::new(),
            every: Duration::from_secs(3600),
        },
    });
    let timeout = 400;
    let start = Instant::now();
    let e = get(&server.url("/slow"), limits(timeout, 1 << 20)).expect_err("slow");
    let took = start.elapsed();
    assert!(e.to_string().contains("took too long"), "{e}");
    assert!(took >= Duration::from_millis(3 * timeout - 50), "{took:?}");
    assert!(took < Duration::from_millis(3 * timeout + 1500), "{took:?}");
    let start = Instant::now();
    let e = get(&server.url("/silent"), limits(timeout, 1 << 20)).expect_err("silent");
    assert!(e.to_string().contains("no answer in time"), "{e}");
    assert!(start.elapsed() < Duration::from_millis(timeout + 1500));
}

#[test]
fn junk_and_failures_are_errors_that_name_the_url() {
    let server = Server::start(7, |req, _| match req.path.as_str() {
        "/ssh" => Reply::Raw(b"SSH-2.0-OpenSSH_9.2\r\n".to_vec()),
        "/cut" => Reply::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n0123".to_vec()),
        "/headers" => Reply::Raw(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec()),
        "/chunks" => Reply::Raw(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc"
                .to_vec(),
        ),
        "/nowhere" => Reply::Raw(b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n".to_vec()),
        _ => Reply::Raw(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()),
    });
    for path in [
        "/ssh", "/cut", "/headers", "/chunks", "/nowhere", "/missing",
    ] {
        let url = server.url(path);
        let e = get(&url, limits(2000, 1 << 20)).expect_err(path);
        assert!(matches!(e, Error::Network(_)), "{path}: {e:?}");
        assert!(e.to_string().contains(&url), "{path}: {e}");
    }
    let e = get(&server.url("/missing"), limits(2000, 64)).expect_err("404");
    assert!(e.to_string().contains("HTTP 404"), "{e}");
}

#[test]
fn only_http_is_fetched_without_the_https_feature() {
    for url in [
        "ftp://ca.example.vn/ca.crl",
        "file:///etc/passwd",
        "ca.example.vn/ca.crl",
    ] {
        assert!(get(url, HttpLimits::default()).is_err(), "{url}");
    }
    assert!(matches!(
        get("ftp://ca.example.vn/ca.crl", HttpLimits::default()),
        Err(Error::Unsupported(_))
    ));
    #[cfg(not(feature = "https"))]
    assert!(matches!(
        get("https://ca.example.vn/ca.crl", HttpLimits::default()),
        Err(Error::Unsupported(_))
    ));
    assert!(get("http:///ca.crl", HttpLimits::default()).is_err());
}

#[test]
fn locations_resolve_against_the_url_that_answered() {
    let base: Uri = "http://ca.example.vn:8080/crl/now/ca.crl?x=1"
        .parse()
        .expect("uri");
    for (location, want) in [
        ("http://other.vn/a.crl", "http://other.vn/a.crl"),
        ("//mirror.vn/b.crl", "http://mirror.vn/b.crl"),
        ("/c.crl", "http://ca.example.vn:8080/c.crl"),
        ("d.crl", "http://ca.example.vn:8080/crl/now/d.crl"),
    ] {
        assert_eq!(resolve(&base, location).expect(location), want);
    }
    assert!(resolve(&base, "http://bad host/").is_err());
}
