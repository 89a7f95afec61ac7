//! The meta-test: every exported function, decoder and mapping is fuzzed.

use super::calls::*;

/// The names `pub fn` declares in `src`, before its tests.
pub fn pub_fns(src: &str) -> Vec<&str> {
    let src = src.split("#[cfg(test)]").next().unwrap_or(src);
    src.split("pub fn ").skip(1).map(ident).collect()
}

/// The identifier `s` starts with.
pub fn ident(s: &str) -> &str {
    &s[..s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len())]
}

/// Nothing is missed (as `host-test/tests/it/coverage.rs` does for the
/// integration tests): every function the WIT exports has a row in a drive
/// table and every row names one; every decoder (`decode_*`,
/// `check_status`), every function of the call log export but the two
/// below, and every telephony mapping function but the three exports is
/// called in this file.
#[test]
pub fn every_export_decoder_and_mapping_is_fuzzed() {
    let tables: [(&str, &str, Vec<&str>); 4] = [
        ("ringostat", include_str!("../../wit/ringostat.wit"), RINGOSTAT.iter().map(|c| c.0).collect()),
        ("ringme", include_str!("../../wit/ringme.wit"), RINGME.iter().map(|c| c.0).collect()),
        ("tring", include_str!("../../wit/tring.wit"), TRING.iter().map(|c| c.0).collect()),
        ("telephony", include_str!("../../wit/telephony.wit"), TELEPHONY.iter().map(|c| c.0).collect()),
    ];
    let mut missing = Vec::new();
    let mut exports = 0;
    for (iface, wit, driven) in &tables {
        let mut declared = Vec::new();
        for line in wit.lines() {
            if let Some((name, _)) = line.trim().split_once(": func(") {
                declared.push(name.replace('-', "_"));
            }
        }
        exports += declared.len();
        missing.extend(declared.iter().filter(|d| !driven.contains(&d.as_str())).map(|d| format!("{iface}.{d}")));
        missing.extend(driven.iter().filter(|d| !declared.iter().any(|x| x == *d)).map(|d| format!("row {iface}.{d}")));
    }
    assert_eq!(exports, RINGOSTAT.len() + RINGME.len() + TRING.len() + TELEPHONY.len());
    assert!(exports >= 103, "{exports} exported functions");

    // Every file of the fuzz tests (the calls may be in any of them).
    let me = [
        include_str!("calls.rs"),
        include_str!("decoders.rs"),
        include_str!("gen.rs"),
        include_str!("oracles.rs"),
        include_str!("targets.rs"),
    ]
    .concat();
    type Wanted = fn(&str) -> bool;
    let decoder: Wanted = |f| f.starts_with("decode_") || f == "check_status";
    // `place_call`, `agent_states`
    // and `call_log` are the telephony exports, driven above.
    let export: Wanted = |_| true;
    let mapping: Wanted = |f| !matches!(f, "place_call" | "agent_states" | "call_log");
    let sources: [(&str, &str, Wanted); 8] = [
        ("rd::", include_str!("../ringostat/decode.rs"), decoder),
        ("rm::", include_str!("../ringme/decode.rs"), decoder),
        ("td::", include_str!("../tring/decode.rs"), decoder),
        ("rc::", include_str!("../ringostat/export.rs"), export),
        ("tro::", include_str!("../telephony/ringostat.rs"), mapping),
        ("tt::", include_str!("../telephony/tring.rs"), mapping),
        ("tme::", include_str!("../telephony/ringme.rs"), mapping),
        ("tw::", include_str!("../telephony/words.rs"), mapping),
    ];
    let mut functions = 0;
    for (alias, src, wanted) in sources {
        for f in pub_fns(src).into_iter().filter(|f| wanted(f)) {
            functions += 1;
            let (call, pointer) = (format!("{alias}{f}("), format!("{alias}{f})"));
            if !me.contains(&call) && !me.contains(&pointer) {
                missing.push(format!("{alias}{f}"));
            }
        }
    }
    assert!(functions >= 30, "{functions} decoders and mappings");
    assert!(missing.is_empty(), "not fuzzed: {missing:?}");
}
