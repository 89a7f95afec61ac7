//! The gateway's settings, from `wasi:cli/environment` (`wasmtime serve -S
//! cli --env`, Spin's `environment`, Node's env under jco):
//!
//! - `PBX_GATEWAY_TOKEN`: every route but `/v1/health` and
//!   `/v1/openapi.json` needs `Authorization: Bearer <token>`; without it no
//!   server-held credential is ever used.
//! - `PBX_GATEWAY_AUTH`: unset, a gateway without a token is closed (every
//!   route but those two answers 503 `no-token`); `none` opens it without a
//!   token (local development). Any other value is a settings error. With a
//!   token set, the token is always required.
//! - `PBX_ALLOWED_HOSTS`: the hosts a request's own URLs may name
//!   (`pbx-egress` patterns; see gateway/src/outbound.rs).
//! - `PBX_MAX_TIMEOUT_MS`: the bound on every config's `timeout-ms`
//!   (default 60000).
//! - `PBX_RINGOSTAT_AUTH_KEY`, `PBX_RINGOSTAT_BASE_URL`: the server-held
//!   `ringostat` config.
//! - `PBX_TRING_SERVER`, `PBX_TRING_API_KEY`, `PBX_TRING_TENANT`: the
//!   server-held `tring` config.
//! - `PBX_RINGME_BASE_URL`, `PBX_RINGME_CLIENT_ID`,
//!   `PBX_RINGME_CLIENT_SECRET`: the server-held `ringme` config (`app` auth).
//! - `PBX_TIMEOUT_MS`: `timeout-ms` of every server-held config.
//!
//! A server-held config is built whole from these variables and used only
//! where a request leaves the config out; a config the request brings is used
//! as sent.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::OnceCell;
use serde_json::{Map, Value};

use crate::bad::{Bad, BadKind};
use crate::outbound::{Outbound, DEFAULT_MAX_TIMEOUT_MS};

/// Who may call the routes that need a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth<'a> {
    /// `Authorization: Bearer <token>` with this token.
    Token(&'a str),
    /// No token and `PBX_GATEWAY_AUTH=none`: anyone (local development).
    Open,
    /// No token and no `PBX_GATEWAY_AUTH=none`: nobody (503 `no-token`).
    Closed,
}

/// A settings error naming the variable, never quoting its value.
fn settings_error(reason: String) -> Bad {
    Bad { kind: BadKind::Settings, field: String::new(), reason }
}

/// (config field, variable) pairs.
type Vars = &'static [(&'static str, &'static str)];

/// The variables the gateway reads (`PBX_*`), read once per instance
/// (serve.rs, `settings`), and what is worked out from them once.
pub struct Settings {
    vars: Vec<(String, String)>,
    /// [`Settings::outbound`], parsed at its first use.
    outbound: OnceCell<Result<Outbound, Bad>>,
}

impl Settings {
    /// Reads the environment.
    pub fn from_env(env: Vec<(String, String)>) -> Self {
        Settings { vars: env.into_iter().filter(|(k, _)| k.starts_with("PBX_")).collect(), outbound: OnceCell::new() }
    }

    /// A set, non-empty variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// The gateway token, when one is set.
    pub fn token(&self) -> Option<&str> {
        self.get("PBX_GATEWAY_TOKEN")
    }

    /// Who may call: the token, or without one, open only when
    /// `PBX_GATEWAY_AUTH=none` says so. A gateway that is not told
    /// otherwise is closed: a forgotten token must not leave it open.
    pub fn auth(&self) -> Result<Auth<'_>, Bad> {
        let open = match self.get("PBX_GATEWAY_AUTH") {
            None => false,
            Some("none") => true,
            Some(_) => {
                return Err(settings_error(
                    "PBX_GATEWAY_AUTH must be unset or none (none: serve without a token, for local development)"
                        .into(),
                ))
            }
        };
        Ok(match self.token() {
            Some(t) => Auth::Token(t),
            None if open => Auth::Open,
            None => Auth::Closed,
        })
    }

    /// The outbound rules: `PBX_ALLOWED_HOSTS` and `PBX_MAX_TIMEOUT_MS`,
    /// parsed once (a warm instance serves many requests with them).
    pub fn outbound(&self) -> Result<&Outbound, Bad> {
        self.outbound.get_or_init(|| self.parse_outbound()).as_ref().map_err(Bad::clone)
    }

    fn parse_outbound(&self) -> Result<Outbound, Bad> {
        #[cfg(test)]
        tests::OUTBOUND_PARSED.with(|n| n.set(n.get() + 1));
        let policy = pbx_egress::Policy::parse(self.get(pbx_egress::ALLOWED_HOSTS).unwrap_or_default())
            .map_err(|e| settings_error(e.message()))?;
        let max_timeout_ms = match self.get("PBX_MAX_TIMEOUT_MS") {
            None => DEFAULT_MAX_TIMEOUT_MS,
            Some(v) => v.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                settings_error("PBX_MAX_TIMEOUT_MS is not a whole number of milliseconds (1 to 4294967295)".into())
            })?,
        };
        Ok(Outbound { policy, max_timeout_ms })
    }

    /// The server-held config of `iface` as the JSON a caller would send.
    pub fn config(&self, iface: &str) -> Result<Value, Bad> {
        let mut o = Map::new();
        let (required, optional): (Vars, Vars) = match iface {
            "ringostat" => (&[("auth-key", "PBX_RINGOSTAT_AUTH_KEY")], &[("base-url", "PBX_RINGOSTAT_BASE_URL")]),
            "tring" => {
                (&[("server", "PBX_TRING_SERVER"), ("api-key", "PBX_TRING_API_KEY")], &[("tenant", "PBX_TRING_TENANT")])
            }
            "ringme" => (&[("base-url", "PBX_RINGME_BASE_URL")], &[]),
            _ => return Err(Bad::input("required (the gateway holds no settings for this interface)")),
        };
        for (field, var) in required {
            let v = self.get(var).ok_or_else(|| Bad::input(["required (the gateway has no ", var, ")"].concat()))?;
            o.insert((*field).into(), Value::String(v.into()));
        }
        for (field, var) in optional {
            if let Some(v) = self.get(var) {
                o.insert((*field).into(), Value::String(v.into()));
            }
        }
        if iface == "ringme" {
            let mut app = Map::new();
            for (field, var) in [("client-id", "PBX_RINGME_CLIENT_ID"), ("client-secret", "PBX_RINGME_CLIENT_SECRET")] {
                let v =
                    self.get(var).ok_or_else(|| Bad::input(["required (the gateway has no ", var, ")"].concat()))?;
                app.insert(field.into(), Value::String(v.into()));
            }
            o.insert("auth".into(), crate::json::case_json("app", Value::Object(app)));
        }
        if let Some(t) = self.get("PBX_TIMEOUT_MS") {
            // The value is not quoted back: a misplaced secret must not leak.
            let ms = t.parse::<u32>().map_err(|_| {
                settings_error("PBX_TIMEOUT_MS is not a whole number of milliseconds (0 to 4294967295)".into())
            })?;
            o.insert("timeout-ms".into(), Value::Number(ms.into()));
        }
        // The Spin build keeps RingMe tokens in the host's store.
        #[cfg(feature = "spin-kv")]
        if iface == "ringme" {
            return Ok(crate::token_store::held_ringme(Value::Object(o)));
        }
        Ok(Value::Object(o))
    }
}

/// The settings are where parsing takes a config a request leaves out.
impl crate::json::Held for Settings {
    fn config(&self, iface: &str) -> Result<Value, Bad> {
        Settings::config(self, iface)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    thread_local! {
        /// How many times this thread parsed the outbound rules.
        pub(super) static OUTBOUND_PARSED: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
    }

    fn settings(vars: &[(&str, &str)]) -> Settings {
        Settings::from_env(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn builds_each_provider_config_whole() {
        let s = settings(&[
            ("PBX_RINGOSTAT_AUTH_KEY", "rk"),
            ("PBX_TRING_SERVER", "pbx.example"),
            ("PBX_TRING_API_KEY", "tk"),
            ("PBX_TRING_TENANT", "t1"),
            ("PBX_RINGME_BASE_URL", "https://rm.example"),
            ("PBX_RINGME_CLIENT_ID", "id"),
            ("PBX_RINGME_CLIENT_SECRET", "sec"),
            ("PBX_TIMEOUT_MS", "5000"),
            ("HOME", "/root"),
        ]);
        assert_eq!(s.config("ringostat").ok(), Some(serde_json::json!({"auth-key": "rk", "timeout-ms": 5000})));
        assert_eq!(
            s.config("tring").ok(),
            Some(serde_json::json!({"server": "pbx.example", "api-key": "tk", "tenant": "t1", "timeout-ms": 5000}))
        );
        assert_eq!(
            s.config("ringme").ok(),
            Some(serde_json::json!({"base-url": "https://rm.example",
                "auth": {"app": {"client-id": "id", "client-secret": "sec"}}, "timeout-ms": 5000}))
        );
        assert!(s.vars.iter().all(|(k, _)| k.starts_with("PBX_")));
    }

    #[test]
    fn refuses_without_quoting_values() {
        let s = settings(&[("PBX_TRING_SERVER", "pbx.example"), ("PBX_TIMEOUT_MS", "secret-ish")]);
        let e = s.config("tring").err().map(|e| e.reason);
        assert_eq!(e.as_deref(), Some("required (the gateway has no PBX_TRING_API_KEY)"));
        let s = settings(&[("PBX_RINGOSTAT_AUTH_KEY", "k"), ("PBX_TIMEOUT_MS", "secret-ish")]);
        let e = s.config("ringostat").expect_err("bad timeout");
        assert!(e.kind == BadKind::Settings && !e.reason.contains("secret-ish"));
        assert!(settings(&[]).config("telephony").is_err());
    }

    #[test]
    fn closed_without_a_token_unless_told_otherwise() {
        assert_eq!(settings(&[]).auth().ok(), Some(Auth::Closed));
        assert_eq!(settings(&[("PBX_GATEWAY_TOKEN", "")]).auth().ok(), Some(Auth::Closed));
        assert_eq!(settings(&[("PBX_GATEWAY_AUTH", "none")]).auth().ok(), Some(Auth::Open));
        assert_eq!(settings(&[("PBX_GATEWAY_AUTH", "")]).auth().ok(), Some(Auth::Closed));
        assert_eq!(settings(&[("PBX_GATEWAY_TOKEN", "t")]).auth().ok(), Some(Auth::Token("t")));
        // A token is required whenever one is set.
        let s = settings(&[("PBX_GATEWAY_TOKEN", "t"), ("PBX_GATEWAY_AUTH", "none")]);
        assert_eq!(s.auth().ok(), Some(Auth::Token("t")));
        for bad in ["None", "NONE", "off", "secret-ish", "none "] {
            let e = settings(&[("PBX_GATEWAY_AUTH", bad)]).auth().expect_err(bad);
            assert!(
                e.kind == BadKind::Settings && e.reason.contains("PBX_GATEWAY_AUTH") && !e.reason.contains("secret")
            );
        }
    }

    #[test]
    fn outbound_settings() {
        let s = settings(&[]);
        let Ok(o) = s.outbound() else { panic!("defaults") };
        assert!(o.policy.is_empty() && o.max_timeout_ms == 60_000);
        let s = settings(&[("PBX_ALLOWED_HOSTS", "https://*.tring.nu"), ("PBX_MAX_TIMEOUT_MS", "5000")]);
        let parsed = || OUTBOUND_PARSED.with(|n| n.get());
        let before = parsed();
        let Ok(o) = s.outbound() else { panic!("parsed") };
        assert!(!o.policy.is_empty() && o.max_timeout_ms == 5_000);
        // Parsed once: later requests of the instance get the same rules.
        for _ in 0..3 {
            assert!(s.outbound().is_ok_and(|again| core::ptr::eq(o, again)));
        }
        assert_eq!(parsed() - before, 1);
        for (var, bad) in [
            ("PBX_ALLOWED_HOSTS", "https://ok.example,secret-ish"),
            ("PBX_MAX_TIMEOUT_MS", "secret-ish"),
            ("PBX_MAX_TIMEOUT_MS", "0"),
            ("PBX_MAX_TIMEOUT_MS", "-1"),
        ] {
            let s = settings(&[(var, bad)]);
            let before = OUTBOUND_PARSED.with(|n| n.get());
            let e = s.outbound().err().expect(bad);
            assert!(e.kind == BadKind::Settings && e.reason.contains(var) && !e.reason.contains("secret"), "{e:?}");
            // The refusal stays the same at every request, parsed once.
            assert_eq!(s.outbound().err().map(|again| again.reason), Some(e.reason));
            assert_eq!(OUTBOUND_PARSED.with(|n| n.get()) - before, 1);
        }
    }
}
