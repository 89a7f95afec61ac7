//! The precompiled-component cache: `Engine::precompile_component` output
//! stored under a key made of the component's SHA-256 and the engine's
//! compatibility hash, so a host starts without compiling.

use anyhow::Result;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::component::Component;
use wasmtime::Engine;

/// `target/pbx-cache` in the workspace, or `$PBX_CACHE_DIR`.
pub fn default_dir() -> PathBuf {
    match std::env::var_os("PBX_CACHE_DIR") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pbx-cache"),
    }
}

/// The cache file for these component bytes on this engine.
pub fn key_path(engine: &Engine, bytes: &[u8], dir: &Path) -> PathBuf {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    dir.join(format!("{hex}-{:016x}.cwasm", h.finish()))
}

/// Loads from the cache, or compiles and fills it. A stale or corrupt entry
/// is recompiled; a cache that cannot be written is skipped.
#[allow(unsafe_code)]
pub fn load(engine: &Engine, bytes: &[u8], dir: &Path) -> Result<Component> {
    let path = key_path(engine, bytes, dir);
    // Read into memory rather than `deserialize_file`: a mapped file that
    // another process rewrites under us would fault.
    if let Ok(artifact) = std::fs::read(&path) {
        // SAFETY: the file was written by `precompile_component` of an
        // engine with the same compatibility hash, in a directory this host
        // owns; wasmtime re-checks the header before using it.
        if let Ok(c) = unsafe { Component::deserialize(engine, &artifact) } {
            return Ok(c);
        }
    }
    let artifact = engine.precompile_component(bytes)?;
    if std::fs::create_dir_all(dir).is_ok() {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, &artifact).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
    // SAFETY: the bytes were just produced by this engine.
    Ok(unsafe { Component::deserialize(engine, &artifact) }?)
}
