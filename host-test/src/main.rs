//! `pbx-host`: load the pbx component in wasmtime and call it.
//!
//! ```text
//! pbx-host demo                                   # every provider, built-in mock
//! pbx-host list                                   # every exported function
//! pbx-host call ringostat.sip-online              # built-in mock
//! pbx-host call ringostat.sip-online --real --auth-key KEY
//! pbx-host call ringostat.simple-callback '{"extension":"380441112233","destination":"380671112233"}'
//! ```

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use host_test::{dynamic, mock::MockProvider, Host, HostOptions, Transport};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "pbx-host", about = "Call the pbx component through wasmtime, against the built-in mock or a real provider")]
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
    let path = cli.component.unwrap_or_else(host_test::component_path);
    let host = Host::load(&path, &HostOptions::fast())?;
    match cli.command {
        Command::List => {
            for f in dynamic::list_functions(&host.engine, &host.component) {
                println!("{f}");
            }
        }
        Command::Demo => demo(&host).await?,
        Command::Call(args) => {
            let real = args.real || args.base_url.is_some() || args.server.is_some();
            let mock = MockProvider::builtin();
            let transport = if real { Transport::Network } else { Transport::Mock(mock.clone()) };
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
    let cfg = obj.entry("cfg").or_insert_with(|| json!({}));
    let Some(cfg) = cfg.as_object_mut() else { bail!("cfg must be an object") };
    let provider = function.split('.').next().unwrap_or("");
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
                cfg.entry("auth").or_insert(json!({ "app": { "client-id": "demo-client", "client-secret": "demo-secret" } }));
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
    let calls = host_test::mock::ringostat::demo_calls()
        .into_iter()
        .chain(host_test::mock::tring::demo_calls())
        .chain(host_test::mock::ringme::demo_calls())
        .chain(host_test::mock::telephony::demo_calls());
    let mut failures = 0;
    for (function, mut args) in calls {
        let mock = MockProvider::builtin();
        let flags = CallArgs::parse_from(["call", function]);
        fill_cfg(function, &mut args, &flags, true)?;
        println!("== {function}");
        match invoke(host, Transport::Mock(mock.clone()), function, &args).await {
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
