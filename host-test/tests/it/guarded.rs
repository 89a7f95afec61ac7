//! The guarded network transport (`--real`): addresses are checked against
//! the egress policy (`PBX_ALLOWED_HOSTS`) at connect time, after
//! resolution, so a name cannot lead to a loopback or private address the
//! policy does not name.

use super::common::host;
use host_test::guard::{is_public, AddrPolicy, AllowedHosts};
use host_test::kit::client::Client;
use host_test::kit::standin::{sip_online, ONLINE};
use host_test::serve::{gateway_path, Gateway, ServeOptions, Server};
use host_test::{HostOptions, Transport};
use serde_json::{json, Value};
use std::net::IpAddr;
use std::sync::Arc;

const KEY: &str = "egress-standin-key";

/// A loopback stand-in, reached by the name `localhost` and by
/// `127.0.0.1`: refused without a pattern (the component sees the typed
/// transport error, and nothing connects), delivered with
/// `http://127.0.0.1:PORT`.
#[tokio::test]
async fn loopback_is_reached_only_when_a_pattern_names_it() {
    let standin = sip_online(KEY).await.expect("stand-in");
    let port = standin.base.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).expect("port");
    let bases = [format!("http://localhost:{port}"), format!("http://127.0.0.1:{port}")];
    let call = |transport: Transport, base: String| async move {
        let args = json!({"cfg": {"auth-key": KEY, "base-url": base, "timeout-ms": 5000}});
        host().call(&transport, "ringostat.sip-online", &args).await.expect("call")
    };
    for policy in [AllowedHosts::public_only(), AllowedHosts::parse(Some("*://*:*")).expect("parse")] {
        let guarded = Transport::guarded(Arc::new(policy));
        for base in &bases {
            let out = call(guarded.clone(), base.clone()).await;
            let err = &out["err"];
            assert!(err.get("transport").is_some(), "{base}: {out}");
            assert!(err.to_string().contains("destination IP prohibited by the host"), "{base}: {out}");
        }
    }
    assert_eq!(standin.connections(), 0, "a refused destination is never connected to");
    let named = AllowedHosts::parse(Some(&format!("http://127.0.0.1:{port}"))).expect("parse");
    let guarded = Transport::guarded(Arc::new(named));
    for base in &bases {
        let out = call(guarded.clone(), base.clone()).await;
        assert_eq!(out, json!({"ok": serde_json::from_str::<Value>(ONLINE).unwrap()}), "{base}");
    }
    assert_eq!(standin.connections(), 2);
    // Another port of the same address is not named.
    let other = AllowedHosts::parse(Some(&format!("http://127.0.0.1:{}", port.wrapping_add(1)))).expect("parse");
    let out = call(Transport::guarded(Arc::new(other)), bases[1].clone()).await;
    assert!(out["err"].to_string().contains("destination IP prohibited by the host"), "{out}");
    assert_eq!(standin.connections(), 2);
}

/// The served gateway as `pbx-host serve --real` builds it: the guard's
/// policy comes from the gateway's own `PBX_ALLOWED_HOSTS`. A server-held
/// base URL on `localhost` (the operator's, which the gateway itself does
/// not check) is refused at connect time without a pattern naming it (502,
/// the typed transport error, nothing connected) and reached with one.
#[tokio::test]
async fn the_served_gateway_connects_only_where_its_policy_allows() {
    let standin = sip_online(KEY).await.expect("stand-in");
    let port = standin.base.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).expect("port");
    const TOKEN: &str = "guarded-gateway-token";
    for allowed in [None, Some(format!("http://127.0.0.1:{port}"))] {
        let mut env: Vec<(String, String)> = [
            ("PBX_GATEWAY_TOKEN", TOKEN.to_string()),
            ("PBX_RINGOSTAT_AUTH_KEY", KEY.to_string()),
            ("PBX_RINGOSTAT_BASE_URL", format!("http://localhost:{port}")),
            ("PBX_TIMEOUT_MS", "5000".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        if let Some(a) = &allowed {
            env.push(("PBX_ALLOWED_HOSTS".to_string(), a.clone()));
        }
        let policy = AllowedHosts::from_env(&env).expect("policy");
        let opts = ServeOptions::new(env, Transport::guarded(Arc::new(policy)));
        let gateway = Gateway::load(host(), &gateway_path(), &HostOptions::fast(), opts).expect("gateway");
        let server = Server::start(Arc::new(gateway), "127.0.0.1:0".parse().unwrap()).await.expect("serve");
        let a = Client::new(server.addr).post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await;
        let a = a.expect("answer");
        match allowed {
            None => {
                assert_eq!(a.status, 502, "{}", a.text());
                assert_eq!(a.json()["kind"], "transport", "{}", a.text());
                assert!(a.text().contains("destination IP prohibited by the host"), "{}", a.text());
                assert_eq!(standin.connections(), 0);
            }
            Some(_) => {
                assert_eq!(a.status, 200, "{}", a.text());
                assert_eq!(a.json(), json!({"ok": serde_json::from_str::<Value>(ONLINE).unwrap()}));
                assert_eq!(standin.connections(), 1);
            }
        }
        assert!(!a.text().contains(KEY), "{}", a.text());
        server.stop().await;
    }
}

/// Any `Fn(scheme, host, port, ip) -> bool` is a policy; it sees the
/// request's scheme, host name and port and each resolved address.
#[tokio::test]
async fn a_closure_policy_sees_each_resolved_address() {
    let standin = sip_online(KEY).await.expect("stand-in");
    let port = standin.base.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).expect("port");
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let policy = move |scheme: &str, host: &str, p: u16, ip: IpAddr| {
        log.lock().unwrap().push((scheme.to_string(), host.to_string(), p, ip));
        ip == IpAddr::from([127, 0, 0, 1])
    };
    let transport = Transport::guarded(Arc::new(policy));
    let args = json!({"cfg": {"auth-key": KEY, "base-url": format!("http://LocalHost:{port}"), "timeout-ms": 5000}});
    let out = host().call(&transport, "ringostat.sip-online", &args).await.expect("call");
    assert!(out.get("ok").is_some(), "{out}");
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().all(|(s, h, p, _)| s == "http" && h == "localhost" && *p == port), "{seen:?}");
    assert!(seen.iter().any(|(_, _, _, ip)| *ip == IpAddr::from([127, 0, 0, 1])), "{seen:?}");
}

#[test]
fn public_and_non_public_addresses() {
    let ip = |s: &str| s.parse::<IpAddr>().expect("an address");
    for p in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "93.184.216.34", "::ffff:8.8.8.8"] {
        assert!(is_public(ip(p)), "{p}");
    }
    for n in [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fd00:ec2::254",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2002:7f00:1::",
        "2001:db8::1",
    ] {
        assert!(!is_public(ip(n)), "{n}");
    }
}

#[test]
fn allowed_hosts_patterns() {
    let ip = |s: &str| s.parse::<IpAddr>().expect("an address");
    let unset = AllowedHosts::parse(None).expect("unset");
    assert!(unset.allows("https", "api.example", 443, ip("93.184.216.34")));
    assert!(!unset.allows("https", "api.example", 443, ip("127.0.0.1")));
    assert!(!unset.allows("http", "metadata.google.internal.example", 80, ip("169.254.169.254")));
    assert_eq!(AllowedHosts::parse(Some("  ")).expect("blank"), AllowedHosts::public_only());
    let env = vec![("PBX_ALLOWED_HOSTS".to_string(), "http://127.0.0.1:8080".to_string())];
    assert!(AllowedHosts::from_env(&env).expect("env").allows("http", "localhost", 8080, ip("127.0.0.1")));

    let p = AllowedHosts::parse(Some("https://api.ringostat.net, http://127.0.0.1:8080, https://*.tring.nu:*"))
        .expect("parse");
    let public = ip("93.184.216.34");
    // Ordinary public hosts need no pattern here (the gateway checks URLs).
    assert!(p.allows("https", "api.ringostat.net", 443, public));
    assert!(p.allows("https", "api.example", 8443, public));
    // A wildcard never covers a special address; a name given exactly does.
    assert!(!p.allows("https", "a.tring.nu", 443, ip("10.0.0.1")), "rebinding to a private address");
    assert!(!p.allows("https", "a.tring.nu", 443, ip("169.254.169.254")), "rebinding to the metadata address");
    assert!(p.allows("https", "api.ringostat.net", 443, ip("10.0.0.1")), "named exactly by the operator");
    assert!(!p.allows("https", "api.ringostat.net", 8443, ip("10.0.0.1")), "on its port only");
    assert!(p.allows("http", "127.0.0.1", 8080, ip("127.0.0.1")));
    assert!(p.allows("http", "localhost", 8080, ip("127.0.0.1")), "the address is named");
    assert!(!p.allows("http", "localhost", 8080, ip("::1")));
    assert!(!p.allows("http", "127.0.0.1", 8081, ip("127.0.0.1")));
    assert!(!p.allows("https", "127.0.0.1", 8080, ip("127.0.0.1")), "on its scheme only");
    // Special names are refused even where they resolve to a public address.
    assert!(!p.allows("http", "localhost", 80, public));
    assert!(!p.allows("http", "intranet", 80, public), "single-label name");
    assert!(!p.allows("http", "x.localhost", 80, public));
    let any = AllowedHosts::parse(Some("*://*:*")).expect("parse");
    assert!(any.allows("http", "x.example", 1234, public));
    assert!(!any.allows("http", "x.example", 1234, ip("192.168.0.1")));
    assert!(!any.allows("http", "x.example", 80, ip("169.254.169.254")), "metadata");
    let v6 = AllowedHosts::parse(Some("http://[::1]:80")).expect("parse");
    assert!(v6.allows("http", "::1", 80, ip("::1")));
    for bad in ["api.example", "ftp://x", "https://x:port", "https://user@x", "https://", "https://a*b", "https://x/p"]
    {
        assert!(AllowedHosts::parse(Some(bad)).is_err(), "{bad}");
    }
}

/// A destination that accepts and never answers: the call ends with the
/// typed `timeout` error within its `timeout-ms` (the request options'
/// first-byte timeout), not never.
#[tokio::test]
async fn a_silent_destination_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let policy = AllowedHosts::parse(Some(&format!("http://127.0.0.1:{port}"))).expect("parse");
    let transport = Transport::guarded(Arc::new(policy));
    let args = json!({"cfg": {"auth-key": KEY, "base-url": format!("http://127.0.0.1:{port}"), "timeout-ms": 300}});
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        host().call(&transport, "ringostat.sip-online", &args),
    )
    .await
    .expect("bounded")
    .expect("call");
    assert_eq!(out, json!({"err": "timeout"}));
}
