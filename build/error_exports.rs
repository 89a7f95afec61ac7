//! How many exports return `result<_, error>`: the number of `Err` arms
//! build/share_error.rs must find and share, counted from the WIT rather
//! than from the generated code, so an arm the rewrite no longer recognises
//! fails the build instead of staying inline (each is ~820 bytes of wasm).

use wit_bindgen_core::wit_parser::{Function, Resolve, Type, TypeDefKind, TypeId, TypeOwner, WorldId, WorldItem};

/// The exported functions, in interfaces or directly in the world, whose
/// result is `result<_, error>` with `error` the variant of `types`.
pub fn count(resolve: &Resolve, world: WorldId) -> usize {
    let mut n = 0;
    for item in resolve.worlds[world].exports.values() {
        match item {
            WorldItem::Interface { id, .. } => {
                n += resolve.interfaces[*id].functions.values().filter(|f| returns_error(resolve, f)).count();
            }
            WorldItem::Function(f) => n += usize::from(returns_error(resolve, f)),
            WorldItem::Type { .. } => {}
        }
    }
    n
}

fn returns_error(resolve: &Resolve, f: &Function) -> bool {
    let Some(Type::Id(result)) = f.result else { return false };
    let TypeDefKind::Result(r) = &resolve.types[dealias(resolve, result)].kind else { return false };
    let Some(Type::Id(err)) = r.err else { return false };
    let err = &resolve.types[dealias(resolve, err)];
    err.name.as_deref() == Some("error")
        && matches!(err.owner, TypeOwner::Interface(i) if resolve.interfaces[i].name.as_deref() == Some("types"))
}

/// The type a `use`d name (an alias) stands for.
fn dealias(resolve: &Resolve, mut id: TypeId) -> TypeId {
    while let TypeDefKind::Type(Type::Id(next)) = resolve.types[id].kind {
        id = next;
    }
    id
}

/// Every exported function of an interface (the direct calls
/// build/direct.rs adds, one each).
pub fn functions(resolve: &Resolve, world: WorldId) -> usize {
    resolve.worlds[world]
        .exports
        .values()
        .map(|item| match item {
            WorldItem::Interface { id, .. } => resolve.interfaces[*id].functions.len(),
            _ => 0,
        })
        .sum()
}
