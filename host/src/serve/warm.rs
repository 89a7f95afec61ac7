//! The warm-instance rule of the served gateway (see the module doc of
//! [`serve`](super)): which requests provably bring no credential or config
//! of their own, and so may share warm instances.

use serde_json::{Map, Value};

/// Bodies up to this size are parsed by the host to apply the warm-instance
/// rule (a call without its own config is a few hundred bytes); larger ones
/// go to a fresh instance without being parsed.
pub const INSPECT_CAP: usize = 64 * 1024;

/// The warm-instance key of a request (see the [`serve`](super) module
/// doc): `None` unless the request provably brings no credential or config
/// of its own.
pub(super) fn warm_key(parts: &http::request::Parts, body: &[u8]) -> Option<String> {
    let iface = interface_of(parts.uri.path());
    let key = || Some(format!("gw|{iface}"));
    if body.iter().all(u8::is_ascii_whitespace) {
        // The gateway reads an empty body as `{}`.
        return key();
    }
    if body.len() > INSPECT_CAP {
        return None;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) if credential_free(&o) => key(),
        _ => None,
    }
}

/// Whether a request's JSON arguments bring no credential and no config of
/// their own, anywhere: no member at any depth is a config or
/// credential-like field ([`credential_like`]) with a non-`null` value, and
/// a telephony `account` only names its provider. Written to be
/// conservative: what it cannot prove credential-free is `false`, which
/// costs only a fresh instance.
pub fn credential_free(args: &Map<String, Value>) -> bool {
    args.iter().all(|(k, v)| member_free(k, v))
}

fn member_free(key: &str, value: &Value) -> bool {
    match value {
        Value::Null => true,
        _ if key.eq_ignore_ascii_case("account") => server_held_account(value),
        _ if credential_like(key) => false,
        _ => value_free(value),
    }
}

fn value_free(value: &Value) -> bool {
    match value {
        Value::Object(o) => credential_free(o),
        Value::Array(items) => items.iter().all(value_free),
        _ => true,
    }
}

/// A telephony `account` that takes the server-held config: a provider's
/// name (`"tring"`), a provider with `null` (`{"ringme": null}`), or a
/// Ringostat account with only its `project-id` (and `config` absent or
/// `null`). Anything else may carry the caller's config.
fn server_held_account(account: &Value) -> bool {
    match account {
        Value::String(_) => true,
        Value::Object(o) if o.len() == 1 => o.iter().all(|(case, payload)| match payload {
            Value::Null => true,
            Value::Object(p) if case == "ringostat" => p.iter().all(|(k, v)| match k.as_str() {
                "project-id" => v.is_string(),
                "config" => v.is_null(),
                _ => false,
            }),
            _ => false,
        }),
        _ => false,
    }
}

/// Member names that are, or may hold, a config, a credential or a
/// destination: the WIT's config fields and parameters (`cfg`, `auth-key`,
/// `api-key`, `client-secret`, `token`, `password`, `base-url`, `server`,
/// `tenant`, ...) and, by fragment, any name a future one is likely to get.
fn credential_like(key: &str) -> bool {
    const NAMES: [&str; 7] =
        [pbx_convention::CONFIG_PARAM, "config", "app", "bearer", "tenant", "username", "client-id"];
    const FRAGMENTS: [&str; 9] = ["key", "secret", "token", "password", "passwd", "auth", "url", "cred", "server"];
    let key = key.to_ascii_lowercase();
    NAMES.contains(&key.as_str()) || FRAGMENTS.iter().any(|f| key.contains(f))
}

/// `ringostat` of `/v1/ringostat/sip-online`; `-` for other paths.
fn interface_of(path: &str) -> &str {
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("v1"), Some(iface), Some(_)) if !iface.is_empty() => iface,
        _ => "-",
    }
}
