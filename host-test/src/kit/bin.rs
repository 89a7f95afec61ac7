//! The `pbx-host` binary, for the tests that run it as a subprocess.
//!
//! Cargo gives `CARGO_BIN_EXE_<name>` only to the tests of the binary's own
//! package, and builds a package's binaries only for its own integration
//! tests, so a test here cannot count on `target/<profile>/pbx-host` being
//! there, or being current. [`pbx_host`] builds it (a no-op when it is up to
//! date) with the cargo that runs the tests, into the same target directory
//! and profile. `--workspace` keeps the features of the suite's own
//! build (`cargo build -p pbx-host` resolves them for pbx-host alone and
//! built some dependencies a second time, about a minute); measured, it
//! then compiles pbx-host alone.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The path of a current `pbx-host` binary: `$PBX_HOST_BIN` when set, else
/// built once per test process (see the module doc).
///
/// # Panics
/// When the build fails: a test that needs the binary cannot go on.
pub fn pbx_host() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("PBX_HOST_BIN") {
                return PathBuf::from(path);
            }
            let (target_dir, profile) = target_of_this_test();
            let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
            cargo
                .arg("build")
                .arg("--manifest-path")
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml"))
                .args(["--workspace", "--bin", "pbx-host", "--profile", profile_arg(&profile)])
                .arg("--target-dir")
                .arg(&target_dir);
            // What cargo sets for this test process describes host-test, not
            // the build: build scripts that watch such variables (ring's
            // watches CARGO_MANIFEST_DIR, CARGO_PKG_NAME, OUT_DIR) would see
            // them changed and rebuild, here and again in the next plain build.
            for (name, _) in std::env::vars_os() {
                if name.to_str().is_some_and(set_for_tests) {
                    cargo.env_remove(&name);
                }
            }
            let status = cargo.status().expect("run cargo to build pbx-host");
            assert!(status.success(), "cargo build --workspace --bin pbx-host failed ({status})");
            target_dir.join(&profile).join(format!("pbx-host{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// The target directory and profile directory name of the running test
/// executable (`<target>/<profile>/deps/<test>`).
fn target_of_this_test() -> (PathBuf, String) {
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("<target>/<profile>/deps/<test>");
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).expect("a profile directory").to_string();
    let target = profile_dir.parent().expect("<target>/<profile>").to_path_buf();
    (target, profile)
}

/// Whether cargo sets the variable `name` for the tests it runs (about the
/// package under test), rather than the user for the build.
fn set_for_tests(name: &str) -> bool {
    const NAMES: [&str; 8] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "OUT_DIR",
    ];
    NAMES.contains(&name) || name.starts_with("CARGO_PKG_")
}

/// The `--profile` that builds into the directory `dir` (`debug` is the
/// `dev` profile's; every other profile's directory is its name).
fn profile_arg(dir: &str) -> &str {
    match dir {
        "debug" => "dev",
        other => other,
    }
}
