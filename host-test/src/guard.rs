//! Which addresses the guarded network transport may connect to
//! ([`Transport::Outbound`](crate::Transport)): the connect-time half of the
//! egress policy, `PBX_ALLOWED_HOSTS`.
//!
//! A URL check alone is not enough: a host name that passed it may resolve,
//! at connect time, to a loopback, private or cloud-metadata address (DNS
//! rebinding). So the transport resolves the name itself, keeps only the
//! addresses [`AddrPolicy::allows`] accepts, and connects to one of exactly
//! those.
//!
//! [`AllowedHosts`] is this host's own small reading of `PBX_ALLOWED_HOSTS`,
//! with the rule of the shared `pbx-egress` crate's `Policy::allows_addr`
//! (which can take its place behind [`AddrPolicy`]): a comma-separated list
//! of `scheme://host[:port]` patterns, `*` standing for any scheme, host or
//! port, `*.example.com` for any name under `example.com`, a missing port
//! for the scheme's default one. An address is allowed when a pattern that
//! matches the request's scheme and port names exactly the request's host or
//! that address (`http://127.0.0.1:8080`: the operator named it); else when
//! neither the address nor the host is special ([`is_public`]: loopback,
//! private, link-local, unique-local, shared, unspecified, multicast,
//! documentation, metadata...; `localhost`, `*.localhost` and single-label
//! names). Whether a URL's host may be used at all is the gateway's check,
//! made before; this one also holds for the providers' default hosts, which
//! no pattern needs to name. Without `PBX_ALLOWED_HOSTS`: ordinary public
//! hosts and addresses only.
//!
//! Where `pbx-egress` is a dependency, its policy plugs in as is:
//!
//! ```text
//! impl AddrPolicy for pbx_egress::Policy {
//!     fn allows(&self, scheme: &str, host: &str, port: u16, ip: IpAddr) -> bool {
//!         pbx_egress::Scheme::parse(scheme).is_some_and(|s| self.allows_addr(s, host, port, ip))
//!     }
//! }
//! ```

use anyhow::{anyhow, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Decides whether a request for `scheme://host:port` may connect to `ip`.
pub trait AddrPolicy: Send + Sync {
    /// `scheme` in lower case (`http`, `https`); `host` as in the URL (a
    /// name in lower case, or an address without brackets).
    fn allows(&self, scheme: &str, host: &str, port: u16, ip: IpAddr) -> bool;
}

/// Any function of the same shape is a policy (tests, embedders).
impl<F> AddrPolicy for F
where
    F: Fn(&str, &str, u16, IpAddr) -> bool + Send + Sync,
{
    fn allows(&self, scheme: &str, host: &str, port: u16, ip: IpAddr) -> bool {
        self(scheme, host, port, ip)
    }
}

/// One `scheme://host[:port]` pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    /// `None`: any scheme.
    scheme: Option<String>,
    host: HostPattern,
    /// `None`: any port; `Some(None)`: the scheme's default port.
    port: Option<Option<u16>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    /// `*` or `*.example.com`: names no host exactly, so it never allows a
    /// special one (the gateway matches it against URLs).
    Wildcard,
    Name(String),
    Addr(IpAddr),
}

/// `PBX_ALLOWED_HOSTS`, read (see the module doc).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedHosts {
    /// `None`: the variable is unset (ordinary public hosts only).
    patterns: Option<Vec<Pattern>>,
}

impl AllowedHosts {
    /// Ordinary public hosts and addresses only (`PBX_ALLOWED_HOSTS` unset).
    pub fn public_only() -> AllowedHosts {
        AllowedHosts { patterns: None }
    }

    /// Reads a `PBX_ALLOWED_HOSTS` value; `None` or blank: unset. A pattern
    /// it cannot read is an error (a policy half understood is no policy)
    /// naming the entry by its position, never quoting a setting's value.
    pub fn parse(value: Option<&str>) -> Result<AllowedHosts> {
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else { return Ok(AllowedHosts::public_only()) };
        let patterns = value
            .split(',')
            .map(str::trim)
            .enumerate()
            .filter(|(_, p)| !p.is_empty())
            .map(|(i, p)| parse_pattern(p).map_err(|why| anyhow!("PBX_ALLOWED_HOSTS: entry {} {why}", i + 1)))
            .collect::<Result<Vec<_>>>()?;
        Ok(AllowedHosts { patterns: Some(patterns) })
    }

    /// The policy of `PBX_ALLOWED_HOSTS` in `env` (a gateway's environment).
    pub fn from_env(env: &[(String, String)]) -> Result<AllowedHosts> {
        AllowedHosts::parse(env.iter().find(|(k, _)| k == "PBX_ALLOWED_HOSTS").map(|(_, v)| v.as_str()))
    }
}

impl AddrPolicy for AllowedHosts {
    fn allows(&self, scheme: &str, host: &str, port: u16, ip: IpAddr) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host_ip = host.parse::<IpAddr>().ok();
        let named = self.patterns.iter().flatten().any(|p| {
            let scheme_ok = p.scheme.as_deref().is_none_or(|s| s == scheme);
            let port_ok = match p.port {
                None => true,
                Some(Some(n)) => n == port,
                Some(None) => Some(port) == default_port(scheme),
            };
            scheme_ok
                && port_ok
                && match &p.host {
                    HostPattern::Addr(a) => same_addr(*a, ip) || host_ip.is_some_and(|h| same_addr(*a, h)),
                    HostPattern::Name(n) => *n == host,
                    HostPattern::Wildcard => false,
                }
        });
        let special_host = match host_ip {
            Some(h) => !is_public(h),
            None => special_name(&host),
        };
        named || (!special_host && is_public(ip))
    }
}

/// Names that lead to this machine or its local network whatever the
/// resolver says today: `localhost` and `*.localhost` (RFC 6761), and
/// single-label names, which resolvers complete with local search domains.
fn special_name(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost") || !name.contains('.')
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Equal addresses, an IPv4 one also in its IPv4-mapped IPv6 form.
fn same_addr(a: IpAddr, b: IpAddr) -> bool {
    a.to_canonical() == b.to_canonical()
}

fn parse_pattern(text: &str) -> Result<Pattern, String> {
    let bad = |why: &str| format!("is not scheme://host[:port] ({why})");
    let Some((scheme, rest)) = text.split_once("://") else { return Err(bad("no scheme://")) };
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "*" => None,
        s @ ("http" | "https") => Some(s.to_string()),
        _ => return Err(bad("the scheme is http, https or *")),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#', '@', ' ', '\t']) {
        return Err(bad("only scheme, host and port"));
    }
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else { return Err(bad("unclosed [")) };
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(|| bad("after ] comes :port"))?),
        };
        (format!("[{addr}]"), port)
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (rest.to_string(), None),
        }
    };
    let port = match port {
        None => Some(None),
        Some("*") => None,
        Some(p) => Some(Some(p.parse::<u16>().map_err(|_| bad("the port is a number or *"))?)),
    };
    let host = host.to_ascii_lowercase();
    let host = if host == "*" {
        HostPattern::Wildcard
    } else if let Some(suffix) = host.strip_prefix("*.") {
        if suffix.is_empty() || suffix.contains('*') {
            return Err(bad("a wildcard is *.domain"));
        }
        HostPattern::Wildcard
    } else if let Some(addr) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        HostPattern::Addr(IpAddr::V6(addr.parse::<Ipv6Addr>().map_err(|_| bad("not an IPv6 address"))?))
    } else if let Ok(addr) = host.parse::<Ipv4Addr>() {
        HostPattern::Addr(IpAddr::V4(addr))
    } else if host.is_empty() || host.contains('*') {
        return Err(bad("no host"));
    } else {
        HostPattern::Name(host.trim_end_matches('.').to_string())
    };
    Ok(Pattern { scheme, host, port })
}

/// Whether `ip` is a public unicast address: not loopback, private (RFC
/// 1918), shared (100.64/10), link-local (with the 169.254.169.254 metadata
/// address), unique-local (fc00::/7, with AWS's fd00:ec2::254), unspecified,
/// multicast, broadcast, documentation, benchmarking or reserved, nor an
/// IPv4-mapped, NAT64 or 6to4 form of one of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network", unspecified
        || a == 10                             // private
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // shared (carrier-grade NAT)
        || (a == 169 && b == 254)              // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)      // documentation
        || (a == 192 && b == 88 && c == 99)    // 6to4 relay anycast
        || (a == 192 && b == 168)              // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100)   // documentation
        || (a == 203 && b == 0 && c == 113)    // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    // NAT64 (64:ff9b::/96): the IPv4 address in its last 32 bits.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return public_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
    }
    // 6to4 (2002::/16): the IPv4 address in bits 16..48.
    if s[0] == 0x2002 {
        return public_v4(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || s[0..6] == [0, 0, 0, 0, 0, 0]      // IPv4-compatible (deprecated)
        || (s[0] & 0xfe00) == 0xfc00          // unique-local
        || (s[0] & 0xffc0) == 0xfe80          // link-local
        || (s[0] & 0xffc0) == 0xfec0          // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00          // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard
        || (s[0] == 0x2001 && s[1] < 0x0200)) // IETF protocol assignments (Teredo, ORCHID...)
}
