//! Addresses and names that reach the machine itself, its network or its
//! cloud's services rather than the internet: refused under any pattern but
//! one that names them exactly (see [`crate::Policy`]).
//!
//! IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`,
//! compatible `::a.b.c.d`, translated `::ffff:0:a.b.c.d`, NAT64
//! `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address too.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::host::Host;

/// What kind of special address or name a host is, in words (for the
/// refusal's message); `None` for an ordinary public host.
pub fn special(host: &Host) -> Option<&'static str> {
    match host {
        Host::Name(n) => special_name(n),
        Host::V4(a) => special_v4(*a),
        Host::V6(a) => special_v6(*a),
    }
}

/// [`special`] of an address.
pub fn special_ip(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(a) => special_v4(a),
        IpAddr::V6(a) => special_v6(a),
    }
}

/// Names that resolve to the machine itself or to a cloud's metadata
/// service on every common system (`/etc/hosts`, RFC 6761, the clouds'
/// resolvers), and single-label names, which a resolver completes with its
/// search domains (`db`, `redis`: the local network's hosts). `name` is
/// lower-case without a trailing dot, as [`crate::host::parse`] leaves it.
pub fn special_name(name: &str) -> Option<&'static str> {
    const LOOPBACK: &[&str] = &["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"];
    const METADATA: &[&str] =
        &["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"];
    if LOOPBACK.contains(&name) || name.ends_with(".localhost") {
        Some("a loopback name")
    } else if METADATA.contains(&name) {
        Some("a cloud metadata name")
    } else if !name.contains('.') {
        Some("a single-label (local network) name")
    } else if LOCAL_SUFFIXES.iter().any(|suffix| name.ends_with(suffix)) {
        Some("a local network name")
    } else {
        None
    }
}

/// Domains that only a local resolver answers: mDNS and Kubernetes
/// (`.local`, `.cluster.local`), private-use (`.internal`, ICANN 2024; the
/// clouds' `*.ec2.internal`, `host.docker.internal`), home networks
/// (`.home.arpa`, RFC 8375) and the common `.lan` / `.localdomain`. A name
/// under them leads inside the network whatever address it resolves to, so
/// a wildcard never allows it; a pattern naming it exactly does. (A public
/// name that resolves to a private address, such as `127.0.0.1.nip.io`, is
/// caught only by a host that checks addresses at connect time, as
/// `pbx-host serve --real` does.)
const LOCAL_SUFFIXES: &[&str] = &[".local", ".internal", ".home.arpa", ".lan", ".localdomain"];

/// Special IPv4 ranges (RFC 6890 and the clouds' metadata address).
pub fn special_v4(a: Ipv4Addr) -> Option<&'static str> {
    let [b0, b1, b2, _] = a.octets();
    Some(match (b0, b1, b2) {
        _ if a == Ipv4Addr::new(169, 254, 169, 254) => "a cloud metadata address",
        (0, _, _) => "an unspecified address (0.0.0.0/8)",
        (127, _, _) => "a loopback address",
        (10, _, _) => "a private address (10.0.0.0/8)",
        (172, 16..=31, _) => "a private address (172.16.0.0/12)",
        (192, 168, _) => "a private address (192.168.0.0/16)",
        (169, 254, _) => "a link-local address (169.254.0.0/16)",
        (100, 64..=127, _) => "a shared address (100.64.0.0/10)",
        (192, 0, 0) => "an IETF protocol address (192.0.0.0/24)",
        (198, 18..=19, _) => "a benchmarking address (198.18.0.0/15)",
        // Documentation ranges (RFC 5737): never routed, so never a provider.
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (224..=239, _, _) => "a multicast address",
        (240..=255, _, _) => "a reserved or broadcast address (240.0.0.0/4)",
        _ => return None,
    })
}

/// Special IPv6 ranges, and IPv6 forms of special IPv4 addresses.
pub fn special_v6(a: Ipv6Addr) -> Option<&'static str> {
    let s = a.segments();
    if a == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        return Some("a cloud metadata address");
    }
    if a.is_unspecified() {
        return Some("an unspecified address (::)");
    }
    if a.is_loopback() {
        return Some("a loopback address");
    }
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (SIIT translated) reach
    // exactly their IPv4 address: judged by it alone.
    if let [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0xffff, 0, hi, lo] = s {
        return special_v4(v4(hi, lo));
    }
    let embedded = match s {
        // ::a.b.c.d (compatible, deprecated: refused below as ::/8 anyway)
        [0, 0, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        // 2002:AABB:CCDD::/48 (6to4)
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        _ => None,
    };
    if let Some(inner) = embedded.and_then(special_v4) {
        return Some(inner);
    }
    if s[0] == 0x2001 && s[1] == 0x0db8 {
        return Some("a documentation address (2001:db8::/32)");
    }
    Some(match s[0] {
        0xfe80..=0xfebf => "a link-local address (fe80::/10)",
        0xfec0..=0xfeff => "a site-local address (fec0::/10)",
        0xfc00..=0xfdff => "a unique-local address (fc00::/7)",
        0xff00..=0xffff => "a multicast address",
        // The rest of ::/8 (reserved, including compatible forms of
        // ordinary addresses, which no network routes) and 64:ff9b:1::/48
        // (local-use NAT64).
        0 => "a reserved address (::/8)",
        0x64 if s[1] == 0xff9b && s[2] == 1 => "a local-use NAT64 address (64:ff9b:1::/48)",
        // 100::/64, the discard prefix.
        0x100 if s[1..4] == [0, 0, 0] => "a discard address (100::/64)",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_ipv4() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "100.100.100.200",
            "192.0.0.1",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(special_v4(a.parse().unwrap()).is_some(), "{a}");
        }
        for a in ["1.1.1.1", "8.8.8.8", "172.15.0.1", "172.32.0.1", "100.63.255.255", "100.128.0.0", "192.169.0.1"] {
            assert_eq!(special_v4(a.parse().unwrap()), None, "{a}");
        }
        assert_eq!(special_v4("169.254.169.254".parse().unwrap()), Some("a cloud metadata address"));
    }

    #[test]
    fn special_ipv6() {
        for a in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:7f00:1",
            "::127.0.0.1",
            "::ffff:0:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::8.8.8.8",
            "64:ff9b::127.0.0.1",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "fc00::1",
            "fd12:3456::1",
            "fd00:ec2::254",
            "ff02::1",
            "100::1",
        ] {
            assert!(special_v6(a.parse().unwrap()).is_some(), "{a}");
        }
        for a in ["2001:4860:4860::8888", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"] {
            assert_eq!(special_v6(a.parse().unwrap()), None, "{a}");
        }
        assert_eq!(special_v6("fd00:ec2::254".parse().unwrap()), Some("a cloud metadata address"));
        assert_eq!(special_v6("::ffff:169.254.169.254".parse().unwrap()), Some("a cloud metadata address"));
    }

    #[test]
    fn special_names() {
        for n in
            ["localhost", "a.localhost", "x.y.localhost", "localhost.localdomain", "metadata.google.internal", "db"]
        {
            assert!(special_name(n).is_some(), "{n}");
        }
        for n in ["api.tring.nu", "localhost.example.com", "notlocalhost.com"] {
            assert_eq!(special_name(n), None, "{n}");
        }
    }
}
