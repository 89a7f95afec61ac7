//! The gateway's settings, from `wasi:cli/environment` (`wasmtime serve -S
//! cli --env`, Spin's `environment`, Node's env under jco):
//!
//! - `PBX_GATEWAY_TOKEN`: every route but `/v1/health` needs
//!   `Authorization: Bearer <token>`; without it no server-held credential
//!   is ever used.
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
use serde_json::{Map, Value};

use crate::json::{Bad, BadKind};

/// (config field, variable) pairs.
type Vars = &'static [(&'static str, &'static str)];

/// The variables the gateway reads (`PBX_*`), as read at the start of a
/// request.
pub struct Settings {
    vars: Vec<(String, String)>,
}

impl Settings {
    /// Reads the environment.
    pub fn from_env(env: Vec<(String, String)>) -> Self {
        Settings { vars: env.into_iter().filter(|(k, _)| k.starts_with("PBX_")).collect() }
    }

    /// A set, non-empty variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// The gateway token, when one is set.
    pub fn token(&self) -> Option<&str> {
        self.get("PBX_GATEWAY_TOKEN")
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
            let ms = t.parse::<u32>().map_err(|_| Bad {
                kind: BadKind::Settings,
                field: String::new(),
                reason: "PBX_TIMEOUT_MS is not a whole number of milliseconds (0 to 4294967295)".into(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

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
}
