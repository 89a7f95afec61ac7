//! Adds a plain Rust function beside each exported interface's `Guest`
//! trait, calling the component's implementation directly: `pub fn
//! sip_online(cfg: Config) -> Result<Vec<String>, Error>` in
//! `exports::telephony::pbx::ringostat`, and so for every function.
//!
//! They are what the gateway face calls when it is linked with this crate
//! into one module (its feature `linked`, the shipped `pbx_gateway.wasm`):
//! the face's bindings then name these modules instead of importing the
//! interfaces from another component. build.rs adds them only with this
//! crate's feature `linked`, so the component's own build is unchanged.
//! They take their arguments owned, as `Guest` does (an import takes them
//! borrowed); the face's generated calls pass them with `pass!`, which
//! moves or lends as the build needs.

use syn::{parse_quote, FnArg, Item, ItemMod, Pat, TraitItem};

/// Appends the functions to every module holding a `trait Guest`; returns
/// how many were added.
pub fn add_direct_calls(file: &mut syn::File) -> usize {
    file.items.iter_mut().map(in_item).sum()
}

fn in_item(item: &mut Item) -> usize {
    let Item::Mod(ItemMod { content: Some((_, items)), .. }) = item else { return 0 };
    let mut added = 0;
    let mut calls: Vec<Item> = Vec::new();
    for item in items.iter_mut() {
        added += in_item(item);
        let Item::Trait(t) = item else { continue };
        if t.ident != "Guest" {
            continue;
        }
        for f in &t.items {
            let TraitItem::Fn(f) = f else { continue };
            let sig = &f.sig;
            let name = &sig.ident;
            let docs = f.attrs.iter().filter(|a| a.path().is_ident("doc"));
            let args: Vec<_> = sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    FnArg::Typed(t) => match &*t.pat {
                        Pat::Ident(p) => Some(p.ident.clone()),
                        _ => None,
                    },
                    FnArg::Receiver(_) => None,
                })
                .collect();
            calls.push(parse_quote! {
                #(#docs)*
                #[inline]
                pub #sig {
                    <crate::bindings::Component as Guest>::#name(#(#args),*)
                }
            });
        }
    }
    added += calls.len();
    items.extend(calls);
    added
}
