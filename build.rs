//! Generates the component's WIT bindings (what `wit_bindgen::generate!`
//! would expand to, with the same options) into `$OUT_DIR/bindings.rs`, then
//! shares one piece of glue: the lowering of the `error` variant.
//!
//! wit-bindgen writes the lowering of `result<_, error>` inline in every
//! export, a 10-case match that moves each string into the return area (about
//! 750 bytes of wasm per export, 103 exports). Here each of those `Err` arms
//! becomes a call to one `lower_error` function holding that same generated
//! arm, so the return area is written byte for byte as before (the generated
//! `cabi_post_*` functions free it unchanged). Measured on the library
//! component: 426,574 -> 349,238 bytes (-77,336) in the non-PIC build of
//! .cargo/config.toml, 445,036 -> 358,533 (-86,503) without it; the
//! component's types and exports are unchanged.
//!
//! The text rewrite is checked: every arm must be the same code up to the
//! names of generated temporaries, else the build fails (a new wit-bindgen
//! that lowers differently has to be looked at, not silently kept).

use std::path::PathBuf;

use wit_bindgen_core::wit_parser::Resolve;
use wit_bindgen_core::{Files, WorldGenerator};
use wit_bindgen_rust::{Opts, WithOption};

/// Interfaces taken from the `wasi` crate instead of being generated.
const WITH: [(&str, &str); 6] = [
    ("wasi:http/types@0.2.12", "wasi::http::types"),
    ("wasi:http/outgoing-handler@0.2.12", "wasi::http::outgoing_handler"),
    ("wasi:io/poll@0.2.12", "wasi::io::poll"),
    ("wasi:io/error@0.2.12", "wasi::io::error"),
    ("wasi:io/streams@0.2.12", "wasi::io::streams"),
    ("wasi:clocks/monotonic-clock@0.2.12", "wasi::clocks::monotonic_clock"),
];

/// The start of each arm to share.
const ARM: &str = "Err(e) => {";
/// The path, as the arms name it, of the variant they lower.
const ERROR_PATH: &str = "exports::telephony::pbx::types::Error";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let wit = root.join("wit");
    println!("cargo:rerun-if-changed=wit");
    println!("cargo:rerun-if-changed=build.rs");

    let mut resolve = Resolve::default();
    let (pkg, _) = resolve.push_path(&wit).expect("parse wit/");
    let world = resolve.select_world(&[pkg], Some("pbx")).expect("world pbx");
    let opts = Opts {
        // Nothing in the component has a static constructor to run (it is
        // `no_std`, without the C runtime), so the exports skip the
        // run-constructors-once check.
        disable_run_ctors_once_workaround: true,
        with: WITH.iter().map(|(k, v)| (k.to_string(), WithOption::Path(v.to_string()))).collect(),
        ..Opts::default()
    };
    let mut files = Files::default();
    opts.build().generate(&mut resolve, world, &mut files).expect("generate bindings");
    let (_, src) = files.iter().next().expect("one generated file");
    let src = std::str::from_utf8(src).expect("utf-8 bindings");

    let out = share_error_lowering(src);
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("bindings.rs");
    std::fs::write(dest, out).expect("write bindings.rs");
}

/// One `Err` arm found in the generated code.
struct Arm<'a> {
    /// Where `Err(e) => {` starts.
    start: usize,
    /// Just past the arm's closing brace.
    end: usize,
    /// The arm's code between its braces.
    body: &'a str,
    /// The return-area pointer the arm writes through.
    ptr: &'a str,
}

/// Replaces every `Err` arm lowering the `error` variant with a call to one
/// shared `lower_error(ptr, e)`, appended to the bindings.
fn share_error_lowering(src: &str) -> String {
    let arms: Vec<Arm> = src.match_indices(ARM).filter_map(|(at, _)| error_arm(src, at)).collect();
    assert!(!arms.is_empty(), "build.rs: no `error` lowering found in the generated bindings");
    let canon = shape(arms[0].body, arms[0].ptr);
    for arm in &arms {
        assert!(
            shape(arm.body, arm.ptr) == canon,
            "build.rs: an `error` lowering differs from the first one:\n{}",
            arm.body
        );
    }
    let mut out = String::with_capacity(src.len());
    let mut from = 0;
    for arm in &arms {
        out.push_str(&src[from..arm.start]);
        out.push_str(&format!("Err(e) => {{ crate::bindings::lower_error({}, e); }}", arm.ptr));
        from = arm.end;
    }
    out.push_str(&src[from..]);
    // The first arm, verbatim, as the shared function; its `use` of the
    // variant is made relative to the bindings' root, where this function is.
    let first = &arms[0];
    let body = relative_to_root(first.body);
    out.push_str(&format!(
        "\n/// Writes `Err(e)` of a `result<_, error>` into the return area at `{p}`: the arm wit-bindgen\n\
         /// generates in each export, kept once (see build.rs).\n\
         ///\n\
         /// # Safety\n\
         /// `{p}` is an export's return area, as in the generated arm.\n\
         #[inline(never)]\n\
         #[allow(dead_code, unused_imports)]\n\
         pub(crate) unsafe fn lower_error({p}: *mut u8, e: exports::telephony::pbx::types::Error) {{\n\
         // SAFETY: the same writes wit-bindgen generates in each export.\n\
         unsafe {{ {body} }}\n}}\n",
        p = first.ptr,
    ));
    out
}

/// The `Err` arm starting at `at` if it lowers the `error` variant: it opens
/// with (a block and) `*ptrN.add(0).cast::<u8>() = (1i32) as u8;` then
/// `use ...::Error as VN;`.
fn error_arm(src: &str, at: usize) -> Option<Arm<'_>> {
    let open = at + ARM.len() - 1;
    // Unformatted, the generator opens the arm with a block: `Err(e) => { {`.
    let rest = src[open + 1..].trim_start();
    let rest = rest.strip_prefix('{').unwrap_or(rest).trim_start();
    let ptr = rest.strip_prefix('*')?.split('.').next()?;
    let rest = rest.strip_prefix('*')?.strip_prefix(ptr)?.strip_prefix(".add(0).cast::<u8>() = (1i32) as u8;")?;
    let used = rest.trim_start().strip_prefix("use ")?.split(" as ").next()?;
    if !used.ends_with(ERROR_PATH) {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in src[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let close = open + i;
                    return Some(Arm { start: at, end: close + 1, body: &src[open + 1..close], ptr });
                }
            }
            _ => {}
        }
    }
    None
}

/// The arm's code with whitespace collapsed, the pointer named `PTR` and each
/// generated temporary (`vec12`, `V17`, ...) numbered by first appearance.
fn shape(body: &str, ptr: &str) -> String {
    let mut out = String::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_alphabetic() || c == '_' {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_alphanumeric() || d == '_' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let word = &body[i..end];
            let stem = word.trim_end_matches(|d: char| d.is_ascii_digit());
            let temporary = stem.len() < word.len() && !matches!(stem, "u" | "i" | "f" | "usize" | "isize");
            if word == ptr {
                out.push_str("PTR");
            } else if temporary {
                let n = seen.iter().position(|w| *w == word).unwrap_or_else(|| {
                    seen.push(word);
                    seen.len() - 1
                });
                out.push_str(&format!("{stem}#{n}"));
            } else {
                out.push_str(word);
            }
        } else if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `use super::super::...::exports::...` made `use self::exports::...`.
fn relative_to_root(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("super::") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        while let Some(after) = rest.strip_prefix("super::") {
            rest = after;
        }
        out.push_str("self::");
    }
    out.push_str(rest);
    out
}
