//! `pbx-egress`: which hosts the pbx gateway may send a request's own URLs
//! to, from the `PBX_ALLOWED_HOSTS` setting. `no_std` + `alloc`, no
//! dependencies: the gateway face (wasm32-wasip2, `no_std`) checks each URL
//! a request brings with it, and a native host (`pbx-host serve --real`) can
//! check each address it connects to with the same policy.
//!
//! # The setting
//!
//! `PBX_ALLOWED_HOSTS` ([`ALLOWED_HOSTS`]) is a comma-separated list of
//! patterns in the form of Spin's `allowed_outbound_hosts`
//! ([`pattern`] has the grammar):
//!
//! ```text
//! https://api.tring.nu            exactly this host, port 443
//! https://*.tring.nu              any name under tring.nu (not tring.nu itself)
//! https://pbx.example.com:8443    this host on port 8443
//! http://127.0.0.1:9099           exactly this address and port (a local stand-in)
//! *://*:*                         any scheme, host and port (special hosts excepted)
//! ```
//!
//! Unset or empty, the policy is empty and allows no URL at all.
//!
//! # The checks
//!
//! ```
//! use pbx_egress::{Policy, Refusal};
//!
//! let policy = Policy::parse("https://*.tring.nu, http://127.0.0.1:9099").unwrap();
//! // Allowed: the canonical form is what to send on.
//! let ok = policy.check_url("HTTPS://Api.Tring.nu/base").unwrap();
//! assert_eq!(ok.canonical, "https://api.tring.nu/base");
//! // Named exactly, a loopback address is allowed; no other spelling of it
//! // (or port) is named, and a wildcard never covers one.
//! assert!(policy.check_url("http://127.0.0.1:9099").is_ok());
//! assert!(matches!(policy.check_url("http://127.0.0.1:9098"), Err(Refusal::Special(..))));
//! assert!(matches!(policy.check_url("https://evil.example"), Err(Refusal::NotAllowed(_))));
//! assert!(matches!(policy.check_url("https://u@api.tring.nu"), Err(Refusal::Unreadable(_))));
//! // At connect time: a public name that resolves to a private address.
//! let ip = "10.0.0.5".parse().unwrap();
//! assert!(!policy.allows_addr(pbx_egress::Scheme::Https, "api.tring.nu", 443, ip));
//! ```
//!
//! - [`Policy::parse`] reads the list; a bad entry is a [`PolicyError`]
//!   naming the variable and the entry's position, never its text.
//! - [`Policy::check_url`] / [`Policy::check_base_url`]: a URL is allowed
//!   when a pattern matches its scheme, host and port. Hosts are read as
//!   the WHATWG URL parser and `inet_aton` read them ([`host`]), so every
//!   spelling of an address (`2130706433`, `0x7f000001`, `017700000001`,
//!   `127.1`, `[::ffff:7f00:1]`, `%31%32%37.0.0.1`) is that address; a URL
//!   that could be read two ways (user information, `\`, control or
//!   non-ASCII characters, an empty host) is [`Refusal::Unreadable`].
//!   Special hosts ([`special`]: loopback, private, link-local, unique-local,
//!   shared, unspecified, multicast, broadcast, cloud metadata, their
//!   IPv4-mapped forms, `localhost` and `*.localhost`, single-label names)
//!   are allowed only by a pattern naming that exact host, scheme and port.
//!   [`Allowed::canonical`] is the URL rewritten as read
//!   (`scheme://host[:port]/path`), to hand on instead of the original.
//! - [`Policy::allows_addr`]: for the connect-time check (DNS rebinding): an
//!   address is allowed when it is not special, or when a pattern names it
//!   (or the host name) exactly.
//!
//! Messages ([`Refusal::message`], [`PolicyError::message`]) name the
//! scheme, host and port at most, never a path, query, user information or a
//! setting's value.

#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod host;
pub mod pattern;
pub mod policy;
pub mod special;
pub mod url;

pub use host::Host;
pub use policy::{Allowed, Policy, PolicyError, Refusal, ALLOWED_HOSTS};
pub use url::{Scheme, Target};

#[cfg(test)]
mod tests;
