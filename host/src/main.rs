//! `pbx-host`: load the pbx component in wasmtime and call it.
//!
//! ```text
//! pbx-host demo                                   # every provider, built-in mock
//! pbx-host list                                   # every exported function
//! pbx-host call ringostat.sip-online              # built-in mock
//! pbx-host call ringostat.sip-online --real --auth-key KEY
//! pbx-host call ringostat.simple-callback '{"extension":"380441112233","destination":"380671112233"}'
//! pbx-host serve --addr 127.0.0.1:8080            # the HTTP gateway, built-in mock
//! pbx-host serve --real                           # the HTTP gateway, real providers
//! pbx-host load --calls 100000                    # memory over a long run
//! pbx-host standin --addr 127.0.0.1:9099          # the built-in mock over real HTTP
//! pbx-host standin --delay-ms 3000 --delay-path /sipstatus/speaking   # one slow route
//! ```

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use pbx_host::client::Client;
use pbx_host::guard::AllowedHosts;
use pbx_host::instances::Reuse;
use pbx_host::serve::{open_gateway, Gateway, ServeOptions, Server};
use pbx_host::{dynamic, FnHook, Host, HostOptions, Transport};
use pbx_mock::MockProvider;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "pbx-host",
    about = "Call the pbx component through wasmtime, against the built-in mock or a real provider"
)]
struct Cli {
    /// The component (.wasm); default: target/wasm32-wasip2/release/pbx_component.wasm.
    #[arg(long, global = true)]
    component: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Call a set of operations of every provider against the built-in mock,
    /// printing each request that went out and the typed result.
    Demo,
    /// List every exported function as interface.function.
    List,
    /// Call one function: `call ringostat.sip-online '{"cfg": {...}}'`.
    Call(Box<CallArgs>),
    /// Serve the HTTP gateway (pbx_gateway.wasm) until killed.
    Serve(Box<ServeArgs>),
    /// Run many overlapping calls through the host library against the
    /// built-in mock (not recording), printing the process's memory.
    Load(LoadArgs),
    /// Serve the built-in mock provider over real HTTP until killed (all
    /// three providers, told apart by path): a stand-in to point base URLs
    /// at, for the wasmtime CLI, `wasmtime serve` and `jco serve`.
    Standin(StandinArgs),
}

#[derive(Parser)]
struct StandinArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:9099")]
    addr: SocketAddr,
    /// Answer requests whose path starts with --delay-path only after this
    /// many milliseconds (a slow provider, for examples/node/).
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// The path prefix --delay-ms applies to (default: every path).
    #[arg(long, default_value = "/")]
    delay_path: String,
}

/// The instance limit and reuse flags of `serve` and `load`.
#[derive(Parser, Clone)]
struct InstanceArgs {
    /// Instances alive at once; requests past it wait in line.
    #[arg(long, default_value_t = pbx_host::DEFAULT_MAX_INSTANCES)]
    max_instances: u32,
    /// How long a request waits for an instance before it fails (503 from serve).
    #[arg(long, default_value_t = pbx_host::DEFAULT_QUEUE_TIMEOUT.as_millis() as u64)]
    queue_timeout_ms: u64,
    /// Requests one warm instance may serve (1: a fresh instance for each).
    /// Only requests without a credential or config of their own share instances (see the README).
    #[arg(long)]
    max_instance_reuse_count: Option<u32>,
    /// How long a warm instance may wait idle for its next request before
    /// it is dropped.
    #[arg(long, default_value_t = pbx_host::instances::DEFAULT_MAX_IDLE.as_millis() as u64)]
    max_instance_idle_ms: u64,
}

impl InstanceArgs {
    fn options(&self, default_reuse: u32) -> HostOptions {
        let max_calls = self.max_instance_reuse_count.unwrap_or(default_reuse);
        HostOptions {
            max_instances: self.max_instances,
            queue_timeout: Duration::from_millis(self.queue_timeout_ms),
            reuse: (max_calls > 1)
                .then_some(Reuse { max_calls, max_idle: Duration::from_millis(self.max_instance_idle_ms) }),
            ..HostOptions::fast()
        }
    }
}

#[derive(Parser)]
struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Send the gateway's requests to the real providers instead of the built-in mock.
    #[arg(long)]
    real: bool,
    /// The gateway component; default: target/wasm32-wasip2/release/pbx_gateway.wasm.
    #[arg(long)]
    gateway: Option<PathBuf>,
    /// How long a request's head may take to arrive (else 408, connection closed).
    #[arg(long, default_value_t = pbx_host::serve::DEFAULT_HEADER_TIMEOUT.as_millis() as u64)]
    header_timeout_ms: u64,
    /// How long a request's body may take to arrive, read before the request
    /// takes an instance (else 408, connection closed); also how long a client
    /// may leave an answer unread.
    #[arg(long, default_value_t = pbx_host::serve::DEFAULT_BODY_TIMEOUT.as_millis() as u64)]
    body_timeout_ms: u64,
    /// How long a keep-alive connection may wait for its next request.
    #[arg(long, default_value_t = pbx_host::serve::DEFAULT_IDLE_TIMEOUT.as_millis() as u64)]
    idle_timeout_ms: u64,
    /// The longest a serving thread keeps polling its sockets before it
    /// sleeps (at most 10000), adapted to how long its waits are and no
    /// longer than it has just worked: CPU for latency where requests and
    /// answers come close together (0: never poll).
    #[arg(long, default_value_t = pbx_host::serve::DEFAULT_BUSY_POLL.as_micros() as u64,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    busy_poll_us: u64,
    /// Threads serving connections, each a single-threaded runtime that
    /// keeps a connection's requests on it (default: one per core, at most
    /// 64). The 64 connections per provider are shared out between them.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=pbx_host::serve::MAX_THREADS as i64))]
    threads: Option<u16>,
    /// Serve on the main multi-thread runtime instead (the benchmark's
    /// baseline for --threads; not for use).
    #[arg(long, hide = true)]
    one_runtime: bool,
    #[command(flatten)]
    instances: InstanceArgs,
}

#[derive(Parser)]
struct LoadArgs {
    /// Calls in all.
    #[arg(long, default_value_t = 100_000)]
    calls: u64,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: u64,
    /// Send the calls as HTTP requests to the gateway served on a loopback
    /// port (`POST /v1/ringostat/sip-online` on server-held credentials)
    /// instead of through the host library.
    #[arg(long)]
    gateway: bool,
    #[command(flatten)]
    instances: InstanceArgs,
}

#[derive(Parser)]
struct CallArgs {
    /// interface.function, e.g. ringostat.extended-callback, tring.dial.
    function: String,
    /// Arguments as a JSON object keyed by parameter name. `cfg` fields may
    /// be given with the flags below instead.
    args: Option<String>,
    /// Send real HTTP instead of answering from the built-in mock (implied by
    /// --base-url and --server).
    #[arg(long)]
    real: bool,
    /// Print the requests the mock received.
    #[arg(long, short)]
    verbose: bool,
    /// cfg.auth-key (Ringostat).
    #[arg(long)]
    auth_key: Option<String>,
    /// cfg.base-url (Ringostat, RingMe).
    #[arg(long)]
    base_url: Option<String>,
    /// cfg.server (TRiNG).
    #[arg(long)]
    server: Option<String>,
    /// cfg.api-key (TRiNG).
    #[arg(long)]
    api_key: Option<String>,
    /// cfg.tenant (TRiNG).
    #[arg(long)]
    tenant: Option<String>,
    /// RingMe application client id (cfg.auth = app).
    #[arg(long)]
    client_id: Option<String>,
    /// RingMe application client secret (cfg.auth = app).
    #[arg(long)]
    client_secret: Option<String>,
    /// RingMe bearer token (cfg.auth = bearer).
    #[arg(long)]
    token: Option<String>,
    /// cfg.timeout-ms.
    #[arg(long)]
    timeout_ms: Option<u32>,
    /// cfg.max-body-bytes (default 16 MiB, at most 256 MiB).
    #[arg(long)]
    max_body_bytes: Option<u64>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    // The CLI's arguments are its user's own: `"@path"` may read a file.
    dynamic::allow_file_arguments();
    if let Command::Standin(args) = &cli.command {
        // No component: the stand-in is the provider side only.
        let delay = (args.delay_path.clone(), Duration::from_millis(args.delay_ms));
        let standin = pbx_mock::standin::mock_delayed(MockProvider::builtin().unrecorded(), args.addr, delay).await?;
        println!("stand-in provider (built-in mock) on {}", standin.base);
        std::future::pending::<()>().await;
    }
    let path = cli.component.unwrap_or_else(pbx_host::component_path);
    let opts = match &cli.command {
        // The gateway reuses warm instances by default (requests on the
        // server-held credentials only); the library call path does not.
        Command::Serve(a) => a.instances.options(Reuse::default().max_calls),
        Command::Load(a) => a.instances.options(if a.gateway { Reuse::default().max_calls } else { 1 }),
        _ => HostOptions::fast(),
    };
    let host = Host::load(&path, &opts)?;
    match cli.command {
        Command::Serve(args) => serve(host, &opts, &args).await?,
        Command::Load(args) => load(host, &opts, &args).await?,
        Command::List => {
            for f in dynamic::list_functions(&host.engine, &host.component) {
                println!("{f}");
            }
        }
        Command::Demo => {
            demo(&host).await?;
            demo_gateway(&host, &opts).await?;
        }
        // Served above, before the component is loaded.
        Command::Standin(_) => {}
        Command::Call(args) => {
            let real = args.real || args.base_url.is_some() || args.server.is_some();
            let mock = MockProvider::builtin();
            let transport = if real {
                // The same connect-time egress check as `serve --real`, from
                // this process's PBX_ALLOWED_HOSTS.
                let env: Vec<(String, String)> = std::env::vars().collect();
                Transport::guarded(Arc::new(AllowedHosts::from_env(&env)?))
            } else {
                mock_transport(mock.clone())
            };
            let mut call_args: Value = match &args.args {
                Some(s) => serde_json::from_str(s)?,
                None => json!({}),
            };
            fill_cfg(&args.function, &mut call_args, &args, !real)?;
            let result = invoke(&host, transport, &args.function, &call_args).await?;
            if args.verbose {
                print_requests(&mock);
            }
            println!("{}", serde_json::to_string_pretty(&result)?);
        }
    }
    Ok(())
}

async fn invoke(host: &Host, transport: Transport, function: &str, args: &Value) -> Result<Value> {
    let (mut store, instance) = host.instantiate(transport).await?;
    let func = dynamic::find(&mut store, &instance, function)?;
    dynamic::call(&mut store, func, args).await
}

/// Fills `cfg` from the flags, and with demo credentials for the mock.
fn fill_cfg(function: &str, args: &mut Value, flags: &CallArgs, mock: bool) -> Result<()> {
    let Some(obj) = args.as_object_mut() else { bail!("arguments must be a JSON object") };
    let provider = function.split('.').next().unwrap_or("");
    // The telephony functions take their config inside `account`.
    if !matches!(provider, "ringostat" | "tring" | "ringme") {
        return Ok(());
    }
    let cfg = obj.entry(pbx_convention::CONFIG_PARAM).or_insert_with(|| json!({}));
    let Some(cfg) = cfg.as_object_mut() else { bail!("cfg must be an object") };
    let set = |cfg: &mut Map<String, Value>, k: &str, v: &Option<String>, demo: &str| {
        if let Some(v) = v {
            cfg.insert(k.into(), json!(v));
        } else if mock && !demo.is_empty() {
            cfg.entry(k).or_insert(json!(demo));
        }
    };
    match provider {
        "ringostat" => {
            set(cfg, "auth-key", &flags.auth_key, "demo-auth-key");
            set(cfg, "base-url", &flags.base_url, "");
        }
        "tring" => {
            set(cfg, "server", &flags.server, "https://api.tring.nu");
            set(cfg, "api-key", &flags.api_key, "demo-api-key");
            set(cfg, "tenant", &flags.tenant, "");
        }
        "ringme" => {
            set(cfg, "base-url", &flags.base_url, "https://apiproxy.telphin.ru");
            if let Some(t) = &flags.token {
                cfg.insert("auth".into(), json!({ "bearer": t }));
            } else if flags.client_id.is_some() || flags.client_secret.is_some() {
                cfg.insert(
                    "auth".into(),
                    json!({ "app": { "client-id": flags.client_id.clone().unwrap_or_default(), "client-secret": flags.client_secret.clone().unwrap_or_default() } }),
                );
            } else if mock {
                cfg.entry("auth")
                    .or_insert(json!({ "app": { "client-id": "demo-client", "client-secret": "demo-secret" } }));
            }
        }
        _ => {}
    }
    if let Some(t) = flags.timeout_ms {
        cfg.insert("timeout-ms".into(), json!(t));
    }
    if let Some(n) = flags.max_body_bytes {
        cfg.insert("max-body-bytes".into(), json!(n));
    }
    Ok(())
}

fn print_requests(mock: &Arc<MockProvider>) {
    for r in mock.requests() {
        println!("  -> {} {}", r.method, r.url);
        for (n, v) in &r.headers {
            println!("     {n}: {v}");
        }
        if !r.body.is_empty() {
            let text = r.body_text();
            let shown: String = text.chars().take(300).collect();
            println!("     {shown}{}", if text.chars().count() > 300 { "…" } else { "" });
        }
    }
}

async fn demo(host: &Host) -> Result<()> {
    let calls = pbx_mock::ringostat::demo_calls()
        .into_iter()
        .chain(pbx_mock::tring::demo_calls())
        .chain(pbx_mock::ringme::demo_calls())
        .chain(pbx_mock::telephony::demo_calls());
    let mut failures = 0;
    for (function, mut args) in calls {
        let mock = MockProvider::builtin();
        let flags = CallArgs::parse_from(["call", function]);
        fill_cfg(function, &mut args, &flags, true)?;
        println!("== {function}");
        match invoke(host, mock_transport(mock.clone()), function, &args).await {
            Ok(result) => {
                print_requests(&mock);
                println!("  <- {}", serde_json::to_string(&result)?);
            }
            Err(e) => {
                failures += 1;
                println!("  !! {e:#}");
            }
        }
    }
    if failures > 0 {
        bail!("{failures} demo calls trapped");
    }
    Ok(())
}

/// Demo values for the `PBX_*` settings the environment leaves unset, used
/// only against the built-in mock (so `curl` works without any set-up).
const DEMO_SETTINGS: [(&str, &str); 8] = [
    ("PBX_GATEWAY_TOKEN", "demo-token"),
    ("PBX_RINGOSTAT_AUTH_KEY", "demo-auth-key"),
    ("PBX_TRING_SERVER", "https://api.tring.nu"),
    ("PBX_TRING_API_KEY", "demo-api-key"),
    ("PBX_RINGME_BASE_URL", "https://apiproxy.telphin.ru"),
    ("PBX_RINGME_CLIENT_ID", "demo-client"),
    ("PBX_RINGME_CLIENT_SECRET", "demo-secret"),
    ("PBX_TIMEOUT_MS", "10000"),
];

/// The `PBX_*` variables of this process, with [`DEMO_SETTINGS`] filled in
/// when `demo` (the mock) and the variable is unset.
fn gateway_env(demo: bool) -> Vec<(String, String)> {
    demo_env(std::env::vars().filter(|(k, _)| k.starts_with("PBX_")).collect(), demo)
}

/// `env` with [`DEMO_SETTINGS`] filled in when `demo`, except the demo
/// token when `PBX_GATEWAY_AUTH` is set: whoever set it chose how the
/// gateway authenticates (`none`: an open gateway, loopback only).
fn demo_env(mut env: Vec<(String, String)>, demo: bool) -> Vec<(String, String)> {
    if demo {
        let auth_chosen = env.iter().any(|(k, v)| k == "PBX_GATEWAY_AUTH" && !v.is_empty());
        for (k, v) in DEMO_SETTINGS {
            if k == "PBX_GATEWAY_TOKEN" && auth_chosen {
                continue;
            }
            if !env.iter().any(|(n, _)| n == k) {
                env.push((k.into(), v.into()));
            }
        }
    }
    env
}

async fn serve(host: Host, opts: &HostOptions, args: &ServeArgs) -> Result<()> {
    let env = gateway_env(!args.real);
    // Refused before anything is loaded or bound: an open gateway on a
    // reachable address (Server::start checks it again).
    let warning = open_gateway(&env, args.addr)?;
    let transport = if args.real {
        // Checked at connect time, after resolution (DNS rebinding).
        Transport::guarded(Arc::new(AllowedHosts::from_env(&env)?))
    } else {
        mock_transport(MockProvider::builtin().unrecorded())
    };
    let path = args.gateway.clone().unwrap_or_else(pbx_host::serve::gateway_path);
    let serve_opts = ServeOptions {
        header_timeout: Duration::from_millis(args.header_timeout_ms),
        body_timeout: Duration::from_millis(args.body_timeout_ms),
        idle_timeout: Duration::from_millis(args.idle_timeout_ms),
        busy_poll: Duration::from_micros(args.busy_poll_us),
        ..ServeOptions::new(env.clone(), transport)
    };
    let gateway = Gateway::load(&host, &path, opts, serve_opts)?;
    let threads = match args.threads {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()).min(pbx_host::serve::MAX_THREADS),
    };
    let server = if args.one_runtime {
        Server::start(Arc::new(gateway), args.addr).await?
    } else {
        Server::start_per_core(Arc::new(gateway), args.addr, threads).await?
    };
    if let Some(w) = warning {
        eprintln!("pbx-host serve: {w}");
    }
    println!("pbx-host serve: {} on http://{}", path.display(), server.addr);
    println!(
        "  provider: {}",
        if args.real { "the network (--real; connect-time check of PBX_ALLOWED_HOSTS)" } else { "the built-in mock" }
    );
    let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    println!("  settings: {}", names.join(" "));
    if env.iter().any(|(k, v)| k == "PBX_GATEWAY_TOKEN" && v == "demo-token")
        && !std::env::vars().any(|(k, _)| k == "PBX_GATEWAY_TOKEN")
    {
        println!("  demo token (mock only): curl -H 'Authorization: Bearer demo-token' ...");
    }
    if args.one_runtime {
        println!("  threads: one multi-thread runtime (--one-runtime)");
    } else {
        let poll = match args.busy_poll_us {
            0 => "busy poll off".to_string(),
            us => format!("busy poll up to {us} us before sleeping"),
        };
        println!("  threads: {threads}, each serving the connections it accepted; {poll}");
    }
    println!(
        "  clients: head within {} ms, body within {} ms (read before an instance is taken), idle keep-alive {} ms",
        args.header_timeout_ms, args.body_timeout_ms, args.idle_timeout_ms
    );
    match opts.reuse {
        Some(r) => println!(
            "  instances: at most {}; warm reuse up to {} requests each, only for requests without a credential or config of their own",
            opts.max_instances, r.max_calls
        ),
        None => println!("  instances: at most {}; a fresh one for every request", opts.max_instances),
    }
    server.wait().await;
    Ok(())
}

/// The demo's gateway part: serve on an ephemeral loopback port, send real
/// HTTP requests, print each exchange and what reached the mock, stop.
async fn demo_gateway(host: &Host, opts: &HostOptions) -> Result<()> {
    let path = pbx_host::serve::gateway_path();
    if !path.exists() {
        bail!("the gateway {} is not built: run ./dev build (or ./dev demo)", path.display());
    }
    let mock = MockProvider::builtin();
    let serve_opts = ServeOptions::new(gateway_env(true), mock_transport(mock.clone()));
    let gateway = Gateway::load(host, &path, opts, serve_opts)?;
    let server = Server::start(Arc::new(gateway), "127.0.0.1:0".parse()?).await?;
    println!("\n== the HTTP gateway ({}) served on http://{}", path.display(), server.addr);
    let client = Client::new(server.addr);
    let token = Some("demo-token");
    let calls: Vec<(&str, &str, Option<&str>, Value)> = vec![
        ("GET", "/v1/health", None, Value::Null),
        ("POST", "/v1/ringostat/sip-online", token, json!({})),
        ("POST", "/v1/tring/count-peers", token, json!({})),
        ("POST", "/v1/ringme/extensions", token, json!({})),
        ("POST", "/v1/ringostat/sip-speaking", token, json!({"cfg": {"auth-key": "the-callers-own-key"}})),
        ("POST", "/v1/ringostat/sip-online", None, json!({})),
        ("POST", "/v1/ringostat/no-such-function", token, json!({})),
    ];
    let mut seen = 0;
    for (method, route, token, body) in calls {
        let auth = if token.is_some() { " (Authorization: Bearer demo-token)" } else { "" };
        let answer = if method == "GET" {
            println!("-> {method} {route}{auth}");
            client.get(route, token).await?
        } else {
            println!("-> {method} {route}{auth} {body}");
            client.post_json(route, token, &body).await?
        };
        for r in mock.requests().iter().skip(seen) {
            println!("   provider <- {} {}", r.method, r.url);
        }
        seen = mock.requests().len();
        let text = answer.text();
        let shown: String = text.chars().take(300).collect();
        println!("<- {} {shown}{}", answer.status, if text.chars().count() > 300 { "…" } else { "" });
    }
    server.stop().await;
    Ok(())
}

/// Peak and current resident memory of this process (kB), from /proc.
fn rss_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// One call of the load: through the library, or over HTTP to the gateway.
#[derive(Clone)]
enum LoadTarget {
    Library(Arc<Host>, Transport),
    Gateway(Box<Client>),
}

impl LoadTarget {
    /// True when the call answered `{"ok": ...}`.
    async fn call(self) -> bool {
        match self {
            LoadTarget::Library(host, transport) => {
                let args = json!({"cfg": {"auth-key": "load-key"}});
                host.call(&transport, "ringostat.sip-online", &args).await.is_ok_and(|v| v.get("ok").is_some())
            }
            LoadTarget::Gateway(client) => client
                .post_json("/v1/ringostat/sip-online", Some("demo-token"), &json!({}))
                .await
                .is_ok_and(|a| a.status == 200 && a.json().get("ok").is_some()),
        }
    }
}

async fn load(host: Host, opts: &HostOptions, args: &LoadArgs) -> Result<()> {
    let host = Arc::new(host);
    let mock = MockProvider::builtin().unrecorded();
    let transport = mock_transport(mock.clone());
    let mut server = None;
    let target = if args.gateway {
        let serve_opts = ServeOptions::new(gateway_env(true), transport.clone());
        let gateway = Gateway::load(&host, &pbx_host::serve::gateway_path(), opts, serve_opts)?;
        let s = Server::start(Arc::new(gateway), "127.0.0.1:0".parse()?).await?;
        let client = Client::new(s.addr);
        server = Some(s);
        LoadTarget::Gateway(Box::new(client))
    } else {
        LoadTarget::Library(host.clone(), transport.clone())
    };
    let report = |done: u64| {
        let (peak, now) = rss_kb();
        println!("after {done:>7} calls: peak RSS {peak} kB, RSS {now} kB, mock served {}", mock.served());
    };
    report(0);
    let mut checkpoints: Vec<u64> = [args.calls / 10, args.calls].into_iter().filter(|&c| c > 0).collect();
    checkpoints.dedup();
    let mut set = tokio::task::JoinSet::new();
    let (mut started, mut done, mut failed) = (0u64, 0u64, 0u64);
    let start = std::time::Instant::now();
    while done < args.calls {
        while started < args.calls && (started - done) < args.concurrency {
            set.spawn(target.clone().call());
            started += 1;
        }
        if !matches!(set.join_next().await, Some(Ok(true))) {
            failed += 1;
        }
        done += 1;
        if checkpoints.first() == Some(&done) {
            checkpoints.remove(0);
            report(done);
        }
    }
    if let Some(s) = server {
        s.stop().await;
    }
    println!(
        "{done} calls{}, {} in flight, {failed} failed, {:.1} s ({} profile)",
        if args.gateway { " over HTTP to the gateway" } else { "" },
        args.concurrency,
        start.elapsed().as_secs_f64(),
        if cfg!(debug_assertions) { "dev" } else { "release" }
    );
    if failed > 0 {
        bail!("{failed} calls failed");
    }
    Ok(())
}

/// A transport whose requests `mock` answers (the built-in mock); nothing
/// leaves the process.
fn mock_transport(mock: Arc<MockProvider>) -> Transport {
    let key = pbx_mock::wasi::key(&mock);
    Transport::Hook(Arc::new(FnHook::new(key, move |request, options| {
        pbx_mock::wasi::send(mock.clone(), request, options)
    })))
}
