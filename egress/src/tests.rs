//! The policy end to end: every spelling of a special host, under every
//! pattern that could cover it, and the exact-address exception.

use crate::{Policy, Refusal, Scheme};
use core::net::IpAddr;

/// Every spelling of a loopback, private, link-local, metadata ... host the
/// issue lists, as the host part of an `http://` URL.
const SPECIAL_HOSTS: &[&str] = &[
    "127.0.0.1",
    "127.0.0.2",
    "2130706433",
    "0x7f000001",
    "0X7F000001",
    "017700000001",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "127.1",
    "127.0.1",
    "127.0.0.1.",
    "%31%32%37.0.0.1",
    "%31%32%37%2E0%2E0%2E1",
    "0",
    "0.0.0.0",
    "0x0",
    "00",
    "[::]",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::FFFF:7F00:1]",
    "[::127.0.0.1]",
    "[::ffff:0:127.0.0.1]",
    "[64:ff9b::127.0.0.1]",
    "[2002:7f00:1::]",
    "localhost",
    "LOCALHOST",
    "LocalHost",
    "localhost.",
    "%6c%6f%63%61%6c%68%6f%73%74",
    "app.localhost",
    "A.LOCALHOST.",
    "ip6-localhost",
    "host.docker.internal",
    "instance-data.ec2.internal",
    "redis.default.svc.cluster.local",
    "printer.local",
    "nas.home.arpa",
    "router.lan",
    "192.0.2.1",
    "[2001:db8::1]",
    "10.0.0.1",
    "10.1",
    "167772161",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.0.1",
    "0xc0a80001",
    "[::ffff:192.168.0.1]",
    "169.254.1.1",
    "169.254.169.254",
    "169.254.43518",
    "2852039166",
    "0xa9fea9fe",
    "0251.0376.0251.0376",
    "[::ffff:169.254.169.254]",
    "[::ffff:a9fe:a9fe]",
    "[fd00:ec2::254]",
    "metadata.google.internal",
    "metadata",
    "100.64.0.1",
    "100.100.100.200",
    "[fe80::1]",
    "[FE80::1]",
    "[fc00::1]",
    "[fd12:3456:789a::1]",
    "224.0.0.1",
    "[ff02::1]",
    "255.255.255.255",
    "4294967295",
    "0xffffffff",
    "intranet",
];

fn policy(list: &str) -> Policy {
    Policy::parse(list).unwrap_or_else(|e| panic!("{}", e.message()))
}

#[test]
fn special_hosts_are_refused_in_every_spelling_under_every_wildcard() {
    for list in ["*://*:*", "http://*", "http://*:*", "*://*", "http://*:80", "http://*:8080, https://*:*"] {
        let p = policy(list);
        for host in SPECIAL_HOSTS {
            for port in ["", ":8080", ":80"] {
                let url = ["http://", host, port, "/x"].concat();
                match p.check_url(&url) {
                    Err(Refusal::Special(..)) | Err(Refusal::NotAllowed(_)) => {}
                    other => panic!("{list}: {url} gave {other:?}"),
                }
            }
        }
    }
}

#[test]
fn special_hosts_are_refused_without_a_list_and_under_other_names() {
    let empty = policy("");
    let other = policy("https://api.tring.nu, https://*.example.com");
    for host in SPECIAL_HOSTS {
        let url = ["http://", host].concat();
        assert!(matches!(empty.check_url(&url), Err(Refusal::NoAllowList(_))), "{url}");
        assert!(other.check_url(&url).is_err(), "{url}");
        // TRiNG's bare-host form too.
        assert!(other.check_base_url(host, true).is_err(), "{host}");
    }
}

#[test]
fn a_pattern_naming_the_exact_address_allows_only_it() {
    let p = policy("http://127.0.0.1:9099");
    for url in ["http://127.0.0.1:9099", "http://127.1:9099/base", "http://2130706433:9099", "HTTP://0x7f000001:9099/"]
    {
        let ok = p.check_url(url).unwrap_or_else(|e| panic!("{url}: {e:?}"));
        assert!(ok.canonical.starts_with("http://127.0.0.1:9099"), "{}", ok.canonical);
    }
    for url in [
        "http://127.0.0.1:9098",
        "http://127.0.0.1",
        "https://127.0.0.1:9099",
        "http://127.0.0.2:9099",
        "http://localhost:9099",
        "http://[::1]:9099",
        "http://[::ffff:127.0.0.1]:9099",
        "http://10.0.0.1:9099",
        "http://public.example:9099",
    ] {
        assert!(p.check_url(url).is_err(), "{url}");
    }
    let p = policy("http://localhost:8080, http://[::1]:*");
    assert!(p.check_url("http://LOCALHOST.:8080/x").is_ok());
    assert!(p.check_url("http://a.localhost:8080").is_err());
    assert!(p.check_url("http://[::1]:1234").is_ok() && p.check_url("http://[0::1]:80").is_ok());
    assert!(p.check_url("http://127.0.0.1:8080").is_err());
}

#[test]
fn patterns_match_scheme_host_and_port() {
    let p =
        policy(" https://api.tring.nu , https://*.ringme.example,https://pbx.example.com:8443,, http://h.example:* ");
    for ok in [
        "https://api.tring.nu",
        "https://api.tring.nu:443/x",
        "https://API.TRING.NU./",
        "https://a.ringme.example",
        "https://a.b.ringme.example/p",
        "https://pbx.example.com:8443",
        "http://h.example",
        "http://h.example:1",
    ] {
        assert!(p.check_url(ok).is_ok(), "{ok}");
    }
    for no in [
        "http://api.tring.nu",
        "https://api.tring.nu:8443",
        "https://x.api.tring.nu",
        "https://tring.nu",
        "https://ringme.example",
        "https://evilringme.example",
        "https://ringme.example.evil.com",
        "https://pbx.example.com",
        "http://pbx.example.com:8443",
        "https://h.example",
    ] {
        assert!(matches!(p.check_url(no), Err(Refusal::NotAllowed(_))), "{no}");
    }
    assert_eq!(p.check_base_url("api.tring.nu", true).map(|a| a.canonical), Ok("https://api.tring.nu".into()));
    let any = policy("*://*:*");
    assert!(any.check_url("http://public.example:1234/x").is_ok());
    assert!(any.check_url("https://8.8.8.8").is_ok());
    assert!(any.check_url("https://[2001:4860:4860::8888]").is_ok());
}

#[test]
fn unreadable_urls_are_refused_without_quoting() {
    let p = policy("*://*:*");
    for url in [
        "https://user@api.tring.nu",
        "https://api.tring.nu@127.0.0.1",
        "https://api.tring.nu\\@127.0.0.1",
        "https://api.tring.nu\\.evil",
        "https://api.tring.nu\t",
        "https://api.tring.nu\0",
        "https://api.tring.nu%00",
        "https:// api.tring.nu",
        "https://",
        "https://:443",
        "https://[::1",
        "https://1.2.3.4.5",
        "https://1.2.3.09",
        "gopher://h.example",
        "//h.example",
        "h.example",
    ] {
        let e = p.check_url(url).expect_err(url);
        assert!(matches!(e, Refusal::Unreadable(_)), "{url}: {e:?}");
        assert!(!e.message().contains("tring") && !e.message().contains("h.example"), "{}", e.message());
    }
}

#[test]
fn messages_quote_nothing_of_the_url() {
    let p = policy("https://api.tring.nu");
    let e = p.check_url("https://evil.example:8443/secret-path").unwrap_err();
    assert_eq!(e.message(), "the URL's scheme, host and port are not allowed by PBX_ALLOWED_HOSTS");
    assert_eq!(e.host(), Some("https://evil.example:8443"));
    let e = p.check_url("http://2130706433/secret").unwrap_err();
    assert!(e.message().starts_with("the URL's host is a loopback address"), "{}", e.message());
    assert_eq!(e.host(), Some("http://127.0.0.1:80"));
    let e = Policy::default().check_url("https://h.example/k").unwrap_err();
    assert!(e.message().contains("PBX_ALLOWED_HOSTS is not set"), "{}", e.message());
    assert!(!e.message().contains("h.example") && !e.message().contains("/k"));
    // A key put in TRiNG's `server` (a bare host name) stays out.
    let e = p.check_url("https://k3yk3yk3yk3yk3yk3yk3yk3yk3yk3yk3").unwrap_err();
    assert!(!e.message().contains("k3yk3y"), "{}", e.message());
}

#[test]
fn policy_errors_name_the_entry_not_its_text() {
    for (list, entry) in [
        ("https://ok.example, ftp://secret-value", 2),
        ("secret-value", 1),
        ("https://a.example,,https://b.example/secret-path", 3),
        ("https://a.example:99999", 1),
    ] {
        let e = Policy::parse(list).unwrap_err();
        assert_eq!(e.entry, entry, "{list}");
        let m = e.message();
        assert!(m.starts_with("PBX_ALLOWED_HOSTS entry "), "{m}");
        assert!(!m.contains("secret"), "{m}");
    }
    assert!(Policy::parse("").unwrap().is_empty());
    assert!(Policy::parse(" , ").unwrap().is_empty());
}

#[test]
fn connect_time_addresses() {
    let p = policy("https://*.tring.nu, http://127.0.0.1:9099, https://intranet.corp");
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert!(p.allows_addr(Scheme::Https, "api.tring.nu", 443, ip("93.184.216.34")));
    assert!(p.allows_addr(Scheme::Https, "api.tring.ringostat", 443, ip("2606:4700::1111")));
    for bad in ["127.0.0.1", "10.0.0.5", "169.254.169.254", "::1", "::ffff:127.0.0.1", "fd00:ec2::254", "fe80::1"] {
        assert!(!p.allows_addr(Scheme::Https, "api.tring.nu", 443, ip(bad)), "{bad}");
    }
    // Named exactly: the address, or the name wherever it resolves.
    assert!(p.allows_addr(Scheme::Http, "127.0.0.1", 9099, ip("127.0.0.1")));
    assert!(p.allows_addr(Scheme::Http, "stand-in.example", 9099, ip("127.0.0.1")));
    assert!(p.allows_addr(Scheme::Http, "stand-in.example", 9099, ip("::ffff:127.0.0.1")));
    assert!(!p.allows_addr(Scheme::Http, "127.0.0.1", 9098, ip("127.0.0.1")));
    assert!(p.allows_addr(Scheme::Https, "intranet.corp", 443, ip("10.1.2.3")));
    assert!(!p.allows_addr(Scheme::Https, "localhost", 443, ip("93.184.216.34")));
    assert!(!p.allows_addr(Scheme::Https, "bad host", 443, ip("93.184.216.34")));
    assert!(!Policy::default().allows_addr(Scheme::Https, "api.ringostat.net", 443, ip("127.0.0.1")));
    assert!(Policy::default().allows_addr(Scheme::Https, "api.ringostat.net", 443, ip("104.18.1.1")));
    assert!(!Policy::default().allows_addr(Scheme::Http, "::1", 80, ip("::1")));
}
