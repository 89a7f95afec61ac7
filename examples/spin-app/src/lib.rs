//! A minimal app that uses the pbx library as a component dependency, the
//! way a Spin app does: it imports `telephony:pbx/ringostat` and exports
//! `wasi:http/incoming-handler`. Every request answers
//! `200 {"ok": [<SIP logins online>]}` from Ringostat's `sip-online`, with
//! the key and base URL from the environment (`PBX_RINGOSTAT_AUTH_KEY`,
//! `PBX_RINGOSTAT_BASE_URL`), or the error's case as `{"error": "<case>"}`
//! with status 502.

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
        inline: "package example:spin-app;
            world app {
              import wasi:cli/environment@0.2.12;
              import telephony:pbx/ringostat@0.1.0;
              export wasi:http/incoming-handler@0.2.12;
            }",
        path: "../../wit",
        world: "app",
        disable_run_ctors_once_workaround: true,
        generate_all,
        with: {
            "wasi:cli/environment@0.2.12": ::wasi::cli::environment,
            "wasi:http/types@0.2.12": ::wasi::http::types,
            "wasi:io/poll@0.2.12": ::wasi::io::poll,
            "wasi:io/error@0.2.12": ::wasi::io::error,
            "wasi:io/streams@0.2.12": ::wasi::io::streams,
        },
    });

    /// The handler.
    pub struct App;

    #[cfg(target_arch = "wasm32")]
    export!(App);
}

use bindings::exports::wasi::http::incoming_handler::Guest;
use bindings::telephony::pbx::ringostat::{sip_online, Config};
use bindings::telephony::pbx::types::Error;
use wasi::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

fn env(vars: &[(String, String)], name: &str) -> Option<String> {
    vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// A JSON string literal (escapes `"`, `\` and control characters).
fn quote(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.bytes() {
        match c {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', c]),
            c if c < 0x20 => {
                let hex = b"0123456789abcdef";
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex[usize::from(c >> 4)], hex[usize::from(c & 15)]]);
            }
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn case(e: &Error) -> &'static str {
    match e {
        Error::InvalidInput(_) => "invalid-input",
        Error::Unauthorized(_) => "unauthorized",
        Error::Forbidden(_) => "forbidden",
        Error::NotFound(_) => "not-found",
        Error::RateLimited(_) => "rate-limited",
        Error::Provider(_) => "provider",
        Error::Timeout => "timeout",
        Error::Transport(_) => "transport",
        Error::OutcomeUnknown(_) => "outcome-unknown",
        Error::Decode(_) => "decode",
        Error::TooLarge(_) => "too-large",
    }
}

impl Guest for bindings::App {
    fn handle(_request: IncomingRequest, out: ResponseOutparam) {
        let vars = wasi::cli::environment::get_environment();
        let cfg = Config {
            auth_key: env(&vars, "PBX_RINGOSTAT_AUTH_KEY").unwrap_or_default(),
            base_url: env(&vars, "PBX_RINGOSTAT_BASE_URL"),
            timeout_ms: Some(10_000),
            max_body_bytes: None,
        };
        let mut body = Vec::new();
        let status = match sip_online(&cfg) {
            Ok(logins) => {
                body.extend_from_slice(b"{\"ok\":[");
                for (i, l) in logins.iter().enumerate() {
                    if i > 0 {
                        body.push(b',');
                    }
                    quote(l, &mut body);
                }
                body.extend_from_slice(b"]}");
                200
            }
            Err(e) => {
                body.extend_from_slice(b"{\"error\":");
                quote(case(&e), &mut body);
                body.push(b'}');
                502
            }
        };
        let headers = Fields::from_list(&[("content-type".into(), b"application/json".to_vec())])
            .unwrap_or_else(|_| Fields::new());
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(status);
        let Ok(out_body) = response.body() else { return };
        ResponseOutparam::set(out, Ok(response));
        if let Ok(stream) = out_body.write() {
            for chunk in body.chunks(4096) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
            drop(stream);
        }
        let _ = OutgoingBody::finish(out_body, None);
    }
}
