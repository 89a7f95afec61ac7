//! `pbx-compose SOCKET PLUG -o OUT`: writes SOCKET with its imports plugged
//! by PLUG's exports (see the library), then prints the result's imports and
//! exports. `pbx-compose --list COMPONENT` prints them for any component.

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (bytes, what) = match args.as_slice() {
        [flag, path] if flag == "--list" => {
            (std::fs::read(path).with_context(|| format!("reading {path}"))?, path.clone())
        }
        [socket, plug, o, out] if o == "-o" => {
            let s = std::fs::read(socket).with_context(|| format!("reading {socket}"))?;
            let p = std::fs::read(plug).with_context(|| format!("reading {plug}"))?;
            let composed = pbx_compose::plug(&s, &p)?;
            if let Some(dir) = std::path::Path::new(out).parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            std::fs::write(out, &composed).with_context(|| format!("writing {out}"))?;
            (composed, out.clone())
        }
        _ => bail!("usage: pbx-compose SOCKET.wasm PLUG.wasm -o OUT.wasm | pbx-compose --list COMPONENT.wasm"),
    };
    let (imports, exports) = pbx_compose::imports_exports(&bytes)?;
    println!("{what} ({} bytes)", bytes.len());
    for i in imports {
        println!("  import {i}");
    }
    for e in exports {
        println!("  export {e}");
    }
    Ok(())
}
