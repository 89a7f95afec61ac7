//! The gateway's settings from Spin variables.
//!
//! Spin keeps an app's secrets in application `[variables]` (`secret =
//! true`), filled from `SPIN_VARIABLE_*`, a `.env` file, Vault or Azure Key
//! Vault, and hands a component the ones it maps through `wasi:config/store`.
//! The gateway reads its settings from `wasi:cli/environment` only, which
//! keeps it running unchanged under `wasmtime serve` and `jco serve` (neither
//! serves `wasi:config`). So instead of teaching the gateway a second
//! source, this small component exports `wasi:cli/environment` and is
//! plugged into the gateway's import (`./dev build` makes
//! `pbx_gateway_spin.wasm`); only that Spin build imports `wasi:config`.
//!
//! `get-environment` answers the host's own environment (the manifest's
//! `environment`, `spin up --env`) followed by every variable of
//! `wasi:config/store` `get-all`, its name upper-cased
//! (`pbx_gateway_token` -> `PBX_GATEWAY_TOKEN`; Spin variable names are
//! lower-case, environment names by convention upper-case). A variable
//! replaces an environment entry of the same name: the variable is the
//! place Spin intends secrets to live. An empty variable counts as unset
//! (the gateway ignores empty settings), so optional settings take
//! `default = ""`.
//!
//! When Spin cannot produce the variables (`get-all` fails: a provider such
//! as Vault is unreachable) the instance traps and Spin answers 500: running
//! on without the configured token or keys would serve the request under
//! settings the operator did not give.

#![deny(missing_docs)]
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

// The library's allocator, panic trap and `cabi_realloc` (linked only when
// named).
#[cfg(target_arch = "wasm32")]
use pbx_runtime as _;

mod bindings {
    wit_bindgen::generate!({
        inline: "package pbx:spin-env;
            world adapter {
              import wasi:config/store@0.2.0-draft-2024-09-27;
              export wasi:cli/environment@0.2.12;
            }",
        path: ["../../wit", "wit"],
        world: "adapter",
        disable_run_ctors_once_workaround: true,
        generate_all,
    });

    /// The exported environment.
    pub struct Env;

    #[cfg(target_arch = "wasm32")]
    export!(Env);
}

use bindings::exports::wasi::cli::environment::Guest;

/// `env` with `vars` merged in: each variable's name upper-cased, replacing
/// an entry of the same name.
pub fn merge(mut env: Vec<(String, String)>, vars: Vec<(String, String)>) -> Vec<(String, String)> {
    for (k, v) in vars {
        let k = k.to_ascii_uppercase();
        env.retain(|(e, _)| *e != k);
        env.push((k, v));
    }
    env
}

impl Guest for bindings::Env {
    fn get_environment() -> Vec<(String, String)> {
        let env = wasi::cli::environment::get_environment();
        match bindings::wasi::config::store::get_all() {
            Ok(vars) => merge(env, vars),
            // The error's text may name a provider or a key; it stays in the
            // host's log, not in an answer.
            Err(_) => panic!("wasi:config/store get-all failed"),
        }
    }

    fn get_arguments() -> Vec<String> {
        wasi::cli::environment::get_arguments()
    }

    fn initial_cwd() -> Option<String> {
        wasi::cli::environment::initial_cwd()
    }
}

#[cfg(test)]
mod tests {
    use super::merge;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn variables_upper_cased_and_replace_the_environment() {
        let env = pairs(&[("PBX_TIMEOUT_MS", "10000"), ("PBX_GATEWAY_TOKEN", "from-env")]);
        let vars = pairs(&[("pbx_gateway_token", "from-var"), ("pbx_ringostat_auth_key", "k")]);
        assert_eq!(
            merge(env, vars),
            pairs(&[("PBX_TIMEOUT_MS", "10000"), ("PBX_GATEWAY_TOKEN", "from-var"), ("PBX_RINGOSTAT_AUTH_KEY", "k")])
        );
    }
}
