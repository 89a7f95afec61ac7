//! The oracles: the checks every built request and every error must pass
//! (no injected parameter, no secret in any encoding), the answers echoed
//! and mutated from each request, and the runner of each target.

use super::calls::*;
use super::gen::*;
use super::prelude::*;

std::thread_local! {
    /// Requests that passed validation and were built (and checked), per
    /// thread (each test runs on its own).
    pub static SENT: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// `%XX` for every byte but the unreserved ones (`plus`: space as `+`).
pub fn pct(s: &str, upper: bool, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' if plus => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => out.push(b as char),
            b if upper => out.push_str(&format!("%{b:02X}")),
            b => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

/// A JSON string's content, `/` escaped and (`ascii`) every non-ASCII
/// character as `\uXXXX` (surrogate pairs beyond the BMP).
pub fn json_escaped(s: &str, ascii: bool) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    let inner = quoted[1..quoted.len() - 1].replace('/', "\\/");
    if !ascii {
        return inner;
    }
    let mut out = String::new();
    for c in inner.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04X}"));
            }
        }
    }
    out
}

/// The UTF-8 bytes of `s` read as Latin-1.
pub fn latin1(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

/// Every encoding a server may echo `s` in.
pub fn encodings(s: &str) -> Vec<String> {
    vec![
        s.to_string(),
        pct(s, true, false),
        pct(s, false, false),
        pct(s, true, true),
        json_escaped(s, false),
        json_escaped(s, true),
        latin1(s),
        pct(&latin1(s), false, true),
        json_escaped(&latin1(s), true),
    ]
}

/// `s` in one encoding, chosen at random.
pub fn encode(rng: &mut Rng, s: &str) -> String {
    let forms = encodings(s);
    forms[rng.below(forms.len())].clone()
}

/// What a server echoing the request might put in its answer.
pub fn echo_of(req: &Request) -> String {
    let mut text = req.target.to_url();
    for (n, v) in req.wire_headers() {
        text.push_str(&format!("\n{n}: {v}"));
    }
    if let Some(body) = &req.body {
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&body.bytes));
    }
    text
}

/// A random answer: the echo of the request in an error template, a
/// mutated example answer, or random bytes, with a random status and headers.
pub fn answer(rng: &mut Rng, echo: &str) -> Response {
    let status = *rng.pick(STATUSES);
    let encoded = encode(rng, echo);
    let in_json = serde_json::to_string(&encoded).unwrap_or_default();
    let body: Vec<u8> = match rng.below(10) {
        0 => encoded.clone().into_bytes(),
        1 => format!("{{\"message\":{in_json}}}").into_bytes(),
        2 => format!("{{\"error\":{{\"code\":{in_json},\"message\":{in_json}}}}}").into_bytes(),
        3 => format!("{{\"Response\":\"Error\",\"Message\":{in_json}}}").into_bytes(),
        4 => format!("{{\"error\":\"invalid_client\",\"error_description\":{in_json}}}").into_bytes(),
        5 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
        _ => {
            let seed = rng.pick(SEEDS).as_bytes().to_vec();
            mutate(rng, seed, echo)
        }
    };
    let mut headers = vec![("content-type".to_string(), rng.pick(CONTENT_TYPES).as_bytes().to_vec())];
    if rng.chance(30) {
        let head: String = encoded.chars().take(40).collect();
        let v = [head.as_str(), "30", "-1", "99999999999", "Wed, 21 Oct 2015 07:28:00 GMT"];
        headers.push((rng.pick(&["retry-after", "x-ratelimit-reset"]).to_string(), rng.pick(&v).as_bytes().to_vec()));
    }
    if rng.chance(30) {
        let loc = [format!("https://evil.example/x?{encoded}"), format!("/p?{encoded}"), encoded.clone()];
        headers.push(("location".into(), rng.pick(&loc).as_bytes().to_vec()));
    }
    Response { status, headers, body }
}

/// One to four random edits of `body`.
pub fn mutate(rng: &mut Rng, mut body: Vec<u8>, echo: &str) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(body.len() + 1);
        match rng.below(6) {
            0 if !body.is_empty() => {
                let i = rng.below(body.len());
                body[i] ^= 1 << rng.below(8);
            }
            1 => body.splice(at..at, rng.pick(PIECES).bytes()).for_each(drop),
            2 => body.truncate(at),
            3 => {
                let end = (at + rng.below(16)).min(body.len());
                body.drain(at..end);
            }
            4 => {
                let piece = body[at..].iter().take(rng.below(32)).copied().collect::<Vec<_>>();
                body.splice(at..at, piece).for_each(drop);
            }
            _ => body.splice(at..at, encode(rng, echo).into_bytes()).for_each(drop),
        }
    }
    body
}

/// A request the component may send: no header, parameter, member or
/// multipart part that a value injected; a printable ASCII target.
pub fn check_request(req: &Request) {
    for (name, value) in req.wire_headers() {
        assert!(!value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)), "header {name}: {value:?}");
    }
    let auth = &req.target.authority;
    assert!(auth.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b)), "authority {auth:?}");
    let pq = &req.target.path_and_query;
    assert!(pq.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'#'), "target {pq:?}");
    let (path, query) = pq.split_once('?').unwrap_or((pq, ""));
    let decoded = crate::redact::redact_text(path, &[]);
    assert!(!decoded.contains("INJ") && !path.split('/').any(|s| s == "." || s == ".."), "path {path:?}");
    check_pairs(query);
    let Some(body) = &req.body else { return };
    let ct = body.content_type.as_str();
    if ct == "application/x-www-form-urlencoded" {
        check_pairs(core::str::from_utf8(&body.bytes).expect("a form body is ASCII"));
    } else if ct == "application/json" {
        let v: serde_json::Value = serde_json::from_slice(&body.bytes).expect("a JSON body parses");
        check_members(&v);
    } else if let Some(boundary) = ct.strip_prefix("multipart/form-data; boundary=") {
        // RFC 2046: a delimiter is `--boundary` at the start of the body or
        // after CRLF; one part means one opening and one closing delimiter.
        let delim = format!("\r\n--{boundary}");
        let b = &body.bytes;
        assert!(b.starts_with(&delim.as_bytes()[2..]), "opening delimiter");
        let closing = b.windows(delim.len()).filter(|w| *w == delim.as_bytes()).count();
        assert_eq!(closing, 1, "one part, opened and closed");
        let head_end = b.windows(4).position(|w| w == b"\r\n\r\n").expect("part headers");
        let head = String::from_utf8_lossy(&b[..head_end]);
        for line in head.split("\r\n").skip(1) {
            assert!(line.starts_with("Content-"), "multipart header {line:?}");
        }
    } else {
        panic!("unexpected body type {ct:?}");
    }
}

/// `a=1&b=2`: every name is a fixed identifier.
pub fn check_pairs(pairs: &str) {
    for pair in pairs.split('&').filter(|_| !pairs.is_empty()) {
        let name = pair.split('=').next().unwrap_or("");
        let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-[]".contains(&b));
        assert!(ok && !name.contains("INJ"), "parameter {name:?} in {pairs:?}");
    }
}

pub fn check_members(v: &serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                assert!(!k.contains("INJ"), "member {k:?}");
                check_members(v);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(check_members),
        _ => {}
    }
}

/// Every text of an error.
pub fn texts(e: &Error) -> Vec<&str> {
    match e {
        Error::InvalidInput(f) => vec![&f.field, &f.reason],
        Error::Unauthorized(m)
        | Error::Forbidden(m)
        | Error::NotFound(m)
        | Error::Transport(m)
        | Error::OutcomeUnknown(m)
        | Error::Decode(m) => {
            vec![m]
        }
        Error::Provider(p) => vec![&p.message, p.code.as_deref().unwrap_or("")],
        Error::RateLimited(_) | Error::Timeout | Error::TooLarge(_) => vec![],
    }
}

/// An error the component returns: short, printable, and without any
/// secret in any encoding, nor 8 consecutive characters of one.
pub fn check_error(e: &Error, secrets: &[String]) {
    let debug = format!("{e:?}");
    let texts_only = texts(e).len();
    for (i, text) in texts(e).into_iter().chain([debug.as_str()]).enumerate() {
        for s in secrets {
            for form in encodings(s) {
                assert!(!text.contains(&form), "secret {s:?} as {form:?} in {text:?}");
            }
            // Runs in the texts themselves (the Debug form's closing quote
            // could complete a run of 7 that a text legitimately ends with).
            let chars: Vec<char> = s.chars().collect();
            for run in chars.windows(8).filter(|_| i < texts_only) {
                let run: String = run.iter().collect();
                assert!(!text.contains(&run), "8 characters {run:?} of {s:?} in {text:?}");
            }
        }
    }
    for text in texts(e) {
        assert!(text.chars().count() <= crate::redact::MAX_MESSAGE_CHARS + 12, "{text:?}");
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
}

pub fn case_seed(name: &str, i: usize) -> u64 {
    // FNV-1a of the name, mixed with the iteration.
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    seed() ^ h ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Runs `one` for every iteration of `name`; a panic names the input.
pub fn run(name: &str, mut one: impl FnMut(u64)) -> usize {
    let n = iterations();
    for i in 0..n {
        let case = case_seed(name, i);
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| one(case))) {
            TEST_ANSWER.with(|h| h.borrow_mut().take());
            eprintln!("fuzz: {name} failed at iteration {i} (case seed {case}, PBX_FUZZ_SEED {})", seed());
            resume_unwind(p);
        }
    }
    n
}

/// Every exported function of one interface, with hostile arguments and
/// answers.
pub fn drive<C>(calls: &[Call<C>], config: fn(&mut Gen) -> C) -> String {
    let mut tried = 0;
    let sent = SENT.get();
    for (name, f) in calls {
        tried += run(name, |case| {
            let mut g = Gen { rng: Rng::new(case), secrets: Vec::new() };
            let cfg = config(&mut g);
            let mut rng = Rng::new(case.rotate_left(17));
            TEST_ANSWER.with(|h| {
                *h.borrow_mut() = Some(Box::new(move |req: &Request| {
                    check_request(req);
                    SENT.set(SENT.get() + 1);
                    let echo = echo_of(req);
                    if rng.chance(8) {
                        let code = wasi::http::types::ErrorCode::InternalError(Some(format!("cannot reach {echo}")));
                        return Err(crate::http::describe_error_code(&code));
                    }
                    Ok(answer(&mut rng, &echo))
                }))
            });
            let result = f(&mut g, cfg);
            TEST_ANSWER.with(|h| h.borrow_mut().take());
            if let Err(e) = result {
                check_error(&e, &g.secrets);
            }
        });
    }
    format!("{tried} inputs, {} requests built and checked", SENT.get() - sent)
}
