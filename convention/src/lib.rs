//! The JSON mapping of `telephony:pbx`'s WIT values, one for the HTTP
//! gateway (pbx-gateway-face, its generated dispatch) and the `pbx-host`
//! CLI (`pbx_host::dynamic`):
//!
//! - a function's arguments are an object keyed by its WIT parameter names;
//!   the provider config is the parameter named [`CONFIG_PARAM`];
//! - records are objects keyed by WIT field names (an absent member or
//!   `null` is `none`; answers write every field, `none` as `null`);
//! - options are `null` or the value; enums are strings; flags are arrays
//!   of names; variants are `"case"` (no payload) or `{"case": payload}`;
//!   tuples are arrays of their exact length; results are `{"ok": value}` /
//!   `{"err": value}`;
//! - `list<u8>` is a [`base64`] string (RFC 4648, standard alphabet,
//!   padded), both ways;
//! - types are strict: a number is not taken for a string, nor a string
//!   for a number.
//!
//! One convenience is the CLI's alone, because only it reads local files: a
//! `list<u8>` argument written `"@path"` is that file's bytes (`@` is not in
//! the base64 alphabet, so no base64 text is read as a path).
//!
//! no_std: the gateway is a small wasm component.

#![no_std]

extern crate alloc;

pub mod base64;

/// Whether a member name the caller sent may be quoted back in a refusal:
/// only one shaped like a WIT name (1 to 64 of `a-z`, `0-9`, `-`, `_`,
/// `.`, either case). Anything else, an 8 MiB name or a misplaced secret
/// with other characters, is shown as `<member>` (the gateway and the CLI
/// alike).
pub fn quotable_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The name of every function's provider-config parameter. The gateway's
/// generator (gateway/codegen) refuses a WIT whose config parameters are
/// named otherwise, so this is the one place the name is written.
pub const CONFIG_PARAM: &str = "cfg";
