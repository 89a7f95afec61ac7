//! Shares the lowering of the `error` variant across the exports, by a
//! rewrite of the generated syntax tree (parsed with `syn`, printed with
//! `prettyplease`).
//!
//! wit-bindgen writes the lowering of `result<_, error>` inline in every
//! export, a 10-case match that moves each string into the return area (about
//! 820 bytes of wasm per export, 103 exports). Here each of those `Err` arms
//! becomes a call to one `lower_error` function holding that same generated
//! arm, so the return area is written byte for byte as before (the generated
//! `cabi_post_*` functions free it unchanged). Measured on the library
//! component: 451,240 -> 366,987 bytes (-84,253; the plain variant of
//! `./dev build` against the default); the component's types and exports are
//! unchanged.
//!
//! Checked, so a wit-bindgen that generates something else fails the build
//! with the reason rather than leaving bigger code: every arm must be the
//! same code up to the names of generated temporaries, and the arms found
//! must be as many as the exports returning `result<_, error>`
//! (build/error_exports.rs).

use proc_macro2::{Delimiter, Ident, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::visit_mut::{self, VisitMut};
use syn::{parse_quote, Arm, Block, Expr, Item, Pat, Stmt, UseTree};

/// The bindings' text with every `Err` arm lowering the `error` variant
/// replaced by a call to one shared `lower_error(ptr, e)`, appended at the
/// bindings' root. `exports` is the number of such arms there must be.
pub fn share_error_lowering(src: &str, exports: usize) -> Result<String, String> {
    let mut file = syn::parse_file(src).map_err(|e| format!("the generated bindings do not parse: {e}"))?;
    let mut arms = ErrorArms::default();
    arms.visit_file_mut(&mut file);
    if let Some(e) = arms.error {
        return Err(e);
    }
    let Some((ptr, body)) = arms.first else {
        return Err(format!("no `Err` arm lowering `error` found ({exports} exports return `result<_, error>`)"));
    };
    if arms.shared != exports {
        return Err(format!(
            "{} `Err` arms lowering `error` recognised, but {exports} exports return `result<_, error>`",
            arms.shared
        ));
    }
    // The first arm, verbatim, as the shared function; its paths through
    // `super::` made relative to the bindings' root, where this function is.
    let mut body = body;
    ToRoot.visit_block_mut(&mut body);
    let error = body
        .stmts
        .iter()
        .find_map(|s| match s {
            Stmt::Item(Item::Use(u)) => used_error(&u.tree),
            _ => None,
        })
        .ok_or("the first arm has no `use ...::Error as VN;`")?;
    file.items.push(parse_quote! {
        /// Writes `Err(e)` of a `result<_, error>` into the return area at
        /// `ptr`: the arm wit-bindgen generates in each export, kept once
        /// (see build/share_error.rs).
        ///
        /// # Safety
        /// The pointer is an export's return area, as in the generated arm.
        #[inline(never)]
        #[allow(dead_code, unused_imports)]
        pub(crate) unsafe fn lower_error(#ptr: *mut u8, e: #error) {
            unsafe #body
        }
    });
    Ok(prettyplease::unparse(&file))
}

/// Finds and replaces the arms.
#[derive(Default)]
struct ErrorArms {
    /// The first arm's return-area pointer and code.
    first: Option<(Ident, Block)>,
    /// The first arm's shape (see [`shape`]).
    canon: String,
    /// Arms replaced.
    shared: usize,
    /// Why the rewrite cannot go on.
    error: Option<String>,
}

impl VisitMut for ErrorArms {
    fn visit_arm_mut(&mut self, arm: &mut Arm) {
        visit_mut::visit_arm_mut(self, arm);
        let Some((ptr, body)) = error_arm(arm) else { return };
        let shape = shape(body.to_token_stream(), &ptr);
        match &self.first {
            None => {
                self.canon = shape;
                self.first = Some((ptr.clone(), body.clone()));
            }
            Some(_) if shape != self.canon => {
                self.error.get_or_insert_with(|| {
                    format!("an `error` lowering differs from the first one:\n{}", body.to_token_stream())
                });
                return;
            }
            Some(_) => {}
        }
        *arm.body = parse_quote!({ crate::bindings::lower_error(#ptr, e); });
        self.shared += 1;
    }
}

/// The pointer and code of `arm` if it is `Err(e) => { ... }` lowering the
/// `error` variant: its code opens with `*ptrN.add(0).cast::<u8>() = (1i32)
/// as u8;` (the `Err` case) then `use ...::exports::telephony::pbx::types::
/// Error as VN;`. The generator wraps the code in a block or two.
fn error_arm(arm: &Arm) -> Option<(Ident, &Block)> {
    let Pat::TupleStruct(pat) = &arm.pat else { return None };
    if !pat.path.is_ident("Err") || pat.elems.len() != 1 || arm.guard.is_some() {
        return None;
    }
    let Pat::Ident(e) = &pat.elems[0] else { return None };
    if e.ident != "e" {
        return None;
    }
    let Expr::Block(block) = &*arm.body else { return None };
    let mut block = &block.block;
    while let [Stmt::Expr(Expr::Block(inner), _)] = block.stmts.as_slice() {
        if !inner.attrs.is_empty() || inner.label.is_some() {
            break;
        }
        block = &inner.block;
    }
    let [tag, Stmt::Item(Item::Use(used)), ..] = block.stmts.as_slice() else { return None };
    let Some(TokenTree::Ident(ptr)) = tag.to_token_stream().into_iter().nth(1) else { return None };
    let expected = quote!(*#ptr.add(0).cast::<u8>() = (1i32) as u8;);
    if tag.to_token_stream().to_string() != expected.to_string() {
        return None;
    }
    let error = used_error(&used.tree)?.to_token_stream().to_string().replace(' ', "");
    error.ends_with("exports::telephony::pbx::types::Error").then_some(())?;
    Some((ptr, block))
}

/// The path of `Error` in a `use path::Error as VN;`.
fn used_error(mut tree: &UseTree) -> Option<syn::Path> {
    let mut segments = Vec::new();
    loop {
        match tree {
            UseTree::Path(p) => {
                segments.push(p.ident.clone());
                tree = &p.tree;
            }
            UseTree::Rename(r) if r.ident == "Error" => {
                segments.push(r.ident.clone());
                return Some(parse_quote!(#(#segments)::*));
            }
            _ => return None,
        }
    }
}

/// The code as a string with the pointer named `PTR` and each generated
/// temporary (`vec12`, `V17`, ...) numbered by first appearance, so arms that
/// differ only by those names compare equal.
fn shape(tokens: TokenStream, ptr: &Ident) -> String {
    fn walk(tokens: TokenStream, ptr: &Ident, seen: &mut Vec<String>, out: &mut String) {
        for t in tokens {
            match t {
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::None => ("", ""),
                    };
                    out.push_str(open);
                    walk(g.stream(), ptr, seen, out);
                    out.push_str(close);
                }
                TokenTree::Ident(i) if i == *ptr => out.push_str("PTR "),
                TokenTree::Ident(i) => {
                    let word = i.to_string();
                    let stem = word.trim_end_matches(|d: char| d.is_ascii_digit());
                    let temporary = stem.len() < word.len() && !matches!(stem, "u" | "i" | "f" | "usize" | "isize");
                    if temporary {
                        let n = seen.iter().position(|w| *w == word).unwrap_or_else(|| {
                            seen.push(word.clone());
                            seen.len() - 1
                        });
                        out.push_str(&format!("{stem}#{n} "));
                    } else {
                        out.push_str(&word);
                        out.push(' ');
                    }
                }
                other => {
                    out.push_str(&other.to_string());
                    out.push(' ');
                }
            }
        }
    }
    let mut out = String::new();
    walk(tokens, ptr, &mut Vec::new(), &mut out);
    out
}

/// Makes `super::super::...::x` paths `self::x` (the arm sits in an export's
/// module, the shared function at the bindings' root).
struct ToRoot;

impl VisitMut for ToRoot {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let supers = path.segments.iter().take_while(|s| s.ident == "super").count();
        if supers > 0 {
            let rest: Vec<_> = path.segments.iter().skip(supers).cloned().collect();
            path.segments =
                std::iter::once(syn::PathSegment::from(Ident::new("self", Span::call_site()))).chain(rest).collect();
        }
        visit_mut::visit_path_mut(self, path);
    }

    fn visit_use_tree_mut(&mut self, tree: &mut UseTree) {
        if let UseTree::Path(p) = tree {
            if p.ident == "super" {
                let mut rest = (*p.tree).clone();
                while let UseTree::Path(q) = &rest {
                    if q.ident != "super" {
                        break;
                    }
                    rest = (*q.tree).clone();
                }
                p.ident = Ident::new("self", p.ident.span());
                *p.tree = rest;
            }
        }
        visit_mut::visit_use_tree_mut(self, tree);
    }
}
