//! Generates the gateway from the WIT contract in `../wit`, the one place the
//! routes come from:
//!
//! - `bindings.rs`: the `wit_bindgen::generate!` call of world `gateway`,
//!   which imports every interface the `pbx` world exports (plus
//!   `wasi:cli/environment`) and exports `wasi:http/incoming-handler`;
//! - `dispatch.rs`: `FromJson` / `ToJson` impls for every named WIT type, and
//!   `call`, which maps `(interface, function, JSON arguments)` to the
//!   imported function and its JSON result;
//! - `openapi.json` (and `openapi.json.deflate`, which the gateway embeds):
//!   the OpenAPI 3.1 document of every route, with schemas
//!   derived from the WIT types and the WIT doc comments as descriptions.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use serde_json::{json, Map, Value};
use wit_parser::{Function, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId, TypeOwner, WorldItem};

/// The world whose exports the gateway serves.
const WORLD: &str = "pbx";
/// The record type that a provider interface is configured with; a request
/// may leave it out to use the gateway's server-held settings.
const CONFIG_TYPE: &str = "config";
/// The interface whose `error` variant the functions fail with.
const ERROR_INTERFACE: &str = "types";
/// The error variant's name.
const ERROR_TYPE: &str = "error";
/// The URL fields of a provider `config` (the host a request goes to),
/// with whether a bare host without `://` means `https://` (TRiNG's
/// `server`, as src/tring/query.rs parses it). Other fields named `server`
/// (TRiNG `dial-request.server`, `sms`'s `server` parameter) are not URLs:
/// they name the PBX node that places the call or sends the SMS, travel as a
/// query value to the config's own server, and are checked as tokens by the
/// component; nothing is sent to them.
const URL_FIELDS: &[(&str, bool)] = &[("base-url", false), ("server", true)];
/// The `timeout-ms` field of a provider `config`, bounded by
/// PBX_MAX_TIMEOUT_MS.
const TIMEOUT_FIELD: &str = "timeout-ms";
/// The request body cap, in bytes, stated in the OpenAPI document (the
/// gateway's `BODY_CAP` is generated from it).
const BODY_CAP: u64 = 8 * 1024 * 1024;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let wit = Path::new(&manifest).join("../wit");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", wit.display());

    let mut resolve = Resolve::default();
    let (pkg, sources) = resolve.push_path(&wit).expect("../wit parses");
    for p in sources.paths() {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    let world = resolve.select_world(&[pkg], Some(WORLD)).expect("world pbx");
    let ifaces: Vec<InterfaceId> = resolve.worlds[world]
        .exports
        .values()
        .map(|item| match item {
            WorldItem::Interface { id, .. } => *id,
            _ => panic!("world {WORLD} exports something other than an interface; the gateway serves interfaces"),
        })
        .collect();
    let gen = Gen { resolve: &resolve, ifaces: &ifaces };

    std::fs::write(Path::new(&out).join("bindings.rs"), gen.bindings()).expect("write bindings.rs");
    std::fs::write(Path::new(&out).join("dispatch.rs"), gen.dispatch()).expect("write dispatch.rs");
    let doc = serde_json::to_string(&gen.openapi()).expect("OpenAPI serializes");
    // Embedded deflated (raw DEFLATE, level 10); the gateway inflates it per request.
    let deflated = miniz_oxide::deflate::compress_to_vec(doc.as_bytes(), 10);
    std::fs::write(Path::new(&out).join("openapi.json.deflate"), deflated).expect("write openapi.json.deflate");
    std::fs::write(Path::new(&out).join("openapi.json"), doc).expect("write openapi.json");
}

struct Gen<'a> {
    resolve: &'a Resolve,
    ifaces: &'a [InterfaceId],
}

/// `to_rust_ident` of wit-bindgen-rust 0.61 (keywords get a trailing `_`).
fn rust_ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl",
        "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "static", "struct",
        "super", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract",
        "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
    ];
    if KEYWORDS.contains(&name) {
        format!("{name}_")
    } else {
        name.to_snake_case()
    }
}

/// `to_upper_camel_case` of wit-bindgen-rust 0.61.
fn rust_type_name(name: &str) -> String {
    if name == "guest" {
        "Guest_".to_string()
    } else {
        name.to_upper_camel_case()
    }
}

/// A Rust string literal.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn docs(d: &wit_parser::Docs) -> Option<String> {
    d.contents.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Gen<'_> {
    fn iface_name(&self, id: InterfaceId) -> &str {
        self.resolve.interfaces[id].name.as_deref().expect("exported interfaces are named")
    }

    /// `telephony:pbx/ringostat@0.1.0`.
    fn iface_id(&self, id: InterfaceId) -> String {
        self.resolve.id_of(id).expect("named interface")
    }

    /// The Rust module path of an imported interface in the bindings.
    fn iface_path(&self, id: InterfaceId) -> String {
        let iface = &self.resolve.interfaces[id];
        let pkg = &self.resolve.packages[iface.package.expect("interface in a package")];
        format!(
            "crate::bindings::{}::{}::{}",
            rust_ident(&pkg.name.namespace),
            rust_ident(&pkg.name.name),
            rust_ident(iface.name.as_deref().expect("named"))
        )
    }

    /// Follows `type a = b` aliases (including `use`) to the definition.
    fn canonical(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(next)) = self.resolve.types[id].kind {
            id = next;
        }
        id
    }

    /// Every named type definition reachable from the served functions,
    /// canonical, in a stable order.
    fn named_types(&self) -> Vec<TypeId> {
        let mut seen = BTreeSet::new();
        let mut order = Vec::new();
        for &i in self.ifaces {
            for f in self.resolve.interfaces[i].functions.values() {
                for p in &f.params {
                    self.collect(&p.ty, &mut seen, &mut order);
                }
                if let Some(r) = &f.result {
                    self.collect(r, &mut seen, &mut order);
                }
            }
        }
        order
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
    fn owner(&self, id: TypeId) -> InterfaceId {
        match self.resolve.types[id].owner {
            TypeOwner::Interface(i) => i,
            _ => panic!("served types are defined in interfaces"),
        }
    }

    /// Whether the type is a provider's `config` record (filled from the
    /// server-held settings when a request leaves it out).
    fn is_config(&self, id: TypeId) -> bool {
        let def = &self.resolve.types[id];
        def.name.as_deref() == Some(CONFIG_TYPE) && matches!(def.kind, TypeDefKind::Record(_))
    }

    /// Whether the type is the shared `error` variant.
    fn is_error(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return false };
        let id = self.canonical(*id);
        self.resolve.types[id].name.as_deref() == Some(ERROR_TYPE)
            && self.resolve.interfaces[self.owner(id)].name.as_deref() == Some(ERROR_INTERFACE)
    }

    /// The owned Rust type of a WIT type in the bindings.
    fn rust_type(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "i8".into(),
            Type::S16 => "i16".into(),
            Type::S32 => "i32".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => "alloc::string::String".into(),
            Type::ErrorContext => panic!("error-context is not served"),
            Type::Id(id) => {
                let id = self.canonical(*id);
                let def = &self.resolve.types[id];
                if let TypeDefKind::Type(t) = &def.kind {
                    return self.rust_type(t);
                }
                if let Some(name) = &def.name {
                    return format!("{}::{}", self.iface_path(self.owner(id)), rust_type_name(name));
                }
                match &def.kind {
                    TypeDefKind::Option(t) => format!("Option<{}>", self.rust_type(t)),
                    TypeDefKind::List(t) => format!("alloc::vec::Vec<{}>", self.rust_type(t)),
                    TypeDefKind::Tuple(t) => {
                        let items: Vec<String> = t.types.iter().map(|t| self.rust_type(t)).collect();
                        format!("({},)", items.join(", "))
                    }
                    TypeDefKind::Result(r) => format!("Result<{}, {}>", self.opt_type(&r.ok), self.opt_type(&r.err)),
                    TypeDefKind::Type(t) => self.rust_type(t),
                    other => panic!("no Rust type for anonymous {other:?}"),
                }
            }
        }
    }

    fn opt_type(&self, t: &Option<Type>) -> String {
        t.as_ref().map_or_else(|| "()".to_string(), |t| self.rust_type(t))
    }

    // ---- bindings.rs -------------------------------------------------------

    fn bindings(&self) -> String {
        let http = self.wasi_version("http");
        let mut world =
            String::from("package telephony:gateway;\n\n/// The pbx library behind an HTTP face.\nworld gateway {\n");
        let cli = self.wasi_version("cli");
        let _ = writeln!(world, "  import wasi:cli/environment@{cli};");
        for &i in self.ifaces {
            let _ = writeln!(world, "  import {};", self.iface_id(i));
        }
        let _ = writeln!(world, "  export wasi:http/incoming-handler@{http};\n}}");
        let io = self.wasi_version("io");
        format!(
            "wit_bindgen::generate!({{\n    inline: {},\n    path: \"../wit\",\n    world: \"gateway\",\n    \
             disable_run_ctors_once_workaround: true,\n    generate_all,\n    with: {{\n        \
             \"wasi:cli/environment@{cli}\": ::wasi::cli::environment,\n        \
             \"wasi:http/types@{http}\": ::wasi::http::types,\n        \
             \"wasi:io/poll@{io}\": ::wasi::io::poll,\n        \
             \"wasi:io/error@{io}\": ::wasi::io::error,\n        \
             \"wasi:io/streams@{io}\": ::wasi::io::streams,\n    }},\n}});\n",
            lit(&world)
        )
    }

    /// The version of the `wasi:<name>` package in `../wit/deps`.
    fn wasi_version(&self, name: &str) -> String {
        self.resolve
            .packages
            .iter()
            .find(|(_, p)| p.name.namespace == "wasi" && p.name.name == name)
            .and_then(|(_, p)| p.name.version.as_ref())
            .map(|v| v.to_string())
            .unwrap_or_else(|| panic!("wit/deps has no versioned wasi:{name}"))
    }

    // ---- dispatch.rs -------------------------------------------------------

    fn dispatch(&self) -> String {
        let mut s = String::from("// Generated by build.rs from ../wit: do not edit.\n\n");
        let _ = writeln!(s, "/// The request body cap, in bytes.\npub const BODY_CAP: u64 = {BODY_CAP};\n");
        for id in self.named_types() {
            self.impls(id, &mut s);
        }
        // The route table.
        s.push_str("/// Every route, as (interface, function).\npub const ROUTES: &[(&str, &str)] = &[\n");
        for &i in self.ifaces {
            for f in self.resolve.interfaces[i].functions.values() {
                let _ = writeln!(s, "    ({}, {}),", lit(self.iface_name(i)), lit(&f.name));
            }
        }
        s.push_str("];\n\n");
        // The parameter names of each route: read_args refuses any other
        // member before it parses a value.
        s.push_str(
            "/// The parameter names of `interface.function` (empty when there is no such route).\n\
             pub fn params(iface: &str, func: &str) -> &'static [&'static str] {\n    match (iface, func) {\n",
        );
        for &i in self.ifaces {
            for f in self.resolve.interfaces[i].functions.values() {
                let names: Vec<String> = f.params.iter().map(|p| lit(&p.name)).collect();
                let _ =
                    writeln!(s, "        ({}, {}) => &[{}],", lit(self.iface_name(i)), lit(&f.name), names.join(", "));
            }
        }
        s.push_str("        _ => &[],\n    }\n}\n\n");
        s.push_str(
            "/// Calls `interface.function` with the JSON arguments (the request body,\n\
             /// dropped once they are parsed); `None` when there is no such route.\n\
             pub fn call(iface: &str, func: &str, args: Args, cx: &Cx)\n    \
             -> Option<Result<Outcome, Bad>> {\n    \
             Some(match (iface, func) {\n",
        );
        for &i in self.ifaces {
            for f in self.resolve.interfaces[i].functions.values() {
                self.arm(i, f, &mut s);
            }
        }
        s.push_str("        _ => return None,\n    })\n}\n");
        s
    }

    fn arm(&self, iface: InterfaceId, f: &Function, s: &mut String) {
        let _ = writeln!(s, "        ({}, {}) => (move || {{", lit(self.iface_name(iface)), lit(&f.name));
        let mut call_args = Vec::new();
        for (n, p) in f.params.iter().enumerate() {
            let _ = writeln!(s, "            let a{n}: {} = arg(&args, {}, cx)?;", self.rust_type(&p.ty), lit(&p.name));
            call_args.push(format!("Lend::lend(&a{n})"));
        }
        // The body's memory is free again before the call.
        s.push_str("            drop(args);\n");
        let _ = writeln!(
            s,
            "            let r = {}::{}({});",
            self.iface_path(iface),
            rust_ident(&f.name),
            call_args.join(", ")
        );
        let provider_result = match &f.result {
            Some(Type::Id(id)) => match &self.resolve.types[self.canonical(*id)].kind {
                TypeDefKind::Result(r) => r.err.as_ref().is_some_and(|e| self.is_error(e)),
                _ => false,
            },
            _ => false,
        };
        if provider_result {
            s.push_str(
                "            Ok(match r { Ok(v) => Outcome::Ok(alloc::boxed::Box::new(v)), Err(e) => Outcome::Provider(e) })\n",
            );
        } else {
            s.push_str("            Ok(Outcome::Ok(alloc::boxed::Box::new(r)))\n");
        }
        s.push_str("        })(),\n");
    }

    fn impls(&self, id: TypeId, s: &mut String) {
        let def = &self.resolve.types[id];
        let path = self.rust_type(&Type::Id(id));
        let owner = self.iface_name(self.owner(id)).to_string();
        let _ = writeln!(
            s,
            "impl FromJson for {path} {{\n    fn from_json(v: Option<&Value>, cx: &Cx) -> Result<Self, Bad> {{"
        );
        match &def.kind {
            TypeDefKind::Record(r) => {
                let config = self.is_config(id);
                if config {
                    let _ = writeln!(
                        s,
                        "        if absent(v) {{\n            let held = cx.held({})?;\n            \
                         return Self::from_json(Some(&held), &cx.for_held());\n        }}",
                        lit(&owner)
                    );
                }
                let names: Vec<String> = r.fields.iter().map(|f| lit(&f.name)).collect();
                let binding = if config { "mut out" } else { "out" };
                let _ = writeln!(
                    s,
                    "        let o = object(v, &[{}])?;\n        let {binding} = Self {{",
                    names.join(", ")
                );
                for f in &r.fields {
                    let _ = writeln!(s, "            {}: field(o, {}, cx)?,", rust_ident(&f.name), lit(&f.name));
                }
                s.push_str("        };\n");
                if config {
                    self.outbound_checks(id, r, s);
                }
                s.push_str("        Ok(out)\n    }\n}\n");
                let _ = writeln!(s, "impl ToJson for {path} {{\n    fn write_json(&self, out: &mut Out) {{");
                for (n, f) in r.fields.iter().enumerate() {
                    let open = if n == 0 { "{" } else { "," };
                    let _ = writeln!(
                        s,
                        "        out.text({});\n        self.{}.write_json(out);",
                        lit(&format!("{open}\"{}\":", f.name)),
                        rust_ident(&f.name)
                    );
                }
                let close = if r.fields.is_empty() { "{}" } else { "}" };
                let _ = writeln!(s, "        out.text({});\n    }}\n}}\n", lit(close));
            }
            TypeDefKind::Enum(e) => {
                let names: Vec<String> = e.cases.iter().map(|c| lit(&c.name)).collect();
                let _ = writeln!(s, "        Ok(match enum_case(v, &[{}])? {{", names.join(", "));
                for c in &e.cases {
                    let _ = writeln!(s, "            {} => Self::{},", lit(&c.name), rust_type_name(&c.name));
                }
                s.push_str("            _ => unreachable!(),\n        })\n    }\n}\n");
                let _ = writeln!(
                    s,
                    "impl ToJson for {path} {{\n    fn write_json(&self, out: &mut Out) {{\n        out.text(match self {{"
                );
                for c in &e.cases {
                    let _ = writeln!(
                        s,
                        "            Self::{} => {},",
                        rust_type_name(&c.name),
                        lit(&format!("\"{}\"", c.name))
                    );
                }
                s.push_str("        })\n    }\n}\n\n");
            }
            TypeDefKind::Variant(var) => {
                let names: Vec<String> = var.cases.iter().map(|c| lit(&c.name)).collect();
                let _ = writeln!(
                    s,
                    "        let (case, p) = variant_case(v, &[{}])?;\n        Ok(match case {{",
                    names.join(", ")
                );
                for c in &var.cases {
                    let ctor = rust_type_name(&c.name);
                    match c.ty {
                        Some(_) => {
                            let _ = writeln!(
                                s,
                                "            {} => Self::{ctor}(FromJson::from_json(p, cx).map_err(|e| e.at({}))?),",
                                lit(&c.name),
                                lit(&c.name)
                            );
                        }
                        None => {
                            let _ = writeln!(s, "            {} => Self::{ctor},", lit(&c.name));
                        }
                    }
                }
                s.push_str("            _ => unreachable!(),\n        })\n    }\n}\n");
                let _ = writeln!(
                    s,
                    "impl ToJson for {path} {{\n    fn write_json(&self, out: &mut Out) {{\n        match self {{"
                );
                for c in &var.cases {
                    let ctor = rust_type_name(&c.name);
                    match c.ty {
                        Some(_) => {
                            let _ = writeln!(
                                s,
                                "            Self::{ctor}(p) => {{ out.text({}); p.write_json(out); out.text(\"}}\"); }}",
                                lit(&format!("{{\"{}\":", c.name))
                            );
                        }
                        None => {
                            let _ = writeln!(
                                s,
                                "            Self::{ctor} => out.text({}),",
                                lit(&format!("\"{}\"", c.name))
                            );
                        }
                    }
                }
                s.push_str("        }\n    }\n}\n\n");
            }
            TypeDefKind::Flags(fl) => {
                let names: Vec<String> = fl.flags.iter().map(|f| lit(&f.name)).collect();
                let _ = writeln!(
                    s,
                    "        let mut out = Self::empty();\n        for name in flag_names(v, &[{}])? {{\n            \
                     out |= match name {{",
                    names.join(", ")
                );
                for f in &fl.flags {
                    let _ = writeln!(s, "                {} => Self::{},", lit(&f.name), f.name.to_shouty_snake_case());
                }
                s.push_str(
                    "                _ => unreachable!(),\n            };\n        }\n        Ok(out)\n    }\n}\n",
                );
                let _ = writeln!(
                    s,
                    "impl ToJson for {path} {{\n    fn write_json(&self, out: &mut Out) {{\n        \
                     let mut sep = \"[\";"
                );
                for f in &fl.flags {
                    let _ = writeln!(
                        s,
                        "        if self.contains(Self::{}) {{ out.text(sep); sep = \",\"; out.text({}); }}",
                        f.name.to_shouty_snake_case(),
                        lit(&format!("\"{}\"", f.name))
                    );
                }
                s.push_str("        if sep == \"[\" { out.text(\"[\"); }\n        out.text(\"]\");\n    }\n}\n\n");
            }
            other => panic!("no JSON mapping generated for named {other:?}"),
        }
    }

    /// The outbound rules of a provider config (gateway/src/outbound.rs):
    /// its URL field checked against PBX_ALLOWED_HOSTS and rewritten, its
    /// `timeout-ms` bounded. Every config record must have a URL field
    /// ([`URL_FIELDS`]) and a `timeout-ms`: a provider added without them
    /// fails the build rather than slipping past the checks.
    fn outbound_checks(&self, id: TypeId, r: &wit_parser::Record, s: &mut String) {
        let string_or_option = |ty: &Type| match ty {
            Type::String => true,
            Type::Id(t) => matches!(self.resolve.types[self.canonical(*t)].kind, TypeDefKind::Option(Type::String)),
            _ => false,
        };
        let mut urls = 0;
        for f in &r.fields {
            if let Some((_, bare)) = URL_FIELDS.iter().find(|(n, _)| *n == f.name) {
                assert!(
                    string_or_option(&f.ty),
                    "{}.{} must be a string or option<string>",
                    self.schema_name(id),
                    f.name
                );
                let _ = writeln!(
                    s,
                    "        cx.config_url(crate::outbound::UrlField::url_mut(&mut out.{}), {}, {bare})?;",
                    rust_ident(&f.name),
                    lit(&f.name)
                );
                urls += 1;
            }
        }
        assert!(urls > 0, "{} has no URL field: add it to URL_FIELDS in gateway/build.rs", self.schema_name(id));
        let timeout = r.fields.iter().find(|f| f.name == TIMEOUT_FIELD);
        let is_option_u32 = |ty: &Type| matches!(ty, Type::Id(t) if matches!(self.resolve.types[self.canonical(*t)].kind, TypeDefKind::Option(Type::U32)));
        assert!(
            timeout.is_some_and(|f| is_option_u32(&f.ty)),
            "{} has no {TIMEOUT_FIELD}: option<u32>, which PBX_MAX_TIMEOUT_MS bounds",
            self.schema_name(id)
        );
        let _ = writeln!(s, "        cx.outbound.timeout(&mut out.{});", rust_ident(TIMEOUT_FIELD));
    }

    // ---- openapi.json ------------------------------------------------------

    /// `ringostat.config`: the component schema name of a named type.
    fn schema_name(&self, id: TypeId) -> String {
        format!("{}.{}", self.iface_name(self.owner(id)), self.resolve.types[id].name.as_deref().expect("named"))
    }

    /// The JSON schema of a WIT type (named types by `$ref`).
    fn schema(&self, ty: &Type) -> Value {
        let int = |min: i128, max: i128| json!({"type": "integer", "minimum": min, "maximum": max});
        match ty {
            Type::Bool => json!({"type": "boolean"}),
            Type::U8 => int(0, u8::MAX.into()),
            Type::U16 => int(0, u16::MAX.into()),
            Type::U32 => int(0, u32::MAX.into()),
            Type::U64 => json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}),
            Type::S8 => int(i8::MIN.into(), i8::MAX.into()),
            Type::S16 => int(i16::MIN.into(), i16::MAX.into()),
            Type::S32 => json!({"type": "integer", "format": "int32"}),
            Type::S64 => json!({"type": "integer", "format": "int64"}),
            Type::F32 => json!({"type": "number", "format": "float"}),
            Type::F64 => json!({"type": "number", "format": "double"}),
            Type::Char => json!({"type": "string", "minLength": 1, "maxLength": 1}),
            Type::String => json!({"type": "string"}),
            Type::ErrorContext => panic!("error-context is not served"),
            Type::Id(id) => {
                let id = self.canonical(*id);
                let def = &self.resolve.types[id];
                if let TypeDefKind::Type(t) = &def.kind {
                    return self.schema(t);
                }
                if def.name.is_some() {
                    return json!({"$ref": format!("#/components/schemas/{}", self.schema_name(id))});
                }
                match &def.kind {
                    TypeDefKind::Option(t) => json!({"anyOf": [self.schema(t), {"type": "null"}]}),
                    TypeDefKind::List(Type::U8) => {
                        json!({
                            "type": "string",
                            "contentEncoding": "base64",
                            "description": "bytes, base64 (RFC 4648, with padding)",
                        })
                    }
                    TypeDefKind::List(t) => json!({"type": "array", "items": self.schema(t)}),
                    TypeDefKind::Tuple(t) => {
                        let items: Vec<Value> = t.types.iter().map(|t| self.schema(t)).collect();
                        json!({"type": "array", "prefixItems": items, "items": false, "minItems": items.len(), "maxItems": items.len()})
                    }
                    TypeDefKind::Result(r) => {
                        let side =
                            |t: &Option<Type>| t.as_ref().map_or_else(|| json!({"type": "null"}), |t| self.schema(t));
                        json!({"oneOf": [
                            {"type": "object", "properties": {"ok": side(&r.ok)}, "required": ["ok"],
                                "additionalProperties": false},
                            {"type": "object", "properties": {"err": side(&r.err)}, "required": ["err"],
                                "additionalProperties": false},
                        ]})
                    }
                    other => panic!("no schema for anonymous {other:?}"),
                }
            }
        }
    }

    fn is_option(&self, ty: &Type) -> bool {
        matches!(ty, Type::Id(id) if matches!(self.resolve.types[self.canonical(*id)].kind, TypeDefKind::Option(_)))
    }

    fn is_config_type(&self, ty: &Type) -> bool {
        matches!(ty, Type::Id(id) if self.is_config(self.canonical(*id)))
    }

    fn with_doc(mut schema: Value, d: Option<String>) -> Value {
        if let Some(d) = d {
            if schema.get("$ref").is_some() {
                // 3.1 allows siblings of `$ref`, but keep the reference clean.
                schema = json!({"allOf": [schema], "description": d});
            } else if let Some(o) = schema.as_object_mut() {
                o.insert("description".into(), Value::String(d));
            }
        }
        schema
    }

    fn named_schema(&self, id: TypeId) -> Value {
        let def = &self.resolve.types[id];
        let mut out = match &def.kind {
            TypeDefKind::Record(r) => {
                let mut props = Map::new();
                let mut required = Vec::new();
                for f in &r.fields {
                    props.insert(f.name.clone(), Self::with_doc(self.schema(&f.ty), docs(&f.docs)));
                    if !self.is_option(&f.ty) && !self.is_config_type(&f.ty) {
                        required.push(Value::String(f.name.clone()));
                    }
                }
                json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
            }
            TypeDefKind::Enum(e) => {
                // `enum`, not `oneOf` of `const`: client generators take
                // only the first `const` of a `oneOf` (openapi-python-client
                // refused every answer but the first case). The cases' docs
                // go into the description.
                let names: Vec<&str> = e.cases.iter().map(|c| c.name.as_str()).collect();
                let mut o = json!({"type": "string", "enum": names});
                let described: Vec<String> = e
                    .cases
                    .iter()
                    .filter_map(|c| docs(&c.docs).map(|d| format!("- `{}`: {}", c.name, d.replace('\n', " "))))
                    .collect();
                if !described.is_empty() {
                    o["description"] = Value::String(described.join("\n"));
                }
                o
            }
            TypeDefKind::Variant(v) => {
                let cases: Vec<Value> = v
                    .cases
                    .iter()
                    .map(|c| {
                        let mut o = match &c.ty {
                            None => json!({"const": c.name}),
                            // A provider config may be left out: `"case"` or
                            // `{"case": null}` take the server-held one.
                            Some(t) if self.is_config_type(t) => json!({"oneOf": [
                                {"const": c.name},
                                {
                                    "type": "object",
                                    "properties": {c.name.clone(): {"anyOf": [self.schema(t), {"type": "null"}]}},
                                    "required": [c.name],
                                    "additionalProperties": false,
                                },
                            ]}),
                            Some(t) => json!({
                                "type": "object",
                                "properties": {c.name.clone(): self.schema(t)},
                                "required": [c.name],
                                "additionalProperties": false,
                            }),
                        };
                        if let Some(d) = docs(&c.docs) {
                            o["description"] = Value::String(d);
                        }
                        o
                    })
                    .collect();
                json!({"oneOf": cases})
            }
            TypeDefKind::Flags(f) => {
                let names: Vec<&str> = f.flags.iter().map(|f| f.name.as_str()).collect();
                json!({"type": "array", "items": {"enum": names}, "uniqueItems": true})
            }
            other => panic!("no schema for named {other:?}"),
        };
        let mut d = docs(&def.docs).unwrap_or_default();
        if self.is_config(id) {
            if !d.is_empty() {
                d.push_str("\n\n");
            }
            d.push_str(
                "Leave it out (or send null) to use the gateway's server-held settings (PBX_* variables); \
                 they are used only when the gateway has a token (PBX_GATEWAY_TOKEN). A config that is sent \
                 is used as sent: nothing server-held is mixed into it, but its URL (base-url, server) must \
                 be allowed by PBX_ALLOWED_HOSTS (else 403 host-not-allowed; it is passed on in canonical \
                 form), and its timeout-ms is lowered to PBX_MAX_TIMEOUT_MS (default 60000).",
            );
        }
        if !d.is_empty() {
            out["description"] = Value::String(d);
        }
        out
    }

    fn openapi(&self) -> Value {
        let mut schemas = Map::new();
        for id in self.named_types() {
            schemas.insert(self.schema_name(id), self.named_schema(id));
        }
        schemas.insert(
            "gateway.error".into(),
            json!({
                "description": "Every failure: `kind` names it. Provider errors carry the `error` case as \
                    `kind` and its payload's fields (`field`/`reason` for invalid-input; `message` for \
                    unauthorized, forbidden, not-found, transport, outcome-unknown, decode; `retry-after` seconds for \
                    rate-limited; `status`/`code`/`message` for provider; `cap` for too-large). The gateway's \
                    own refusals: `unauthorized` (401, token), `duplicate-authorization` (400, more than one \
                    Authorization header), `no-token` (503, the gateway has no PBX_GATEWAY_TOKEN and is not \
                    opened with PBX_GATEWAY_AUTH=none), `unknown-route` (404), `method-not-allowed` (405), \
                    `body-too-large` (413), `not-json` (415), `malformed-json` and `invalid-input` (400, with \
                    `field` and `reason`; nothing was sent), `host-not-allowed` (403, with `field` and \
                    `message`: a URL of the request's own, such as a config's base-url or server, that \
                    PBX_ALLOWED_HOSTS does not allow; nothing was sent), `gateway-settings` (500). No error \
                    ever contains a credential.",
                "type": "object",
                "properties": {"error": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string"},
                        "message": {"type": "string"},
                        "field": {"type": "string"},
                        "reason": {"type": "string"},
                        "status": {"type": "integer"},
                        "code": {"type": ["string", "null"]},
                        "retry-after": {"type": ["integer", "null"]},
                        "cap": {"type": "integer"},
                    },
                    "required": ["kind"],
                }},
                "required": ["error"],
            }),
        );
        let err_ref = json!({"$ref": "#/components/schemas/gateway.error"});
        let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": err_ref.clone()}}});
        // Every route fails the same ways: shared responses keep the document
        // small (inlined, they were three quarters of it).
        let mut responses = Map::new();
        for (status, d) in [
            (
                "400",
                "invalid-input (refused by the gateway or the component: nothing was sent), malformed-json, or \
                 duplicate-authorization (more than one Authorization header).",
            ),
            ("401", "Missing or wrong gateway token."),
            (
                "403",
                "host-not-allowed: a URL the request brings (a config's base-url or server, also inside a \
                 telephony account) names a scheme, host and port that PBX_ALLOWED_HOSTS does not allow, or a \
                 loopback, private, link-local or metadata host no entry names exactly; nothing was sent.",
            ),
            ("404", "not-found from the provider."),
            ("413", "The body is over the gateway's cap (8 MiB)."),
            ("415", "The body is not application/json."),
            ("429", "rate-limited; `Retry-After` carries the seconds when known."),
            ("500", "gateway-settings: the server-held settings are unusable."),
            (
                "502",
                "Any other provider error: unauthorized, forbidden, provider, transport, decode, too-large; \
                 outcome-unknown: an acting request was handed over and no complete answer came (the provider \
                 may have acted; do not retry blindly).",
            ),
            ("503", "no-token: the gateway has no PBX_GATEWAY_TOKEN and was not opened with PBX_GATEWAY_AUTH=none."),
            ("504", "timeout: no complete answer within timeout-ms (at most PBX_MAX_TIMEOUT_MS)."),
        ] {
            responses.insert(status.into(), err(d));
        }
        assert_eq!(BODY_CAP, 8 * 1024 * 1024, "the 413 description says 8 MiB");
        let refs: Map<String, Value> =
            responses.keys().map(|k| (k.clone(), json!({"$ref": format!("#/components/responses/{k}")}))).collect();
        let mut paths = Map::new();
        paths.insert(
            "/v1/health".into(),
            json!({"get": {
                "operationId": "health",
                "summary": "Liveness: 200 without a token.",
                "security": [],
                "responses": {"200": {"description": "The gateway is up.", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"ok": {"type": "object"}}, "required": ["ok"]}}}}},
            }}),
        );
        paths.insert(
            "/v1/openapi.json".into(),
            json!({"get": {
                "operationId": "openapi",
                "summary": "This document, without a token (it holds no secret).",
                "security": [],
                "responses": {
                    "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}},
                },
            }}),
        );
        let mut tags = Vec::new();
        for &i in self.ifaces {
            let iface = &self.resolve.interfaces[i];
            let iname = self.iface_name(i).to_string();
            let mut tag = json!({"name": iname});
            if let Some(d) = docs(&iface.docs) {
                tag["description"] = Value::String(d);
            }
            tags.push(tag);
            for f in iface.functions.values() {
                let mut props = Map::new();
                let mut required = Vec::new();
                for p in &f.params {
                    props.insert(p.name.clone(), self.schema(&p.ty));
                    if !self.is_option(&p.ty) && !self.is_config_type(&p.ty) {
                        required.push(Value::String(p.name.clone()));
                    }
                }
                let ok = match &f.result {
                    None => json!({"type": "null"}),
                    Some(Type::Id(id)) => match &self.resolve.types[self.canonical(*id)].kind {
                        TypeDefKind::Result(r) if r.err.as_ref().is_some_and(|e| self.is_error(e)) => {
                            r.ok.as_ref().map_or_else(|| json!({"type": "null"}), |t| self.schema(t))
                        }
                        _ => self.schema(f.result.as_ref().expect("some")),
                    },
                    Some(t) => self.schema(t),
                };
                let description = docs(&f.docs).unwrap_or_default();
                let summary = description.split("\n\n").next().unwrap_or("").replace('\n', " ");
                let mut op = json!({
                    "operationId": format!("{}.{}", iname, f.name),
                    "tags": [iname],
                    "summary": summary,
                    "description": description,
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "properties": props, "required": required, "additionalProperties": false,
                    }}}},
                    "responses": {"200": {"description": "The function's result.", "content": {"application/json": {
                        "schema": {"type": "object", "properties": {"ok": ok}, "required": ["ok"],
                            "additionalProperties": false},
                    }}}},
                });
                op["responses"].as_object_mut().expect("object").extend(refs.clone());
                paths.insert(format!("/v1/{}/{}", iname, f.name), json!({"post": op}));
            }
        }
        let world = self.resolve.worlds.iter().find(|(_, w)| w.name == WORLD).map(|(_, w)| w);
        let info_desc = world.and_then(|w| docs(&w.docs)).unwrap_or_default();
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "pbx gateway",
                "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
                "version": self.resolve.packages.iter().find(|(_, p)| p.name.namespace == "telephony")
                    .and_then(|(_, p)| p.name.version.as_ref()).map(|v| v.to_string()).unwrap_or_default(),
                "description": format!("{info_desc}\n\nEvery function of every interface is \
                    `POST /v1/<interface>/<function>` with a JSON object keyed by the WIT parameter names \
                    (records by WIT field names, absent or null for none, enums as strings, variants as \
                    {{\"case\": payload}} or \"case\", list<u8> as base64). Success is 200 {{\"ok\": value}}."),
            },
            // The document is served by the gateway itself: its own origin.
            "servers": [{"url": "/", "description": "this gateway"}],
            "tags": tags,
            "security": [{"bearer": []}],
            "paths": paths,
            "components": {
                "schemas": schemas,
                "responses": responses,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                    "description": "PBX_GATEWAY_TOKEN: every route but /v1/health and /v1/openapi.json needs \
                        it. Without one the gateway answers 503 no-token, unless started with \
                        PBX_GATEWAY_AUTH=none (local development: no token needed)."}},
            },
        })
    }
}
