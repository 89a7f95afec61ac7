//! The OpenAPI document as clients meet it: the document the served gateway
//! gives (`GET /v1/openapi.json`) must pass three validators with no error
//! (openapi-spec-validator; Redocly `lint` on its `recommended` rules;
//! Spectral on `spectral:oas`), and a client generated from it
//! (openapi-python-client) must parse every answer the gateway gives: a
//! success of every route and an error answer of every status the gateway
//! produces, recorded raw (status, headers, body) from an end-to-end run
//! against the mock provider, each fed to the generated parser of its route
//! (`tests/clients/parse_answers.py`). A document that declares a shape the
//! gateway does not send (or the reverse) fails here.
//!
//! The tools are pinned and installed by `./dev test` (or `./dev
//! client-tools`) under `target/tools/` (`$PBX_CLIENT_TOOLS` names another
//! folder); without them this test prints `SKIPPED` and passes, unless
//! `PBX_REQUIRE_CLIENTS=1` (set by `./dev test`). Every check runs even when
//! an earlier one fails, and the failure lists them all; the document, the
//! answers and the generated client stay in the work folder it names.
//! To run only these checks (after `./dev build` and `./dev client-tools`):
//! `cargo test --workspace --test it clients -- --nocapture`.

mod samples;

use super::gateway::{server_env, Served, CALLER_RINGOSTAT_KEY, TOKEN};
use host_test::kit::client::Answer;
use host_test::kit::mock::{ringme, ringostat, telephony, tring, MockProvider, MockResponse};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The tools folder, or `None` (after printing why) when a tool is missing.
fn tools() -> Option<PathBuf> {
    let dir = host_test::built_wasm(std::env::var_os("PBX_CLIENT_TOOLS"), "target/tools");
    let needed = [
        "openapi-py/openapi_spec_validator",
        "openapi-py/openapi_python_client",
        "openapi-js/node_modules/.bin/redocly",
        "openapi-js/node_modules/.bin/spectral",
    ];
    let missing: Vec<&str> = needed.iter().copied().filter(|p| !dir.join(p).exists()).collect();
    if missing.is_empty() {
        return Some(dir);
    }
    let why = format!(
        "no OpenAPI client tools in {} (missing {missing:?}): `./dev client-tools` installs them",
        dir.display()
    );
    assert!(std::env::var_os("PBX_REQUIRE_CLIENTS").is_none(), "{why} (PBX_REQUIRE_CLIENTS is set)");
    println!("SKIPPED ({why})");
    None
}

/// The mock: the built-in answers, and on `https://p.example/<case>/` the
/// provider failures whose gateway statuses the run records.
fn mock() -> std::sync::Arc<MockProvider> {
    MockProvider::new(|r| {
        let path = r.path();
        if r.url.starts_with("https://p.example/") {
            return match path.split('/').nth(1).unwrap_or_default() {
                "missing" => MockResponse::json(404, r#"{"message":"Not found"}"#),
                "limited" => MockResponse::json(429, r#"{"message":"slow down"}"#).header("Retry-After", "7"),
                "slow" => MockResponse::json(200, "[]").delayed(Duration::from_millis(400)),
                "denied" => MockResponse::json(401, r#"{"message":"Unauthorized"}"#),
                _ => MockResponse::json(500, r#"{"message":"internal"}"#),
            };
        }
        let answer = if path.ends_with("/pbx/proxyapi.php") {
            tring::answer(r)
        } else if path.contains("/api/ver1.0/") || path.ends_with("/oauth/token") {
            ringme::answer(r)
        } else {
            ringostat::answer(r)
        };
        answer.unwrap_or_else(|| MockResponse::json(404, r#"{"message":"Not found"}"#))
    })
}

/// One recorded answer and the route whose parser reads it.
fn record(route: &str, a: &Answer) -> Value {
    let headers: serde_json::Map<String, Value> =
        a.headers.iter().map(|(n, v)| (n.to_string(), json!(v.to_str().unwrap_or_default()))).collect();
    json!({"route": route, "status": a.status, "headers": headers, "body": a.text()})
}

/// A raw HTTP/1.1 answer (read until the server closed) as a record.
fn record_raw(route: &str, raw: &str) -> Value {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers: serde_json::Map<String, Value> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), json!(v.trim())))
        .collect();
    json!({"route": route, "status": status, "headers": headers, "body": body})
}

/// The gateway tests' settings, with the providers' default hosts allowed
/// as well: the demo's telephony accounts bring their own configs naming
/// them.
fn env() -> Vec<(String, String)> {
    let defaults = ", https://api.tring.nu, https://apiproxy.telphin.ru, https://api.ringostat.net";
    server_env().into_iter().map(|(k, v)| if k == "PBX_ALLOWED_HOSTS" { (k, v + defaults) } else { (k, v) }).collect()
}

/// Every route once with arguments the mock answers (the demo's calls: the
/// server-held credentials, the telephony accounts' own), then an error
/// answer of each status.
async fn recorded_answers(work: &Path) -> (Vec<u8>, Vec<Value>) {
    let mut s = Served::start(mock(), env()).await;
    let doc = s.send("GET", "/v1/openapi.json", &[], b"").await;
    assert_eq!(doc.status, 200, "{}", doc.text());
    let mut out = vec![record("health", &s.send("GET", "/v1/health", &[], b"").await), record("openapi.json", &doc)];
    let calls = ringostat::demo_calls()
        .into_iter()
        .chain(tring::demo_calls())
        .chain(ringme::demo_calls())
        .chain(telephony::demo_calls());
    for (function, args) in calls {
        let route = function.replacen('.', "/", 1);
        let a = s.post(&route, args).await;
        out.push(record(&route, &a));
    }
    // The routes the demo leaves out or does not get a 200 from: arguments
    // made from the document.
    let doc_json: Value = serde_json::from_slice(&doc.body).expect("the document is JSON");
    for path in doc_json["paths"].as_object().expect("paths").keys() {
        let route = path.strip_prefix("/v1/").unwrap_or(path);
        if doc_json["paths"][path].get("post").is_none()
            || out.iter().any(|a| a["route"] == route && a["status"] == 200)
        {
            continue;
        }
        let a = s.post(route, samples::arguments(&doc_json, path)).await;
        out.push(record(route, &a));
    }
    // The errors: each status the gateway answers, on a route whose
    // operation declares it.
    let route = "ringostat/sip-online";
    let path = format!("/v1/{route}");
    let json_ct = ("content-type", "application/json");
    let bearer = format!("Bearer {TOKEN}");
    let auth = ("authorization", bearer.as_str());
    let cfg = |case: &str, timeout: Option<u32>| json!({"cfg": {"auth-key": CALLER_RINGOSTAT_KEY, "base-url": format!("https://p.example/{case}"), "timeout-ms": timeout}});
    let errors = [
        s.post(route, json!({"nope": 1})).await,
        s.send("POST", &path, &[json_ct, auth], b"{\"cfg\":").await,
        s.send("POST", &path, &[json_ct, auth, auth], b"{}").await,
        s.send("POST", &path, &[json_ct], b"{}").await,
        s.post(route, json!({"cfg": {"auth-key": "k", "base-url": "http://127.0.0.1:9099"}})).await,
        s.post(route, cfg("missing", None)).await,
        s.send("GET", &path, &[auth], b"").await,
        s.send("POST", &path, &[("content-type", "text/plain"), auth], b"x").await,
        s.post(route, cfg("limited", None)).await,
        s.post(route, cfg("broken", None)).await,
        s.post(route, cfg("denied", None)).await,
        s.post(route, cfg("slow", Some(100))).await,
    ];
    out.extend(errors.iter().map(|a| record(route, a)));
    // 413, answered from the declared length (only the head is sent).
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\nauthorization: {bearer}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        8 * 1024 * 1024 + 1
    );
    out.push(record_raw(route, &raw_exchange(s.addr(), head.as_bytes()).await));
    // Not `finish`: `ringme/get-token` answers a (mock) token by design.
    s.stop().await;
    // 500 (unusable settings) and 503 (no token) from gateways set up so.
    for env in [
        env().into_iter().chain([("PBX_MAX_TIMEOUT_MS".to_string(), "0".to_string())]).collect(),
        env().into_iter().filter(|(k, _)| k != "PBX_GATEWAY_TOKEN").collect::<Vec<_>>(),
    ] {
        let mut s = Served::start(mock(), env).await;
        out.push(record(route, &s.send("POST", &path, &[json_ct, auth], b"{}").await));
        s.finish().await;
    }
    let lines: Vec<String> = out.iter().map(Value::to_string).collect();
    std::fs::write(work.join("answers.jsonl"), lines.join("\n") + "\n").expect("write the answers");
    (doc.body.to_vec(), out)
}

/// Writes `bytes` on a new connection and reads the answer until the server closes it.
async fn raw_exchange(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs `cmd`; `Err` with its output when it fails.
fn run(name: &str, cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{name}: cannot run: {e}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{name} failed ({}):\n{text}", out.status))
    }
}

#[tokio::test]
async fn generated_clients_accept_the_document_and_parse_every_answer() {
    let Some(tools) = tools() else { return };
    let work = std::env::temp_dir().join(format!("pbx-clients-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work folder");
    let (doc, answers) = recorded_answers(&work).await;
    let doc_path = work.join("openapi.json");
    std::fs::write(&doc_path, &doc).expect("write the document");
    // Every route of the document answered 200 at least once.
    let doc_json: Value = serde_json::from_slice(&doc).expect("JSON");
    let succeeded: Vec<&str> =
        answers.iter().filter(|a| a["status"] == 200).filter_map(|a| a["route"].as_str()).collect();
    let unserved: Vec<&String> = doc_json["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .filter(|p| !succeeded.iter().any(|r| p.strip_prefix("/v1/") == Some(r)))
        .collect();

    let py = tools.join("openapi-py");
    let js = tools.join("openapi-js/node_modules/.bin");
    let path = format!("{}:{}", py.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    let python = |args: &[&str]| {
        let mut c = Command::new("python3");
        c.args(args).env("PYTHONPATH", &py).env("PATH", &path).current_dir(&work);
        c
    };
    let node = |tool: &str, args: &[&str]| {
        let mut c = Command::new(js.join(tool));
        // No telemetry or update checks: the test runs offline.
        c.args(args)
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
            .env("NO_UPDATE_NOTIFIER", "1")
            .current_dir(&work);
        c
    };
    std::fs::write(work.join("redocly.yaml"), "extends:\n  - recommended\n").expect("redocly config");
    std::fs::write(work.join(".spectral.json"), r#"{"extends": ["spectral:oas"]}"#).expect("spectral ruleset");
    let doc_arg = doc_path.to_str().expect("UTF-8 path");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/parse_answers.py");
    let mut results = vec![
        run(
            "openapi-spec-validator",
            &mut python(&[
                "-c",
                "import json, sys; from openapi_spec_validator import validate; \
                 validate(json.load(open(sys.argv[1]))); print('valid')",
                doc_arg,
            ]),
        ),
        run("redocly lint", &mut node("redocly", &["lint", doc_arg, "--config", "redocly.yaml"])),
        run(
            "spectral lint",
            &mut node("spectral", &["lint", doc_arg, "--ruleset", ".spectral.json", "--fail-severity", "error"]),
        ),
    ];
    let generated = run(
        "openapi-python-client generate",
        &mut python(&[
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            doc_arg,
            "--output-path",
            "client",
            "--meta",
            "none",
            "--overwrite",
        ]),
    );
    let generated_ok = generated.is_ok();
    results.push(generated);
    if generated_ok {
        let script = script.to_str().expect("UTF-8 path");
        results.push(run("parse_answers.py", &mut python(&[script, "client", "answers.jsonl"])));
    }
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    for f in &failures {
        println!("{f}\n");
    }
    assert!(unserved.is_empty(), "routes with no successful answer recorded: {unserved:?}");
    assert!(
        failures.is_empty(),
        "{} client checks failed (work folder {}):\n{}",
        failures.len(),
        work.display(),
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&work);
}
