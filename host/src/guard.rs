//! Which addresses the outbound transport may connect to
//! ([`Transport::Outbound`](crate::Transport)): the connect-time half of the
//! egress policy, `PBX_ALLOWED_HOSTS`.
//!
//! A URL check alone is not enough: a host name that passed it may resolve,
//! at connect time, to a loopback, private or cloud-metadata address (DNS
//! rebinding). So the transport resolves the name itself, keeps only the
//! addresses [`AddrPolicy::allows`] accepts, and connects to one of exactly
//! those.
//!
//! [`AllowedHosts`] reads `PBX_ALLOWED_HOSTS` with the shared `pbx-egress`
//! crate, the same reading the gateway makes of the URLs a request brings,
//! and applies its [`Policy::allows_addr`]: an address is allowed when a
//! pattern that matches the request's scheme and port names exactly the
//! request's host or that address (`http://127.0.0.1:8080`: the operator
//! named it); else when neither the address nor the host is special
//! (loopback, private, link-local, unique-local, shared, unspecified,
//! multicast, documentation, metadata...; `localhost`, `*.localhost` and
//! single-label names). This holds for the providers' default hosts too,
//! which no pattern needs to name. Without `PBX_ALLOWED_HOSTS`: ordinary
//! public hosts and addresses only.

use anyhow::{anyhow, Result};
use pbx_egress::{Policy, Scheme};
use std::net::IpAddr;

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

/// `PBX_ALLOWED_HOSTS`, read (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedHosts(Policy);

impl AllowedHosts {
    /// Ordinary public hosts and addresses only (`PBX_ALLOWED_HOSTS` unset).
    pub fn public_only() -> AllowedHosts {
        AllowedHosts(Policy::default())
    }

    /// Reads a `PBX_ALLOWED_HOSTS` value; `None` or blank: unset. A pattern
    /// it cannot read is an error (a policy half understood is no policy)
    /// naming the entry by its position, never quoting a setting's value.
    pub fn parse(value: Option<&str>) -> Result<AllowedHosts> {
        Policy::parse(value.unwrap_or("")).map(AllowedHosts).map_err(|e| anyhow!("{}", e.message()))
    }

    /// The policy of `PBX_ALLOWED_HOSTS` in `env` (a gateway's environment).
    pub fn from_env(env: &[(String, String)]) -> Result<AllowedHosts> {
        AllowedHosts::parse(env.iter().find(|(k, _)| k == pbx_egress::ALLOWED_HOSTS).map(|(_, v)| v.as_str()))
    }
}

impl AddrPolicy for AllowedHosts {
    fn allows(&self, scheme: &str, host: &str, port: u16, ip: IpAddr) -> bool {
        let scheme = match scheme {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return false,
        };
        self.0.allows_addr(scheme, host, port, ip)
    }
}

/// Whether `ip` is an ordinary public unicast address (none of the special
/// ranges of `pbx_egress::special`).
pub fn is_public(ip: IpAddr) -> bool {
    pbx_egress::special::special_ip(ip).is_none()
}
