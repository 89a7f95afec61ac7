//! The open-gateway rule: `PBX_GATEWAY_AUTH=none` without a token serves
//! only on a loopback address.

use anyhow::{bail, Result};
use std::net::SocketAddr;

/// Whether `PBX_GATEWAY_AUTH=none` opens the gateway to requests without a
/// token, and whether `addr` may serve it so: `Ok(None)` when the gateway
/// needs a token (or, without one, is closed), `Ok(Some(warning))` when it
/// is open on a loopback address, an error when it would be open on any
/// other address (a wildcard one included).
///
/// Mirrors the gateway's rule (a set, non-empty `PBX_GATEWAY_TOKEN` wins);
/// `none` is matched without regard to case or surrounding blanks, which
/// can only refuse more often than the gateway opens.
pub fn open_gateway(env: &[(String, String)], addr: SocketAddr) -> Result<Option<String>> {
    let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let open = get("PBX_GATEWAY_AUTH").is_some_and(|v| v.trim().eq_ignore_ascii_case("none"));
    if !open || get("PBX_GATEWAY_TOKEN").is_some() {
        return Ok(None);
    }
    if !addr.ip().is_loopback() {
        bail!(
            "refusing to serve the gateway on {addr} with PBX_GATEWAY_AUTH=none and no PBX_GATEWAY_TOKEN: anyone \
             who reaches the address could use the server-held credentials. Set PBX_GATEWAY_TOKEN, or serve on a \
             loopback address (127.0.0.1, ::1) behind a proxy that authenticates"
        );
    }
    Ok(Some(format!(
        "warning: PBX_GATEWAY_AUTH=none and no PBX_GATEWAY_TOKEN: every route of the gateway on {addr} answers \
         without a token (loopback only; set PBX_GATEWAY_TOKEN before exposing it)"
    )))
}
