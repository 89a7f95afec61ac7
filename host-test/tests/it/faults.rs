//! Faults through the real WASI HTTP stack: the component sends with
//! wasmtime-wasi-http's own network sender ([`Transport::Network`]) to a
//! loopback stand-in that misbehaves in one scripted way per test. Each test
//! checks what reached the stand-in and the typed result: a request that was
//! handed over in full is never reported as failed while the provider
//! answered, and a lost answer to a request that acts is `outcome-unknown`
//! (a read's is `timeout` / `transport`, safe to retry).

use super::common::host;
use host_test::bindings::exports::telephony::pbx::{ringme, tring};
use host_test::{PbxError as Error, Transport};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const KEY: &str = "faults-SECRET-bearer-5e1f";

/// What the stand-in does with each connection.
#[derive(Clone, Copy)]
enum Script {
    /// Reads the head only, answers 401, then reads and drops the body (as
    /// a server that drains it does).
    AnswerBeforeBody,
    /// The same, but half-closes (`shutdown(SHUT_WR)`) right after the
    /// answer, as nginx's lingering close does.
    AnswerBeforeBodyThenHalfClose,
    /// Reads the whole request, then closes without a word.
    CloseSilently,
    /// Reads the head and 64 KiB of the body, then resets (RST).
    ResetMidBody,
    /// Reads the whole request and answers `answer` with `Connection: close`.
    ConnectionClose(&'static str),
    /// Reads the whole request, waits, then answers `answer`.
    Late(Duration, &'static str),
    /// Reads the head, sends `100 Continue`, reads the body, answers `answer`.
    Continue(&'static str),
}

/// One request as the stand-in saw it: its head and how much of the
/// announced body arrived.
#[derive(Clone, Debug)]
struct Seen {
    head: String,
    announced: usize,
    received: usize,
}

impl Seen {
    fn complete(&self) -> bool {
        self.received == self.announced
    }
}

/// A loopback stand-in following `script` on every connection. Its receive
/// buffer is small (4 KiB) so that a large body cannot vanish into kernel
/// buffers before the script acts on it.
struct Standin {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Standin {
    async fn start(script: Script) -> Standin {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(64).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move { serve(stream, script, log).await });
            }
        });
        Standin { base, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Reads up to `limit` body bytes, recording how many arrived.
async fn read_body(stream: &mut TcpStream, limit: usize, log: &Mutex<Vec<Seen>>, index: usize) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut got = 0;
    while got < limit {
        let want = buf.len().min(limit - got);
        match stream.read(&mut buf[..want]).await {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
        log.lock().unwrap()[index].received = got;
    }
}

async fn serve(mut stream: TcpStream, script: Script, log: Arc<Mutex<Vec<Seen>>>) {
    // The head, byte by byte up to the blank line (small; clarity first).
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        if stream.read(&mut b).await.unwrap_or(0) == 0 {
            return;
        }
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let announced = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .unwrap_or(0usize);
    let index = {
        let mut seen = log.lock().unwrap();
        seen.push(Seen { head: head.clone(), announced, received: 0 });
        seen.len() - 1
    };
    let answer = |status: &str, body: &str, extra: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}\r\n{body}",
            body.len()
        )
    };
    match script {
        Script::AnswerBeforeBody | Script::AnswerBeforeBodyThenHalfClose => {
            let body = r#"{"message":"invalid token"}"#;
            let _ = stream.write_all(answer("401 Unauthorized", body, "Connection: close\r\n").as_bytes()).await;
            if matches!(script, Script::AnswerBeforeBodyThenHalfClose) {
                let _ = stream.shutdown().await;
            }
            // Keep reading (and dropping) what still comes, as a server that
            // has answered does, so the client sees the answer, not a reset.
            read_body(&mut stream, announced, &log, index).await;
        }
        Script::CloseSilently => {
            read_body(&mut stream, announced, &log, index).await;
            let _ = stream.shutdown().await;
        }
        Script::ResetMidBody => {
            read_body(&mut stream, 64 * 1024, &log, index).await;
            // Linger 0: the close is a reset, not an orderly end.
            // (Deprecated for blocking on drop with a timeout; zero does not block.)
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        Script::ConnectionClose(body) => {
            read_body(&mut stream, announced, &log, index).await;
            let _ = stream.write_all(answer("200 OK", body, "Connection: close\r\n").as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Script::Late(wait, body) => {
            read_body(&mut stream, announced, &log, index).await;
            tokio::time::sleep(wait).await;
            let _ = stream.write_all(answer("200 OK", body, "").as_bytes()).await;
        }
        Script::Continue(body) => {
            let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
            read_body(&mut stream, announced, &log, index).await;
            let _ = stream.write_all(answer("200 OK", body, "").as_bytes()).await;
        }
    }
}

const CALLBACK: &str = r#"{"call_api_id":"c-1","call_id":"c-2"}"#;
const EXTENSIONS: &str =
    r#"[{"id":469100,"name":"0001*101","status":"active","type":"phone","label":null,"client_id":12}]"#;

fn rm(base: &str, timeout_ms: u32) -> ringme::Config {
    ringme::Config {
        base_url: base.into(),
        auth: ringme::Auth::Bearer(KEY.into()),
        timeout_ms: Some(timeout_ms),
        max_body_bytes: None,
    }
}

fn callback() -> ringme::CallbackRequest {
    ringme::CallbackRequest { src_num: vec!["0001*101".into()], dst_num: "+74951234567".into() }
}

/// RingMe click-to-call (a POST that acts) through the network sender.
async fn click_to_call(base: &str, timeout_ms: u32) -> Result<ringme::CallbackStarted, Error> {
    let mut s = host().instance(Transport::Network).await.unwrap();
    s.pbx
        .telephony_pbx_ringme()
        .call_click_to_call(&mut s.store, &rm(base, timeout_ms), 469100, &callback())
        .await
        .unwrap()
}

/// RingMe extensions (a GET that reads) through the network sender.
async fn extensions(base: &str, timeout_ms: u32) -> Result<Vec<ringme::Extension>, Error> {
    let mut s = host().instance(Transport::Network).await.unwrap();
    s.pbx.telephony_pbx_ringme().call_extensions(&mut s.store, &rm(base, timeout_ms), None, None, None).await.unwrap()
}

/// TRiNG FAX send (a POST that acts) with a PDF of `size` bytes: far more
/// than loopback buffers hold, so the upload is still going when the
/// stand-in acts.
async fn fax(base: &str, size: usize) -> Result<String, Error> {
    let mut s = host().instance(Transport::Network).await.unwrap();
    let cfg = tring::Config {
        server: base.into(),
        api_key: KEY.into(),
        tenant: None,
        timeout_ms: Some(10_000),
        max_body_bytes: None,
    };
    let req = super::tring::fax_req(&vec![b'%'; size]);
    s.pbx.telephony_pbx_tring().call_fax_send(&mut s.store, &cfg, &req).await.unwrap()
}

#[tokio::test]
async fn an_answer_before_the_body_is_the_result() {
    let standin = Standin::start(Script::AnswerBeforeBody).await;
    // A small body (likely handed over in full) and a large one (cut short):
    // either way the provider's 401 is what the caller gets.
    match click_to_call(&standin.base, 5_000).await {
        Err(Error::Unauthorized(_)) => {}
        other => panic!("{other:?}"),
    }
    match fax(&standin.base, 8 << 20).await {
        Err(Error::Unauthorized(_)) => {}
        other => panic!("{other:?}"),
    }
    let seen = standin.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].head.starts_with("POST /pbx/proxyapi.php?"), "{}", seen[1].head);
    assert!(!seen[1].complete(), "the stand-in answered before the body: {seen:?}");
}

/// With a half-close right after the early answer, wasmtime-wasi-http 48's
/// default sender reports the connection's error and drops the answer it
/// had already read (it does not poll the response again once the
/// connection fails). The component then cannot see the 401, but what it
/// says is still true: the body was not sent in full, nothing was done
/// (`transport`), never a failure of a request the provider took, never
/// `outcome-unknown`.
#[tokio::test]
async fn an_answer_before_the_body_then_a_half_close_is_the_result_or_not_sent() {
    let standin = Standin::start(Script::AnswerBeforeBodyThenHalfClose).await;
    match fax(&standin.base, 8 << 20).await {
        Err(Error::Unauthorized(_)) => {}
        Err(Error::Transport(m)) if m.starts_with("the request was not sent in full") => {}
        other => panic!("{other:?}"),
    }
    assert!(!standin.seen()[0].complete());
}

#[tokio::test]
async fn a_close_after_the_whole_request_is_an_unknown_outcome_for_an_act() {
    let standin = Standin::start(Script::CloseSilently).await;
    match click_to_call(&standin.base, 5_000).await {
        Err(Error::OutcomeUnknown(m)) => assert!(m.contains("the provider may have acted"), "{m}"),
        other => panic!("{other:?}"),
    }
    // The stand-in had the whole request: this is the case a retry repeats.
    let seen = standin.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].head.starts_with("POST /api/ver1.0/extension/469100/callback/ HTTP/1.1"), "{}", seen[0].head);
    assert!(seen[0].complete() && seen[0].announced > 0, "{seen:?}");
    // A read that ends the same way is a plain, retryable transport error.
    match extensions(&standin.base, 5_000).await {
        Err(Error::Transport(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_reset_in_the_middle_of_the_body_is_not_delivered() {
    let standin = Standin::start(Script::ResetMidBody).await;
    match fax(&standin.base, 8 << 20).await {
        Err(Error::Transport(m)) => assert!(m.starts_with("the request was not sent in full"), "{m}"),
        other => panic!("{other:?}"),
    }
    let seen = standin.seen();
    assert_eq!(seen.len(), 1);
    assert!(!seen[0].complete(), "{seen:?}");
}

#[tokio::test]
async fn connection_close_answers_are_results() {
    let standin = Standin::start(Script::ConnectionClose(CALLBACK)).await;
    // Several in a row: each a new connection the stand-in closes after
    // answering; none may be reported as failed.
    for _ in 0..5 {
        let started = click_to_call(&standin.base, 5_000).await.expect("the provider answered 200");
        assert_eq!(started.call_api_id, "c-1");
    }
    let seen = standin.seen();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(Seen::complete));
    let standin = Standin::start(Script::ConnectionClose(EXTENSIONS)).await;
    assert_eq!(extensions(&standin.base, 5_000).await.expect("200").len(), 1);
}

#[tokio::test]
async fn an_answer_after_the_deadline_is_unknown_for_an_act_and_a_timeout_for_a_read() {
    let standin = Standin::start(Script::Late(Duration::from_millis(1_500), CALLBACK)).await;
    match click_to_call(&standin.base, 300).await {
        Err(Error::OutcomeUnknown(m)) => assert!(m.starts_with("no answer within the deadline"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(standin.seen()[0].complete());
    let standin = Standin::start(Script::Late(Duration::from_millis(1_500), EXTENSIONS)).await;
    match extensions(&standin.base, 300).await {
        Err(Error::Timeout) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_100_continue_then_the_result() {
    let standin = Standin::start(Script::Continue(CALLBACK)).await;
    let started = click_to_call(&standin.base, 5_000).await.expect("the final answer is 200");
    assert_eq!((started.call_api_id.as_str(), started.call_id.as_deref()), ("c-1", Some("c-2")));
    assert!(standin.seen()[0].complete());
}
