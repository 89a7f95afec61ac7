//! Spin for real: `spin up` on the manifests of `examples/spin/` as they are
//! (not copies), pointed at the built-in mock served over real HTTP the way a
//! user points them at a provider: Spin variables (`SPIN_VARIABLE_*`) and
//! `spin up --env`. One Spin per manifest, reused across its checks.
//!
//! - `examples/spin/gateway/spin.toml` (pbx_gateway_spin.wasm, its settings
//!   in Spin variables through adapters/spin-env): a server-held route of
//!   each provider, the bytes that reached the stand-in, the token from
//!   `SPIN_VARIABLE_PBX_GATEWAY_TOKEN`, Spin's refusal of an unlisted host,
//!   and the RingMe token cost of Spin's fresh instance per request;
//! - `examples/spin/dependency/spin.toml`: Spin composes pbx_component.wasm
//!   into the uncomposed gateway face and into examples/spin-app.
//!
//! Spin is `$SPIN`, else `../shared/tools/spin/spin` beside the repository
//! (where this project's machines and CI keep Spin 4.0.2; no registry
//! carries it), else `spin` on `PATH`. Without one each test prints
//! `SKIPPED (no Spin ...)` and returns, so a machine without Spin can run
//! the rest of the suite; `PBX_REQUIRE_SPIN=1` turns that into a failure
//! (for CI, where Spin must be there).

use host_test::kit::client::Client;
use host_test::kit::mock::{ringme, MockProvider};
use host_test::kit::standin;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "spin-gateway-token-5d1c";
const RINGOSTAT_KEY: &str = "demo-auth-key";
const TRING_KEY: &str = "demo-api-key";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Spin binary (see the module doc), or `None` after printing why.
pub fn spin_cli() -> Option<PathBuf> {
    let found = std::env::var_os("SPIN")
        .map(PathBuf::from)
        .or_else(|| Some(repo().join("../shared/tools/spin/spin")).filter(|p| p.exists()))
        .or_else(|| {
            std::env::var_os("PATH")
                .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("spin")).find(|p| p.exists()))
        });
    if found.is_none() {
        let why = "no Spin: set SPIN, or keep Spin 4 at ../shared/tools/spin/spin or on PATH";
        assert!(std::env::var_os("PBX_REQUIRE_SPIN").is_none(), "{why} (PBX_REQUIRE_SPIN is set)");
        println!("SKIPPED ({why})");
    }
    found
}

/// A running `spin up`; killed when dropped.
pub struct Spin {
    child: Child,
    /// Where it serves.
    pub addr: SocketAddr,
    dir: PathBuf,
}

impl Spin {
    /// `spin up -f MANIFEST` on a free port with `vars` as `SPIN_VARIABLE_*`
    /// and `env` as `--env`; logs and state in a temporary folder (not beside
    /// the manifest). Waits until `/v1/health` answers.
    pub async fn up(cli: &Path, manifest: &str, vars: &[(&str, &str)], env: &[(&str, &str)]) -> Spin {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let dir = std::env::temp_dir().join(format!("pbx-spin-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new(cli);
        cmd.arg("up")
            .arg("-f")
            .arg(repo().join(manifest))
            .args(["--listen", &addr.to_string()])
            .arg("--log-dir")
            .arg(dir.join("logs"))
            .arg("--state-dir")
            .arg(dir.join("state"));
        for (k, v) in env {
            cmd.args(["--env", &format!("{k}={v}")]);
        }
        for (k, v) in vars {
            cmd.env(format!("SPIN_VARIABLE_{}", k.to_ascii_uppercase()), v);
        }
        let out = std::fs::File::create(dir.join("spin.out")).unwrap();
        cmd.stdout(out.try_clone().unwrap()).stderr(out).stdin(Stdio::null());
        // A process group of its own: `spin up` runs the app in a child
        // (`spin trigger http`), which outlived a kill of `spin up` alone
        // (three per run of the suite, still serving).
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut spin = Spin { child: cmd.spawn().expect("start spin"), addr, dir };
        let client = Client::new(addr);
        let start = Instant::now();
        loop {
            if let Some(status) = spin.child.try_wait().unwrap() {
                panic!("spin up exited ({status}): {}", spin.output());
            }
            if client.get("/v1/health", None).await.is_ok_and(|a| a.status == 200) {
                return spin;
            }
            // The first start compiles the components (Spin caches them).
            assert!(start.elapsed() < Duration::from_secs(180), "spin up did not serve: {}", spin.output());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The bytes of every file in Spin's state folder (its key-value
    /// database).
    pub fn state_bytes(&self) -> Vec<u8> {
        fn walk(dir: &Path, out: &mut Vec<u8>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.extend(std::fs::read(&p).unwrap_or_default());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.dir.join("state"), &mut out);
        out
    }

    /// Spin's own output and every component log, for messages and for the
    /// check that no secret was written.
    pub fn output(&self) -> String {
        let mut text = std::fs::read_to_string(self.dir.join("spin.out")).unwrap_or_default();
        if let Ok(logs) = std::fs::read_dir(self.dir.join("logs")) {
            for e in logs.flatten() {
                text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
        text
    }
}

impl Drop for Spin {
    fn drop(&mut self) {
        // The whole group: `spin up` and the trigger it runs.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The gateway manifest's variables, every provider at the stand-in `base`.
pub fn gateway_vars(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("pbx_gateway_token", TOKEN.into()),
        ("pbx_ringostat_auth_key", RINGOSTAT_KEY.into()),
        ("pbx_ringostat_base_url", base.into()),
        ("pbx_tring_server", base.into()),
        ("pbx_tring_api_key", TRING_KEY.into()),
        ("pbx_tring_tenant", "DEMO".into()),
        ("pbx_ringme_base_url", base.into()),
        ("pbx_ringme_client_id", ringme::CLIENT_ID.into()),
        ("pbx_ringme_client_secret", ringme::CLIENT_SECRET.into()),
    ]
}

fn borrowed<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Dropping a `Spin` ends what it started: its address stops answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_spin_leaves_nothing_serving() {
    let Some(cli) = spin_cli() else { return };
    let s = standin::mock(MockProvider::builtin(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let spin = Spin::up(&cli, "examples/spin/gateway/spin.toml", &borrowed(&gateway_vars(&s.base)), &[]).await;
    let addr = spin.addr;
    drop(spin);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "something still serves on {addr} after spin was stopped");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_manifest_serves_each_provider_from_spin_variables() {
    let Some(cli) = spin_cli() else { return };
    let mock = MockProvider::builtin();
    let s = standin::mock(mock.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    // Not in the manifest's allowed_outbound_hosts (another port).
    let unlisted_mock = MockProvider::builtin();
    let unlisted = standin::mock(unlisted_mock.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut vars = gateway_vars(&s.base);
    // The gateway's own allow-list (PBX_ALLOWED_HOSTS, where the gateway
    // has one) names the unlisted stand-in too, so what refuses it below is
    // Spin's allowed_outbound_hosts, the layer under test.
    vars.push(("pbx_allowed_hosts", format!("{},{}", s.base, unlisted.base)));
    let spin = Spin::up(&cli, "examples/spin/gateway/spin.toml", &borrowed(&vars), &[]).await;
    let c = Client::new(spin.addr);
    let mut answers = String::new();

    // The token comes from SPIN_VARIABLE_PBX_GATEWAY_TOKEN: without it (or
    // with another) nothing is sent.
    let a = c.post_json("/v1/ringostat/sip-online", None, &json!({})).await.unwrap();
    assert_eq!(a.status, 401, "{}", a.text());
    let a = c.post_json("/v1/ringostat/sip-online", Some("not-the-token"), &json!({})).await.unwrap();
    assert_eq!(a.status, 401, "{}", a.text());
    assert!(mock.requests().is_empty());

    // Ringostat, server-held.
    let a = c.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(
        a.json()["ok"],
        serde_json::from_str::<Value>(host_test::kit::mock::example("ringostat.sip-online")).unwrap()
    );
    answers.push_str(&a.text());
    let log = mock.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path_and_query, "/sipstatus/online");
    assert_eq!(log[0].header("auth-key"), Some(RINGOSTAT_KEY));

    // TRiNG, server-held (key and tenant from their variables).
    let a = c.post_json("/v1/tring/count-peers", Some(TOKEN), &json!({})).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(a.json()["ok"]["total"].is_number(), "{}", a.text());
    answers.push_str(&a.text());
    let log = mock.requests();
    assert_eq!(log.len(), 2);
    assert!(log[1].path_and_query.starts_with("/pbx/proxyapi.php?"), "{}", log[1].url);
    assert_eq!(log[1].query_value("key").as_deref(), Some(TRING_KEY));
    assert_eq!(log[1].query_value("reqtype").as_deref(), Some("COUNTPEERS"));
    assert_eq!(log[1].query_value("tenant").as_deref(), Some("DEMO"));

    // RingMe, server-held `app` auth. Spin makes an instance per request, so
    // the library's in-memory token never survives; the Spin build keeps it
    // in Spin's key-value store (`key_value_stores = ["default"]`): one token
    // request, then only the calls.
    const RINGME_CALLS: usize = 3;
    for _ in 0..RINGME_CALLS {
        let a = c.post_json("/v1/ringme/client-info", Some(TOKEN), &json!({})).await.unwrap();
        assert_eq!(a.status, 200, "{}", a.text());
        answers.push_str(&a.text());
    }
    let log = mock.requests();
    let ringme_log = &log[2..];
    let tokens = ringme_log.iter().filter(|r| r.path() == "/oauth/token").count();
    let calls = ringme_log.iter().filter(|r| r.path().starts_with("/api/ver1.0/client/@me/client")).count();
    println!(
        "spin: {RINGME_CALLS} ringme/client-info calls reached the stand-in as {} requests ({tokens} token, {calls} calls)",
        ringme_log.len()
    );
    assert_eq!((tokens, calls, ringme_log.len()), (1, RINGME_CALLS, 1 + RINGME_CALLS));
    assert_eq!(ringme_log[0].path(), "/oauth/token");
    let form = host_test::kit::mock::decode_pairs(&ringme_log[0].body_text());
    assert!(form.contains(&("client_id".into(), ringme::CLIENT_ID.into())), "{form:?}");
    assert!(form.contains(&("client_secret".into(), ringme::CLIENT_SECRET.into())), "{form:?}");
    for call in &ringme_log[1..] {
        assert_eq!(call.header("authorization"), Some(format!("Bearer {}", ringme::ACCESS_TOKEN).as_str()));
    }
    // The store holds the token sealed: neither it nor a credential is
    // readable in Spin's state (its key-value database included).
    let state = spin.state_bytes();
    assert!(!state.is_empty(), "Spin's state folder is empty: no store written");
    for secret in [ringme::ACCESS_TOKEN, ringme::CLIENT_SECRET, ringme::CLIENT_ID] {
        assert!(!state.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} readable in Spin's state");
    }

    // A caller's own config naming a host the manifest does not list: Spin
    // refuses it before any byte leaves (`transport`, 502).
    let cfg = json!({"cfg": {"auth-key": "callers-key", "base-url": unlisted.base}});
    let a = c.post_json("/v1/ringostat/sip-online", Some(TOKEN), &cfg).await.unwrap();
    assert_eq!(a.status, 502, "{}", a.text());
    assert_eq!(a.json()["kind"], "transport", "{}", a.text());
    assert!(unlisted_mock.requests().is_empty());
    assert_eq!(unlisted.connections(), 0);
    answers.push_str(&a.text());

    // The gateway's own rules under Spin: a host the allow-list
    // (`pbx_allowed_hosts`) does not name, or a loopback address spelled
    // otherwise, is refused by the gateway itself (403), nothing sent.
    for base in ["http://127.0.0.1:1", "http://2130706433:1", "http://[::ffff:127.0.0.1]:1"] {
        let cfg = json!({"cfg": {"auth-key": "callers-key", "base-url": base}});
        let a = c.post_json("/v1/ringostat/sip-online", Some(TOKEN), &cfg).await.unwrap();
        assert_eq!((a.status, a.json()["kind"].as_str()), (403, Some("host-not-allowed")), "{}", a.text());
        answers.push_str(&a.text());
    }
    assert!(unlisted_mock.requests().is_empty());

    // No secret in any answer, nor in Spin's output or the component logs.
    let output = spin.output();
    for secret in [TOKEN, RINGOSTAT_KEY, TRING_KEY, ringme::CLIENT_SECRET, ringme::ACCESS_TOKEN] {
        assert!(!answers.contains(secret), "an answer holds a secret: {answers}");
        assert!(!output.contains(secret), "Spin's output holds a secret: {output}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_ringme_token_refused_with_401_is_replaced_once() {
    let Some(cli) = spin_cli() else { return };
    // The builtin mock, except that the second API call is refused with 401
    // (the stored token revoked before its expiry).
    let api_calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = api_calls.clone();
    let mock = MockProvider::new(move |req| {
        if req.path().contains("/api/ver1.0/") && seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            return host_test::kit::mock::MockResponse::json(401, r#"{"error":"invalid_token"}"#);
        }
        ringme::answer(req).expect("a RingMe path")
    });
    let s = standin::mock(mock.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let vars = gateway_vars(&s.base);
    let spin = Spin::up(&cli, "examples/spin/gateway/spin.toml", &borrowed(&vars), &[]).await;
    let c = Client::new(spin.addr);
    for _ in 0..2 {
        let a = c.post_json("/v1/ringme/client-info", Some(TOKEN), &json!({})).await.unwrap();
        assert_eq!(a.status, 200, "{}", a.text());
    }
    let paths: Vec<String> = mock.requests().iter().map(|r| r.path().to_string()).collect();
    // Call 1: a token, the call (stored). Call 2: the stored token, refused;
    // a fresh token; the call again.
    let api = "/api/ver1.0/client/@me/client/";
    assert_eq!(paths, ["/oauth/token", api, api, "/oauth/token", api], "{paths:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_manifest_refuses_to_start_without_a_token() {
    let Some(cli) = spin_cli() else { return };
    let dir = std::env::temp_dir().join(format!("pbx-spin-notoken-{}", std::process::id()));
    let out = Command::new(cli)
        .arg("up")
        .arg("-f")
        .arg(repo().join("examples/spin/gateway/spin.toml"))
        .args(["--listen", "127.0.0.1:0"])
        .arg("--log-dir")
        .arg(dir.join("logs"))
        .arg("--state-dir")
        .arg(dir.join("state"))
        .env_remove("SPIN_VARIABLE_PBX_GATEWAY_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("run spin");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("pbx_gateway_token"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependency_manifest_spin_composes_the_library() {
    let Some(cli) = spin_cli() else { return };
    let mock = MockProvider::builtin();
    let s = standin::mock(mock.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    // The allowed host from the variable, the settings from `--env` (the
    // uncomposed face and the app read wasi:cli/environment only).
    let spin = Spin::up(
        &cli,
        "examples/spin/dependency/spin.toml",
        &[("pbx_ringostat_base_url", &s.base)],
        &[("PBX_GATEWAY_TOKEN", TOKEN), ("PBX_RINGOSTAT_AUTH_KEY", RINGOSTAT_KEY), ("PBX_RINGOSTAT_BASE_URL", &s.base)],
    )
    .await;
    let c = Client::new(spin.addr);

    // The uncomposed gateway face, the library plugged in by Spin.
    let a = c.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.text());
    let expected: Value = serde_json::from_str(host_test::kit::mock::example("ringostat.sip-online")).unwrap();
    assert_eq!(a.json()["ok"], expected);

    // examples/spin-app, the library plugged in by Spin.
    let a = c.get("/sip-online", None).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["ok"], expected, "{}", a.text());

    let log = mock.requests();
    assert_eq!(log.len(), 2);
    for r in &log {
        assert_eq!((r.method.as_str(), r.path_and_query.as_str()), ("GET", "/sipstatus/online"));
        assert_eq!(r.header("auth-key"), Some(RINGOSTAT_KEY));
    }
}

/// The figures of BENCHMARKS.md ("Spin"): the gateway's
/// `POST /v1/ringostat/sip-online` (server-held key) under `spin up`,
/// `wasmtime serve` and `pbx-host serve`, in one run against one stand-in
/// (the benchmark's `sip_online` stand-in): p50 at 1 connection, throughput
/// at 16. Not part of the suite (it takes a minute of both cores):
/// `cargo test --workspace --test it spin::figures -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement; run by hand (see the doc)"]
async fn figures() {
    use host_test::kit::pooled::{pooled_client, PooledClient};
    use host_test::serve::{gateway_path, Gateway, ServeOptions, Server};
    use host_test::transport::full_body;
    use host_test::{cache, Host, HostOptions, Transport};
    use http_body_util::BodyExt;

    const KEY: &str = "bench-key";
    let Some(cli) = spin_cli() else { return };
    let s = standin::sip_online(KEY).await.unwrap();
    let env =
        [("PBX_GATEWAY_TOKEN", TOKEN), ("PBX_RINGOSTAT_AUTH_KEY", KEY), ("PBX_RINGOSTAT_BASE_URL", s.base.as_str())];

    // spin up, the gateway manifest as a user runs it.
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k, *v)).map(|(k, v)| (leak_lower(k), v)).collect();
    let spin = Spin::up(&cli, "examples/spin/gateway/spin.toml", &vars, &[]).await;

    // wasmtime serve (its defaults: a fresh instance per request).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let wt_addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut serve = Command::new(crate::repeat::wasmtime_cli());
    serve.args(["serve", "-S", "cli", "--addr", &wt_addr.to_string()]);
    for (k, v) in env {
        serve.args(["--env", &format!("{k}={v}")]);
    }
    let _wasmtime =
        crate::repeat::Running(serve.arg(gateway_path()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());

    // pbx-host serve, in this process, warm instances (its default) and a
    // fresh instance per request (as Spin and wasmtime serve).
    let pbx_host = |reuse: Option<host_test::instances::Reuse>| {
        let opts =
            HostOptions { pooling: true, cache_dir: Some(cache::default_dir()), reuse, ..HostOptions::default() };
        let host = Host::load(&host_test::component_path(), &opts).unwrap();
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        // The shipped transport, the stand-in named (as `--real` with
        // PBX_ALLOWED_HOSTS).
        let policy = host_test::guard::AllowedHosts::parse(Some(s.base.as_str())).unwrap();
        let serve = ServeOptions::new(env, Transport::guarded(std::sync::Arc::new(policy)));
        std::sync::Arc::new(Gateway::load(&host, &gateway_path(), &opts, serve).unwrap())
    };
    let warm = Server::start(pbx_host(Some(Default::default())), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let fresh = Server::start(pbx_host(None), "127.0.0.1:0".parse().unwrap()).await.unwrap();

    async fn call(client: &PooledClient, uri: &str) -> Duration {
        let req = hyper::Request::post(uri)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(full_body(bytes::Bytes::from_static(b"{}")))
            .unwrap();
        let t = Instant::now();
        let resp = client.request(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(body.starts_with(b"{\"ok\":["));
        t.elapsed()
    }
    let targets = [
        ("spin up (fresh instance per request)", spin.addr),
        ("wasmtime serve (fresh instance per request)", wt_addr),
        ("pbx-host serve, fresh instance per request", fresh.addr),
        ("pbx-host serve, warm instances (default)", warm.addr),
    ];
    let client = pooled_client();
    for (_, addr) in &targets {
        let uri = format!("http://{addr}/v1/ringostat/sip-online");
        let start = Instant::now();
        while Client::new(*addr).get("/v1/health", None).await.map(|a| a.status).unwrap_or(0) != 200 {
            assert!(start.elapsed() < Duration::from_secs(60), "{addr} did not serve");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for _ in 0..200 {
            call(&client, &uri).await;
        }
    }
    const N1: usize = 2_000;
    const CONCURRENCY: usize = 16;
    const N16: usize = 8_000;
    println!("| host | p50 at 1 connection | throughput at {CONCURRENCY} connections |");
    println!("|---|---|---|");
    for (name, addr) in targets {
        let uri = format!("http://{addr}/v1/ringostat/sip-online");
        let mut times = Vec::with_capacity(N1);
        for _ in 0..N1 {
            times.push(call(&client, &uri).await);
        }
        times.sort();
        let p50 = times[N1 / 2];
        let t = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CONCURRENCY {
            let (client, uri) = (client.clone(), uri.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..N16 / CONCURRENCY {
                    call(&client, &uri).await;
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let rate = N16 as f64 / t.elapsed().as_secs_f64();
        println!("| {name} | {:.1} us | {rate:.0} req/s |", p50.as_secs_f64() * 1e6);
    }
}

/// `PBX_X` -> `pbx_x`, as the `&'static str` the variable list takes.
fn leak_lower(k: &str) -> &'static str {
    Box::leak(k.to_ascii_lowercase().into_boxed_str())
}
