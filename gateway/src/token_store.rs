//! RingMe tokens across instances, in the host's key-value store (the Spin
//! build only: feature `spin-kv`).
//!
//! The library keeps `app` tokens in its instance's memory, which is all a
//! host that reuses instances needs; Spin makes a fresh instance per request,
//! so there every RingMe call first fetched a token. Under this feature the
//! server-held RingMe config (the only one the gateway can key by secrets it
//! holds) goes through [`held_ringme`]: a stored, unexpired token is sent as
//! `bearer`; otherwise the gateway fetches one (`ringme.get-token`, the
//! library's own token request), stores it and sends it as `bearer`.
//!
//! The store is `wasi:keyvalue/store` bucket `default` (Spin:
//! `key_value_stores = ["default"]`). Without one (`open` fails: a manifest
//! that lists no store) the config goes to the library unchanged, as in the
//! build without this feature: the store is never a requirement.
//!
//! What is stored, so that no other config can read it: the key is a hash
//! of the base URL, client id and client secret; the value is the token and
//! its expiry encrypted with a key stream derived from the same three (SHA-256
//! in counter mode) under a synthetic IV (a hash of the credentials and the
//! plaintext, checked on reading). Whoever can list the store sees opaque
//! keys and bytes; only the holder of the credentials finds and opens an
//! entry, and a tampered or foreign entry fails the check and is ignored.
//!
//! A stored token that the provider refuses (401: revoked before its expiry)
//! is replaced: [`retry_if_revoked`] calls once more with a fresh token, as
//! the library does for `app` auth.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::json::{Bad, Outcome};

mod kv {
    wit_bindgen::generate!({
        inline: "package pbx:token-store;
            world token-store {
              import wasi:keyvalue/store@0.2.0-draft2;
            }",
        path: "wit-spin/keyvalue.wit",
        world: "token-store",
        disable_run_ctors_once_workaround: true,
        generate_all,
    });
}

use kv::wasi::keyvalue::store;

/// The bucket Spin gives a component that lists `default`.
const BUCKET: &str = "default";
/// A token is not used in its last minute (the library's margin), so a call
/// never starts with a token about to expire.
const MARGIN_S: u64 = 60;
/// The synthetic IV's length.
const IV: usize = 16;

/// A stored token was sent in this request (so a 401 may mean it was
/// revoked).
static USED: AtomicBool = AtomicBool::new(false);
/// Skip the stored token: the retry after a 401.
static FRESH: AtomicBool = AtomicBool::new(false);

/// SHA-256 of length-prefixed parts (no two part lists hash alike).
fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().into()
}

/// The credentials a token belongs to.
struct Creds<'a> {
    base: &'a str,
    id: &'a str,
    secret: &'a str,
}

impl Creds<'_> {
    fn of(cfg: &Value) -> Option<Creds<'_>> {
        Some(Creds {
            base: cfg.get("base-url")?.as_str()?,
            id: cfg.pointer("/auth/app/client-id")?.as_str()?,
            secret: cfg.pointer("/auth/app/client-secret")?.as_str()?,
        })
    }

    fn hash(&self, label: &[u8], more: &[&[u8]]) -> [u8; 32] {
        let mut parts: Vec<&[u8]> =
            alloc::vec![label, self.base.as_bytes(), self.id.as_bytes(), self.secret.as_bytes()];
        parts.extend_from_slice(more);
        digest(&parts)
    }

    /// The store key: a hash, so the key names no credential.
    fn key(&self) -> String {
        let h = self.hash(b"pbx-ringme-token-key", &[]);
        let mut k = String::from("pbx-ringme-token-");
        for b in h {
            k.push_str(&format!("{b:02x}"));
        }
        k
    }

    /// XORs `data` with the key stream of `iv`.
    fn apply(&self, iv: &[u8], data: &mut [u8]) {
        for (i, chunk) in data.chunks_mut(32).enumerate() {
            let ks = self.hash(b"pbx-ringme-token-stream", &[iv, &(i as u64).to_le_bytes()]);
            for (d, k) in chunk.iter_mut().zip(ks) {
                *d ^= k;
            }
        }
    }

    /// The synthetic IV of `plain`.
    fn iv(&self, plain: &[u8]) -> [u8; IV] {
        let h = self.hash(b"pbx-ringme-token-iv", &[plain]);
        let mut iv = [0; IV];
        iv.copy_from_slice(&h[..IV]);
        iv
    }

    /// `iv | E(expires-at (u64 LE) | token)`.
    fn seal(&self, expires_at: u64, token: &str) -> Vec<u8> {
        let mut plain = Vec::with_capacity(8 + token.len());
        plain.extend_from_slice(&expires_at.to_le_bytes());
        plain.extend_from_slice(token.as_bytes());
        let iv = self.iv(&plain);
        self.apply(&iv, &mut plain);
        let mut out = iv.to_vec();
        out.extend_from_slice(&plain);
        out
    }

    /// The expiry and token of a sealed value, when it is one of these
    /// credentials' (the IV checks out).
    fn open(&self, sealed: &[u8]) -> Option<(u64, String)> {
        if sealed.len() < IV + 8 {
            return None;
        }
        let (iv, body) = sealed.split_at(IV);
        let mut plain = body.to_vec();
        self.apply(iv, &mut plain);
        let expected = self.iv(&plain);
        let diff = expected.iter().zip(iv).fold(0u8, |d, (a, b)| d | (a ^ b));
        if diff != 0 {
            return None;
        }
        let expires_at = u64::from_le_bytes(plain[..8].try_into().ok()?);
        let token = String::from_utf8(plain[8..].to_vec()).ok()?;
        Some((expires_at, token))
    }
}

fn now_s() -> u64 {
    wasi::clocks::wall_clock::now().seconds
}

/// `cfg` with `bearer` auth.
fn with_bearer(mut cfg: Value, token: String) -> Value {
    if let Some(o) = cfg.as_object_mut() {
        o.insert("auth".into(), crate::json::case_json("bearer", Value::String(token)));
    }
    cfg
}

/// The server-held RingMe config (`app` auth), with a stored or freshly
/// fetched token as `bearer` auth when the host has a store; else as given.
pub fn held_ringme(cfg: Value) -> Value {
    let fresh = FRESH.swap(false, Ordering::Relaxed);
    let Some(creds) = Creds::of(&cfg) else { return cfg };
    let Ok(bucket) = store::open(BUCKET) else { return cfg };
    let key = creds.key();
    let now = now_s();
    if !fresh {
        if let Ok(Some(sealed)) = bucket.get(&key) {
            if let Some((expires_at, token)) = creds.open(&sealed) {
                if now + MARGIN_S < expires_at {
                    USED.store(true, Ordering::Relaxed);
                    return with_bearer(cfg, token);
                }
            }
        }
    }
    // The library's own token request, on the same config.
    // The operator's config: trusted (its URL is not a caller's), under
    // the default timeout bound.
    let outbound = crate::outbound::Outbound::default();
    let cx = crate::json::Cx::unheld(&outbound).for_held();
    let Ok(typed) =
        <crate::bindings::telephony::pbx::ringme::Config as crate::json::FromJson>::from_json(Some(&cfg), &cx)
    else {
        return cfg;
    };
    match crate::bindings::telephony::pbx::ringme::get_token(crate::json::pass!(typed)) {
        Ok(t) => {
            let expires_in = u64::from(t.expires_in);
            // Short-lived (or undated) tokens are used once, as the library
            // does, and not stored.
            if expires_in > MARGIN_S {
                let _ = bucket.set(&key, &creds.seal(now + expires_in, &t.access_token));
            } else {
                let _ = bucket.delete(&key);
            }
            with_bearer(cfg, t.access_token)
        }
        // The library's own flow then makes the request and reports its
        // error (with its redaction).
        Err(_) => cfg,
    }
}

/// `result`, or the call once more with a fresh token when a stored token
/// was refused with 401.
pub fn retry_if_revoked(
    result: Option<Result<Outcome, Bad>>,
    again: impl FnOnce() -> Option<Result<Outcome, Bad>>,
) -> Option<Result<Outcome, Bad>> {
    let used = USED.swap(false, Ordering::Relaxed);
    if used && matches!(result, Some(Ok(Outcome::Provider(crate::Error::Unauthorized(_))))) {
        FRESH.store(true, Ordering::Relaxed);
        let r = again();
        USED.store(false, Ordering::Relaxed);
        FRESH.store(false, Ordering::Relaxed);
        return r;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sealed_tokens_open_only_with_their_credentials() {
        let cfg =
            json!({"base-url": "https://rm.example", "auth": {"app": {"client-id": "id", "client-secret": "sec"}}});
        let creds = Creds::of(&cfg).unwrap();
        let sealed = creds.seal(1_000, "tok-123");
        assert!(!sealed.windows(7).any(|w| w == b"tok-123"));
        assert_eq!(creds.open(&sealed), Some((1_000, "tok-123".into())));
        let other = Creds { base: "https://rm.example", id: "id", secret: "other" };
        assert_eq!(other.open(&sealed), None);
        assert_ne!(other.key(), creds.key());
        assert!(!creds.key().contains("sec"));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(creds.open(&tampered), None);
    }

    #[test]
    fn bearer_replaces_app_auth() {
        let cfg = json!({"base-url": "b", "auth": {"app": {"client-id": "i", "client-secret": "s"}}, "timeout-ms": 5});
        let v = with_bearer(cfg, "t".into());
        assert_eq!(v, json!({"base-url": "b", "auth": {"bearer": "t"}, "timeout-ms": 5}));
    }
}
