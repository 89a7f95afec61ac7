//! The WIT contract as the gateway sees it: the interfaces world `pbx`
//! exports, the named types their functions reach, and the few roles a type
//! can play (a provider `config`, the shared `error`).

use std::collections::BTreeSet;
use std::path::Path;

use wit_parser::{Docs, Function, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId, TypeOwner, WorldItem};

/// The world whose exports the gateway serves.
pub const WORLD: &str = "pbx";
/// The record type that a provider interface is configured with; a request
/// may leave it out to use the gateway's server-held settings.
pub const CONFIG_TYPE: &str = "config";
/// The interface whose `error` variant the functions fail with.
pub const ERROR_INTERFACE: &str = "types";
/// The error variant's name.
pub const ERROR_TYPE: &str = "error";

/// The parsed contract and the interfaces served, in export order.
pub struct Model {
    /// Every package parsed (the contract and its `deps/`).
    pub resolve: Resolve,
    /// The interfaces world [`WORLD`] exports, in order.
    pub ifaces: Vec<InterfaceId>,
    /// The source files read, for a build script's rerun list.
    pub sources: Vec<std::path::PathBuf>,
}

/// One served function: its route and its WIT definition.
pub struct Route<'a> {
    /// The interface that exports it.
    pub iface: InterfaceId,
    /// The interface's name (`ringostat`): the route's first segment.
    pub iface_name: &'a str,
    /// The function.
    pub func: &'a Function,
}

impl Model {
    /// Parses the WIT directory (`wit/` with its `deps/`).
    pub fn load(dir: &Path) -> Result<Model, String> {
        let mut resolve = Resolve::default();
        let (pkg, sources) = resolve.push_path(dir).map_err(|e| format!("{}: {e:#}", dir.display()))?;
        let sources = sources.paths().map(Path::to_path_buf).collect();
        Self::new(resolve, pkg, sources)
    }

    /// Parses one WIT source text (the unit tests' small contracts).
    pub fn parse(text: &str) -> Result<Model, String> {
        let mut resolve = Resolve::default();
        let pkg = resolve.push_str("test.wit", text).map_err(|e| format!("{e:#}"))?;
        Self::new(resolve, pkg, Vec::new())
    }

    fn new(resolve: Resolve, pkg: wit_parser::PackageId, sources: Vec<std::path::PathBuf>) -> Result<Model, String> {
        let world = resolve.select_world(&[pkg], Some(WORLD)).map_err(|e| format!("world {WORLD}: {e:#}"))?;
        let ifaces = resolve.worlds[world]
            .exports
            .values()
            .map(|item| match item {
                WorldItem::Interface { id, .. } => Ok(*id),
                _ => Err(format!(
                    "world {WORLD} exports something other than an interface; the gateway serves interfaces"
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(Model { resolve, ifaces, sources })
    }

    /// Every served function, interface by interface, in WIT order.
    pub fn routes(&self) -> Vec<Route<'_>> {
        self.ifaces
            .iter()
            .flat_map(|&i| {
                let iface_name = self.iface_name(i);
                self.resolve.interfaces[i].functions.values().map(move |func| Route { iface: i, iface_name, func })
            })
            .collect()
    }

    /// `ringostat`.
    pub fn iface_name(&self, id: InterfaceId) -> &str {
        self.resolve.interfaces[id].name.as_deref().expect("exported interfaces are named")
    }

    /// `telephony:pbx/ringostat@0.1.0`.
    pub fn iface_id(&self, id: InterfaceId) -> String {
        self.resolve.id_of(id).expect("named interface")
    }

    /// The world's doc comment.
    pub fn world_docs(&self) -> Option<String> {
        self.resolve.worlds.iter().find(|(_, w)| w.name == WORLD).and_then(|(_, w)| docs(&w.docs))
    }

    /// The version of the contract's package (the `telephony` namespace).
    pub fn version(&self) -> String {
        self.resolve
            .packages
            .iter()
            .find(|(_, p)| p.name.namespace == "telephony")
            .and_then(|(_, p)| p.name.version.as_ref())
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    /// The version of the `wasi:<name>` package in `deps/`.
    pub fn wasi_version(&self, name: &str) -> String {
        self.resolve
            .packages
            .iter()
            .find(|(_, p)| p.name.namespace == "wasi" && p.name.name == name)
            .and_then(|(_, p)| p.name.version.as_ref())
            .map(|v| v.to_string())
            .unwrap_or_else(|| panic!("wit/deps has no versioned wasi:{name}"))
    }

    /// Follows `type a = b` aliases (including `use`) to the definition.
    pub fn canonical(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(next)) = self.resolve.types[id].kind {
            id = next;
        }
        id
    }

    /// The definition behind a type, if it is not a primitive.
    pub fn kind(&self, ty: &Type) -> Option<&TypeDefKind> {
        match ty {
            Type::Id(id) => Some(&self.resolve.types[self.canonical(*id)].kind),
            _ => None,
        }
    }

    /// Every named type definition reachable from the served functions,
    /// canonical, each after the types it refers to.
    pub fn named_types(&self) -> Vec<TypeId> {
        let mut seen = BTreeSet::new();
        let mut order = Vec::new();
        for r in self.routes() {
            for p in &r.func.params {
                self.collect(&p.ty, &mut seen, &mut order);
            }
            if let Some(t) = &r.func.result {
                self.collect(t, &mut seen, &mut order);
            }
        }
        order
    }

    /// The named types a function's answer can hold but no request can:
    /// the gateway writes every field of those (an `option` as `null`), so
    /// their schemas can require every field.
    pub fn answer_only_types(&self) -> BTreeSet<TypeId> {
        let (mut seen, mut answers, mut requests) = (BTreeSet::new(), Vec::new(), Vec::new());
        for r in self.routes() {
            if let Some(t) = &r.func.result {
                self.collect(t, &mut seen, &mut answers);
            }
        }
        seen.clear();
        for r in self.routes() {
            r.func.params.iter().for_each(|p| self.collect(&p.ty, &mut seen, &mut requests));
        }
        answers.into_iter().filter(|t| !requests.contains(t)).collect()
    }

    fn collect(&self, ty: &Type, seen: &mut BTreeSet<TypeId>, order: &mut Vec<TypeId>) {
        let Type::Id(id) = ty else { return };
        let id = self.canonical(*id);
        let def = &self.resolve.types[id];
        // A named alias of a primitive (`type id = string`) is the primitive.
        let named = def.name.is_some() && !matches!(def.kind, TypeDefKind::Type(_));
        if named && !seen.insert(id) {
            return;
        }
        match &def.kind {
            TypeDefKind::Record(r) => r.fields.iter().for_each(|f| self.collect(&f.ty, seen, order)),
            TypeDefKind::Variant(v) => {
                v.cases.iter().filter_map(|c| c.ty.as_ref()).for_each(|t| self.collect(t, seen, order))
            }
            TypeDefKind::Tuple(t) => t.types.iter().for_each(|t| self.collect(t, seen, order)),
            TypeDefKind::Option(t) | TypeDefKind::List(t) => self.collect(t, seen, order),
            TypeDefKind::Result(r) => {
                r.ok.iter().chain(r.err.iter()).for_each(|t| self.collect(t, seen, order));
            }
            TypeDefKind::Enum(_) | TypeDefKind::Flags(_) => {}
            TypeDefKind::Type(t) => self.collect(t, seen, order),
            TypeDefKind::Resource | TypeDefKind::Handle(Handle::Own(_) | Handle::Borrow(_)) => {
                panic!("resources cannot travel as JSON; the gateway serves value types only")
            }
            other => panic!("the gateway has no JSON mapping for {other:?}"),
        }
        if named {
            order.push(id);
        }
    }

    /// The interface that defines a named type.
    pub fn owner(&self, id: TypeId) -> InterfaceId {
        match self.resolve.types[id].owner {
            TypeOwner::Interface(i) => i,
            _ => panic!("served types are defined in interfaces"),
        }
    }

    /// `ringostat.config`: the name of a named type across interfaces (the
    /// OpenAPI schema name).
    pub fn type_name(&self, id: TypeId) -> String {
        format!("{}.{}", self.iface_name(self.owner(id)), self.resolve.types[id].name.as_deref().expect("named"))
    }

    /// Whether the type is a provider's `config` record (filled from the
    /// server-held settings when a request leaves it out).
    pub fn is_config(&self, id: TypeId) -> bool {
        let def = &self.resolve.types[id];
        def.name.as_deref() == Some(CONFIG_TYPE) && matches!(def.kind, TypeDefKind::Record(_))
    }

    /// [`Model::is_config`] of a type use.
    pub fn is_config_type(&self, ty: &Type) -> bool {
        matches!(ty, Type::Id(id) if self.is_config(self.canonical(*id)))
    }

    /// Whether the type is `option<T>`.
    pub fn is_option(&self, ty: &Type) -> bool {
        matches!(self.kind(ty), Some(TypeDefKind::Option(_)))
    }

    /// Whether the type is the shared `error` variant.
    pub fn is_error(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return false };
        let id = self.canonical(*id);
        self.resolve.types[id].name.as_deref() == Some(ERROR_TYPE)
            && self.resolve.interfaces[self.owner(id)].name.as_deref() == Some(ERROR_INTERFACE)
    }

    /// Whether a function returns `result<T, error>`: its error is the
    /// provider's (a typed error answer), not a value.
    pub fn fails_with_error(&self, f: &Function) -> bool {
        match f.result.as_ref().and_then(|t| self.kind(t)) {
            Some(TypeDefKind::Result(r)) => r.err.as_ref().is_some_and(|e| self.is_error(e)),
            _ => false,
        }
    }

    /// The name every function gives its provider-config parameter (`cfg`):
    /// one name across the contract, so the gateway and its callers can
    /// rely on it. Panics when two functions disagree.
    pub fn config_param(&self) -> Option<String> {
        let mut names = BTreeSet::new();
        for r in self.routes() {
            names.extend(r.func.params.iter().filter(|p| self.is_config_type(&p.ty)).map(|p| p.name.clone()));
        }
        assert!(names.len() <= 1, "the config parameters have several names: {names:?}; keep one");
        // The CLI and the gateway's clients know the name from
        // pbx-convention: a WIT that renames it must change it there too.
        if let Some(name) = names.first() {
            assert_eq!(name, pbx_convention::CONFIG_PARAM, "the config parameter is not pbx_convention::CONFIG_PARAM");
        }
        names.into_iter().next()
    }

    /// A type as the WIT source writes it (`option<list<string>>`,
    /// `ringostat.config` for a named type of another interface is just
    /// `config`).
    pub fn wit_type(&self, ty: &Type) -> String {
        let prim = match ty {
            Type::Bool => "bool",
            Type::U8 => "u8",
            Type::U16 => "u16",
            Type::U32 => "u32",
            Type::U64 => "u64",
            Type::S8 => "s8",
            Type::S16 => "s16",
            Type::S32 => "s32",
            Type::S64 => "s64",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::Char => "char",
            Type::String => "string",
            Type::ErrorContext => "error-context",
            Type::Id(id) => {
                let def = &self.resolve.types[*id];
                if let Some(name) = &def.name {
                    return name.clone();
                }
                let opt = |t: &Option<Type>| t.as_ref().map_or_else(|| "_".to_string(), |t| self.wit_type(t));
                return match &def.kind {
                    TypeDefKind::Option(t) => format!("option<{}>", self.wit_type(t)),
                    TypeDefKind::List(t) => format!("list<{}>", self.wit_type(t)),
                    TypeDefKind::Tuple(t) => {
                        let items: Vec<String> = t.types.iter().map(|t| self.wit_type(t)).collect();
                        format!("tuple<{}>", items.join(", "))
                    }
                    TypeDefKind::Result(r) => format!("result<{}, {}>", opt(&r.ok), opt(&r.err)),
                    TypeDefKind::Type(t) => self.wit_type(t),
                    other => format!("{other:?}"),
                };
            }
        };
        prim.to_string()
    }
}

/// A doc comment, trimmed; `None` when empty.
pub fn docs(d: &Docs) -> Option<String> {
    d.contents.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small contract with every shape the gateway maps.
    pub const WIT: &str = r#"
package telephony:demo@0.2.0;

interface types {
  /// Why a call failed.
  variant error {
    /// Refused.
    invalid-input(string),
    timeout,
  }
}

/// A provider.
interface prov {
  use types.{error};
  record config {
    base-url: option<string>,
    timeout-ms: option<u32>,
  }
  enum mode { fast, slow }
  flags perms { read, write-all }
  /// Lists things.
  ///
  /// More words.
  list-things: func(cfg: config, mode: mode, page: option<u32>, pair: tuple<string, u8>) -> result<list<string>, error>;
  ping: func() -> bool;
  rights: func(cfg: config) -> result<perms, error>;
}

/// The world.
world pbx {
  export types;
  export prov;
}
"#;

    #[test]
    fn routes_and_types_come_in_wit_order() {
        let m = Model::parse(WIT).expect("parses");
        let routes: Vec<String> = m.routes().iter().map(|r| format!("{}.{}", r.iface_name, r.func.name)).collect();
        assert_eq!(routes, ["prov.list-things", "prov.ping", "prov.rights"]);
        let types: Vec<String> = m.named_types().into_iter().map(|t| m.type_name(t)).collect();
        assert_eq!(types, ["prov.config", "prov.mode", "types.error", "prov.perms"]);
        assert_eq!(m.version(), "0.2.0");
        assert_eq!(m.config_param().as_deref(), Some("cfg"));
        let answers: Vec<String> = m.answer_only_types().into_iter().map(|t| m.type_name(t)).collect();
        assert_eq!(answers, ["types.error", "prov.perms"]);
    }

    #[test]
    fn wit_types_print_as_the_source_writes_them() {
        let m = Model::parse(WIT).expect("parses");
        let f = m.routes().into_iter().find(|r| r.func.name == "list-things").expect("route").func;
        let params: Vec<String> = f.params.iter().map(|p| m.wit_type(&p.ty)).collect();
        assert_eq!(params, ["config", "mode", "option<u32>", "tuple<string, u8>"]);
        assert_eq!(m.wit_type(f.result.as_ref().expect("result")), "result<list<string>, error>");
        assert!(m.fails_with_error(f));
    }
}
