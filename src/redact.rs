//! Secret redaction: the one function every provider applies to an error
//! before it leaves the component ([`Error::redact`]).
//!
//! A provider or a host may echo a secret in whatever encoding it saw or
//! wrote it in. The text is read in nine views: as is; with JSON escapes
//! (`\uXXXX` in any case with surrogate pairs, `\"`, `\/`, `\\`, `\n`...)
//! decoded; with `%XX` (either hex case) decoded; with `%XX` and `+` (form
//! encoding) decoded; both of those with JSON escapes decoded too; and with
//! HTML character references (`&#65;`, `&#x41;`, `&amp;` and the other four
//! an HTML page must use) decoded, alone, with `%XX` or with JSON escapes
//! (one layer of each; a secret that itself
//! holds `%41` or `\n` is found in the views that leave that encoding alone).
//! Each secret is looked for in each view as its UTF-8 bytes, in any ASCII
//! case, and, when it is not ASCII, as those bytes re-decoded as Latin-1
//! (each byte one character, written as UTF-8). As a last line, every run
//! of 8 bytes of a secret (the whole secret when it is shorter) is removed
//! wherever it appears, so a secret echoed in part, or with its characters
//! encoded in a mix of ways, loses every 8-character run too. Matching
//! without regard to ASCII case may remove a harmless word that happens to
//! equal a short secret in another case: a message loses a word, never a
//! secret.
//!
//! Only then is the text cut to [`MAX_MESSAGE_CHARS`]: nothing is cut before
//! redaction. Redaction reads at most [`SCAN_BYTES`] of a text; when a text
//! is longer, what it returns also stops six times the longest secret before
//! that point, so no secret can straddle the end of what was read.

use crate::prelude::*;

use crate::{Error, FieldError, ProviderError};

/// What replaces a secret found in an error text.
pub const REDACTED: &str = "[redacted]";

/// Longest text an error carries (in characters), after redaction.
pub const MAX_MESSAGE_CHARS: usize = 200;

/// How much of a text redaction reads (a bound on its time and memory).
pub const SCAN_BYTES: usize = 32 * 1024;

/// Shortest run of a secret that is removed wherever it appears.
const RUN: usize = 8;

/// The longest secret redaction looks for, in bytes. Every credential a
/// caller gives is refused past it before anything is sent
/// ([`crate::validate::secret_len`]; 8 KiB is also what common HTTP servers
/// take for a whole header line). A longer secret (an access token a
/// provider handed out) is not searched for: every text of its error is
/// withheld whole ([`Error::redact`]). Searching a 32 KiB text for a 64 KiB
/// secret took 65 s (debug build, before the search was bounded).
pub const MAX_SECRET_BYTES: usize = 8 * 1024;

/// The longest probe of the table of the secrets' runs ([`View::mask`]).
/// Past it, a run is taken to be a secret's, and a table whose runs cannot
/// all be placed within it withholds the whole text: that over-redacts,
/// never leaks, in bounded time. With the table at most a quarter full it
/// takes runs chosen to collide (a caller picks its own credential):
/// random secrets of 40 to 8,192 bytes, alone or two or three to a call,
/// 14,000 calls, never reached it; at most half full (before 2026-12-07),
/// a random 8 KiB secret withheld a text without it 2.75% of the time.
const MAX_PROBE: usize = 32;

/// The longest encoded form of one secret byte (a non-ASCII byte re-decoded
/// as Latin-1 and written as `\u00XX` or `%C3%XX`).
const MAX_FORM_PER_BYTE: usize = 6;

/// Provider text to keep for an error: the whole text, up to what
/// redaction reads (so nothing that matters for redaction is cut here).
pub fn excerpt(text: &str) -> String {
    // `get`, not indexing: a str slice that can panic brings the panic
    // message's `char` formatting (Unicode tables, ~20 KB) into the binary.
    text.get(..floor(text, SCAN_BYTES + 4)).unwrap_or("").to_string()
}

/// The largest char boundary of `text` at or below `at`.
fn floor(text: &str, at: usize) -> usize {
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Error {
    /// Redacts every secret from every text of the error and cuts each text
    /// to a short printable message (see the module doc). Every exported
    /// function applies this once, with all the secrets of the call.
    ///
    /// With a secret longer than [`MAX_SECRET_BYTES`], every text is
    /// withheld whole (`[redacted]`), except the reason of an
    /// `invalid-input`: those are the component's own words, which never
    /// quote a secret, and the refusal of the long secret itself is one.
    pub fn redact(self, secrets: &[&str]) -> Error {
        // One set of needles for all the error's texts (a provider error's
        // code and message).
        let redactor = Redactor::new(secrets);
        let scrub = |s: String| redactor.text(&s);
        match self {
            Error::InvalidInput(f) => {
                let short: Vec<&str> = secrets.iter().copied().filter(|s| s.len() <= MAX_SECRET_BYTES).collect();
                Error::InvalidInput(FieldError { field: f.field, reason: redact_text(&f.reason, &short) })
            }
            Error::Unauthorized(m) => Error::Unauthorized(scrub(m)),
            Error::Forbidden(m) => Error::Forbidden(scrub(m)),
            Error::NotFound(m) => Error::NotFound(scrub(m)),
            Error::Provider(p) => {
                Error::Provider(ProviderError { status: p.status, code: p.code.map(scrub), message: scrub(p.message) })
            }
            Error::Transport(m) => Error::Transport(scrub(m)),
            Error::OutcomeUnknown(m) => Error::OutcomeUnknown(scrub(m)),
            Error::Decode(m) => Error::Decode(scrub(m)),
            other @ (Error::RateLimited(_) | Error::Timeout | Error::TooLarge(_)) => other,
        }
    }
}

/// `text` with every secret removed (see the module doc), control
/// characters turned into spaces, and cut to [`MAX_MESSAGE_CHARS`]
/// characters (with `…` when cut).
///
/// A secret longer than [`MAX_SECRET_BYTES`] makes the whole text
/// `[redacted]` (see [`Error::redact`]).
pub fn redact_text(text: &str, secrets: &[&str]) -> String {
    Redactor::new(secrets).text(text)
}

/// The secrets of one call, and the [`Needles`] of them, built at the first
/// text that needs them and used for every later one.
struct Redactor<'a> {
    secrets: &'a [&'a str],
    needles: core::cell::OnceCell<Option<Needles>>,
}

impl<'a> Redactor<'a> {
    fn new(secrets: &'a [&'a str]) -> Self {
        Redactor { secrets, needles: core::cell::OnceCell::new() }
    }

    /// [`redact_text`] of `text`.
    fn text(&self, text: &str) -> String {
        let secrets = self.secrets;
        if text.is_empty() {
            return String::new();
        }
        if secrets.iter().any(|s| s.len() > MAX_SECRET_BYTES) {
            return REDACTED.to_string();
        }
        let scan = floor(text, SCAN_BYTES);
        let cut = scan < text.len();
        // Control characters become the spaces the message shows before the
        // search, so that no run of a secret can form around one afterwards.
        let text = String::from_utf8(shown(text.get(..scan).unwrap_or("").as_bytes())).unwrap_or_default();
        let src = text.as_bytes();
        let mut masked = vec![0u8; src.len()];
        let longest = secrets.iter().map(|s| s.len()).max().unwrap_or(0);
        match self.needles.get_or_init(|| Needles::new(secrets)) {
            Some(needles) => {
                // Bits: 1 `%XX`, 2 `+` as a space, 4 JSON escapes, 8 HTML
                // character references (a provider's error page quoting the
                // request). A bit whose character is not in the text decodes
                // nothing, so its view is another mode's: each distinct view
                // is read once (a plain text: once, not nine times).
                let present = [(b'%', 1), (b'+', 2), (b'\\', 4), (b'&', 8)]
                    .iter()
                    .filter(|(c, _)| src.contains(c))
                    .fold(0u8, |bits, (_, bit)| bits | bit);
                let mut done = [false; 16];
                for mode in [0u8, 4, 1, 3, 5, 7, 8, 9, 12] {
                    let mode = mode & present;
                    if core::mem::replace(&mut done[usize::from(mode)], true) {
                        continue;
                    }
                    View::decode(src, mode).mask(&text, needles, &mut masked);
                }
            }
            None => masked.fill(1),
        }
        let end = if cut { floor(&text, text.len().saturating_sub(longest * MAX_FORM_PER_BYTE)) } else { text.len() };
        let mut out = String::new();
        let mut chars = 0;
        let mut i = 0;
        while i < end && chars < MAX_MESSAGE_CHARS {
            if masked[i] != 0 {
                out.push_str(REDACTED);
                chars += REDACTED.len();
                while i < end && masked[i] != 0 {
                    i += 1;
                }
                continue;
            }
            let c = text.get(i..).and_then(|t| t.chars().next()).unwrap_or(' ');
            out.push(c);
            chars += 1;
            i += c.len_utf8();
        }
        if i < text.len() || cut {
            out.push('…');
        }
        out
    }
}

/// UTF-8 with every control character (C0, DEL, C1) as a space, which is
/// how an error text shows it.
fn shown(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c1 = bytes[i] == 0xC2 && matches!(bytes.get(i + 1), Some(0x80..=0x9F));
        let b = bytes[i];
        out.push(if b < 0x20 || b == 0x7F || c1 { b' ' } else { b });
        i += 1 + usize::from(c1);
    }
    out
}

/// The base64 forms of `secret` as it may appear inside a longer base64
/// text (`Basic base64(user:secret)`, a token echoed encoded): for each of
/// the three offsets the secret can start at within a 3-byte group, the
/// characters that depend on the secret's bytes alone, in the standard
/// (`+/`) and the URL-safe (`-_`) alphabet. Forms shorter than 4 characters
/// (secrets of a few bytes) are left out: they would match by chance.
fn base64_forms(secret: &[u8]) -> Vec<Vec<u8>> {
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(secret);
        let total = bytes.len();
        // Characters, by sextet index, whose 6 bits all come from the secret.
        let mut form = Vec::new();
        let mut i = 0;
        while i * 6 + 6 <= total * 8 {
            let (start, end) = (i * 6, i * 6 + 6);
            if start >= offset * 8 {
                let mut v = 0u32;
                for bit in start..end {
                    v = v << 1 | u32::from(bytes[bit / 8] >> (7 - bit % 8) & 1);
                }
                form.push(STD[v as usize]);
            }
            i += 1;
        }
        if form.len() >= 4 {
            let url: Vec<u8> = form
                .iter()
                .map(|&c| match c {
                    b'+' => b'-',
                    b'/' => b'_',
                    c => c,
                })
                .collect();
            if url != form {
                out.push(url);
            }
            out.push(form);
        }
    }
    out
}

/// UTF-8 bytes re-decoded as Latin-1 and written as UTF-8 (`é` = C3 A9
/// becomes `Ã©` = C3 83 C2 A9).
fn latin1(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        if b < 0x80 {
            out.push(b);
        } else {
            out.extend_from_slice(&[0xC0 | (b >> 6), 0x80 | (b & 0x3F)]);
        }
    }
    out
}

/// One reading of a text: its bytes, each with the source range it came
/// from.
struct View {
    bytes: Vec<u8>,
    from: Vec<(u32, u32)>,
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// `\uXXXX` at `at`: the code unit.
fn unit(src: &[u8], at: usize) -> Option<u32> {
    let s = src.get(at..at + 6)?;
    if s[0] != b'\\' || s[1] != b'u' {
        return None;
    }
    s[2..].iter().try_fold(0, |n, &b| Some(n << 4 | hex(b)?))
}

/// An HTML character reference at `at` (`&#65;`, `&#x41;`, `&amp;`,
/// `&lt;`, `&gt;`, `&quot;`, `&apos;`): the character and the length. The
/// five named ones are those an HTML page must use for a quoted value;
/// a secret with other characters shows them numerically or as they are.
fn html_reference(src: &[u8], at: usize) -> Option<(u32, usize)> {
    let rest = src.get(at + 1..)?;
    let end = rest.iter().take(10).position(|&b| b == b';')?;
    let name = &rest[..end];
    let c = match name {
        b"amp" => u32::from(b'&'),
        b"lt" => u32::from(b'<'),
        b"gt" => u32::from(b'>'),
        b"quot" => u32::from(b'"'),
        b"apos" => u32::from(b'\''),
        [b'#', b'x' | b'X', digits @ ..] if !digits.is_empty() => {
            digits.iter().try_fold(0u32, |n, &b| n.checked_mul(16)?.checked_add(hex(b)?))?
        }
        [b'#', digits @ ..] if !digits.is_empty() => {
            digits.iter().try_fold(0u32, |n, &b| n.checked_mul(10)?.checked_add((b as char).to_digit(10)?))?
        }
        _ => return None,
    };
    Some((c, end + 2))
}

impl View {
    /// The text with the encodings of `mode` decoded: bit 1 `%XX`, bit 2
    /// `+` as a space, bit 4 JSON escapes, bit 8 HTML character references.
    fn decode(src: &[u8], mode: u8) -> View {
        let mut v = View { bytes: Vec::with_capacity(src.len()), from: Vec::with_capacity(src.len()) };
        let mut i = 0;
        while i < src.len() {
            let (decoded, len): (Option<u32>, usize) = match (mode, src[i]) {
                (m, b'+') if m & 2 != 0 => (Some(u32::from(b' ')), 1),
                (m, b'&') if m & 8 != 0 => html_reference(src, i).map_or((None, 1), |(c, len)| (Some(c), len)),
                (m, b'%') if m & 1 != 0 => {
                    match (src.get(i + 1).and_then(|&b| hex(b)), src.get(i + 2).and_then(|&b| hex(b))) {
                        (Some(h), Some(l)) => {
                            // One byte, not a character: pushed as is below.
                            v.push_byte((h << 4 | l) as u8, i, i + 3);
                            i += 3;
                            continue;
                        }
                        _ => (None, 1),
                    }
                }
                (m, b'\\') if m & 4 != 0 => match src.get(i + 1) {
                    Some(b'u') => match unit(src, i) {
                        Some(hi @ 0xD800..=0xDBFF) => match unit(src, i + 6) {
                            Some(lo @ 0xDC00..=0xDFFF) => (Some(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)), 12),
                            _ => (None, 1),
                        },
                        Some(c) => (Some(c), 6),
                        None => (None, 1),
                    },
                    Some(&e) => match e {
                        b'"' | b'\\' | b'/' => (Some(u32::from(e)), 2),
                        b'b' => (Some(8), 2),
                        b'f' => (Some(12), 2),
                        b'n' => (Some(10), 2),
                        b'r' => (Some(13), 2),
                        b't' => (Some(9), 2),
                        _ => (None, 1),
                    },
                    None => (None, 1),
                },
                _ => (None, 1),
            };
            match decoded.and_then(char::from_u32) {
                Some(c) => {
                    let mut buf = [0; 4];
                    for &b in c.encode_utf8(&mut buf).as_bytes() {
                        v.push_byte(b, i, i + len);
                    }
                    i += len;
                }
                None => {
                    v.push_byte(src[i], i, i + 1);
                    i += 1;
                }
            }
        }
        v
    }

    fn push_byte(&mut self, b: u8, start: usize, end: usize) {
        self.bytes.push(b);
        self.from.push((start as u32, end as u32));
    }

    /// Marks in `masked` the source of every run of a secret in this view
    /// ([`Needles`]: every 8-byte run of every form of every secret, or the
    /// whole form when it is shorter), in any ASCII case (a provider that
    /// upper-cases what it quotes, or a host that lower-cases a header,
    /// still echoes the secret). Runs are compared as packed integers,
    /// looked up in an open-addressing table of the runs at most a quarter full,
    /// so the search takes time in proportion to the text plus the secrets,
    /// one pass per run width. (It was a 4096-bit filter and a linear
    /// search of the runs at each hit: a secret of thousands of bytes fills
    /// the filter, and a 32 KiB text then took 3.5 s against a 4 KiB
    /// secret, 65 s against 64 KiB, in a debug build.)
    fn mask(&self, text: &str, needles: &Needles, masked: &mut [u8]) {
        for (w, set) in needles.by_width() {
            if self.bytes.len() < w {
                continue;
            }
            let keep = packed_mask(w);
            let mut acc = 0;
            for (i, b) in self.bytes.iter().enumerate() {
                acc = pack(acc, *b, keep);
                if i + 1 >= w && set.contains(acc) {
                    // The source of bytes i+1-w ..= i, widened to whole characters.
                    let mut start = self.from[i + 1 - w].0 as usize;
                    let mut end = self.from[i].1 as usize;
                    while !text.is_char_boundary(start) {
                        start -= 1;
                    }
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    let end = end.min(masked.len());
                    masked[start..end].fill(1);
                }
            }
        }
    }
}

/// The bits a packed run of `w` bytes keeps.
fn packed_mask(w: usize) -> u64 {
    if w == RUN {
        u64::MAX
    } else {
        (1u64 << (8 * w)) - 1
    }
}

/// `acc` with byte `b` (lower-cased) shifted in, kept to `keep`.
fn pack(acc: u64, b: u8, keep: u64) -> u64 {
    (acc << 8 | u64::from(b.to_ascii_lowercase())) & keep
}

/// Every form of every secret of a call (its UTF-8 bytes, their Latin-1
/// reading when not ASCII, the base64 forms; each also with control
/// characters shown as spaces when that differs), as the packed runs
/// [`View::mask`] looks for: one table per run width (8 bytes, or a whole
/// form shorter than that), built once per error ([`Redactor`]) rather
/// than once per text, view and form.
struct Needles {
    /// Index `w - 1`: the runs `w` bytes wide.
    sets: Vec<Option<RunSet>>,
}

impl Needles {
    /// `None` when a run cannot be placed within [`MAX_PROBE`] slots (the
    /// whole text is then withheld: see [`MAX_PROBE`]).
    fn new(secrets: &[&str]) -> Option<Needles> {
        #[cfg(test)]
        tests::NEEDLES_BUILT.with(|n| n.set(n.get() + 1));
        let mut runs: Vec<Vec<u64>> = vec![Vec::new(); RUN];
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            let raw = secret.as_bytes();
            let latin = if raw.is_ascii() { Vec::new() } else { latin1(raw) };
            let b64 = base64_forms(raw);
            for form in [raw, &latin].into_iter().chain(b64.iter().map(Vec::as_slice)) {
                // A form with control characters (a tab in a token, C1
                // controls in the Latin-1 reading) also as the text now
                // shows it: with spaces.
                let spaced = shown(form);
                let spaced = if spaced != form { &spaced[..] } else { &[][..] };
                for form in [form, spaced] {
                    let w = form.len().min(RUN);
                    if w == 0 {
                        continue;
                    }
                    let keep = packed_mask(w);
                    runs[w - 1].extend(form.windows(w).map(|run| run.iter().fold(0, |acc, b| pack(acc, *b, keep))));
                }
            }
        }
        let mut sets = Vec::with_capacity(RUN);
        // A run twice (two forms sharing it) takes one slot
        // ([`RunSet::find`] finds it).
        for r in runs {
            if r.is_empty() {
                sets.push(None);
                continue;
            }
            sets.push(Some(RunSet::new(r)?));
        }
        Some(Needles { sets })
    }

    /// Each run width with runs, and its table.
    fn by_width(&self) -> impl Iterator<Item = (usize, &RunSet)> {
        self.sets.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|s| (i + 1, s)))
    }
}

/// Runs of secrets, packed, in an open-addressing table at most a quarter
/// full whose probes are at most [`MAX_PROBE`] long.
struct RunSet {
    runs: Vec<u64>,
    /// Each slot: 0 empty, else 1 + the index of its run in `runs`.
    table: Vec<u32>,
    bits: u32,
}

impl RunSet {
    /// `None` when a run cannot be placed within [`MAX_PROBE`] slots.
    fn new(runs: Vec<u64>) -> Option<RunSet> {
        // Slots: a power of two at least four times the runs (at least 16).
        let bits = (runs.len() * 4).next_power_of_two().trailing_zeros().max(4);
        let mut set = RunSet { table: vec![0; 1 << bits], runs, bits };
        for n in 0..set.runs.len() {
            let at = set.find(set.runs[n])?;
            set.table[at] = n as u32 + 1;
        }
        Some(set)
    }

    /// The slot holding `run`, or the empty slot where it would go; `None`
    /// past [`MAX_PROBE`] slots.
    fn find(&self, run: u64) -> Option<usize> {
        let last = self.table.len() - 1;
        let mut at = (run.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits)) as usize;
        for _ in 0..MAX_PROBE {
            match self.table[at] {
                0 => return Some(at),
                n if self.runs[n as usize - 1] == run => return Some(at),
                _ => at = (at + 1) & last,
            }
        }
        None
    }

    /// Whether `run` is one of the runs, or is looked for past
    /// [`MAX_PROBE`] slots (then taken to be one).
    fn contains(&self, run: u64) -> bool {
        self.find(run).is_none_or(|at| self.table[at] != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str, secrets: &[&str]) -> String {
        redact_text(text, secrets)
    }

    #[test]
    fn every_encoding_of_a_secret_is_removed() {
        let s = "pä ss/\"w+rd";
        // (what the provider echoed, the expected error text)
        let cases: &[(&str, &str)] = &[
            ("raw pä ss/\"w+rd.", "raw [redacted]."),
            ("pct p%C3%A4%20ss%2F%22w%2Brd", "pct [redacted]"),
            ("lower p%c3%a4%20ss%2f%22w%2brd", "lower [redacted]"),
            ("mixed p%c3%A4%20ss/%22w%2Brd", "mixed [redacted]"),
            ("form p%C3%A4+ss%2F%22w%2Brd&x=1", "form [redacted]&x=1"),
            ("json {\"k\":\"p\\u00e4 ss\\/\\\"w+rd\"}", "json {\"k\":\"[redacted]\"}"),
            ("JSON \"p\\u00E4 ss/\\\"w+rd\"", "JSON \"[redacted]\""),
            ("all \\u0070\\u00e4\\u0020\\u0073\\u0073\\u002F\\u0022\\u0077\\u002b\\u0072\\u0064", "all [redacted]"),
            ("latin1 pÃ¤ ss/\"w+rd", "latin1 [redacted]"),
            ("latin1 pct p%C3%83%C2%A4%20ss%2F%22w%2Brd", "latin1 pct [redacted]"),
            ("latin1 json p\\u00c3\\u00a4 ss\\/\\\"w+rd", "latin1 json [redacted]"),
            // A secret holding `%41` and `\n`, echoed JSON-escaped or percent-encoded.
            ("x S0%41\\\"k\\\\n+t y", "x [redacted] y"),
            ("x S0%2541%22k%5Cn%2Bt y", "x [redacted] y"),
        ];
        for (echo, want) in cases {
            let s = if echo.starts_with("x S0") { "S0%41\"k\\n+t" } else { s };
            assert_eq!(r(echo, &[s]), *want, "{echo:?}");
        }
    }

    #[test]
    fn surrogate_pairs_and_escapes() {
        assert_eq!(r("x \\ud83d\\ude00key! y", &["😀key!"]), "x [redacted] y");
        assert_eq!(r("x \\uD83D\\uDE00key! y", &["😀key!"]), "x [redacted] y");
        // A lone surrogate, a bad escape and a bad %: read as they are.
        assert_eq!(r("\\ud800 \\q %zz %4", &["zz"]), "\\ud800 \\q %[redacted] %4");
        assert_eq!(r("tab\\tkey", &["b\tke"]), "ta[redacted]y");
        // A control character inside a secret's echo shows as a space: the
        // run it would complete is found too.
        assert_eq!(r("x S1VW#0w\0 tail", &["S1VW#0w f_&j"]), "x [redacted] tail");
        assert_eq!(r("x S1VW#0w\u{85} tail", &["S1VW#0w f_&j"]), "x [redacted] tail");
        // A secret with a tab, echoed raw, and its C1 Latin-1 reading.
        assert_eq!(r("x tok\ten-12345 y", &["tok\ten-12345"]), "x [redacted] y");
        assert_eq!(r("x SS6\u{d0}\u{96}P#62&k& y", &["SS6ЖP#62&k&"]), "x [redacted] y");
    }

    #[test]
    fn no_run_of_eight_survives() {
        let s = "0123456789abcdefXYZ";
        for echo in ["xx456789abyy", "xx9abcdefXYZ", "cut off: 01234567", "…89abcdef…"] {
            let out = r(echo, &[s]);
            for w in s.as_bytes().windows(8) {
                assert!(!out.contains(core::str::from_utf8(w).unwrap()), "{echo:?} -> {out:?}");
            }
            assert!(out.contains(REDACTED), "{out:?}");
        }
        // Seven characters of a long secret are not a run.
        assert_eq!(r("x 0123456 y", &[s]), "x 0123456 y");
        // A short secret goes whole, and only whole.
        assert_eq!(r("k1 bad k1 k", &["k1"]), "[redacted] bad [redacted] k");
        // An 8-run of an encoded form: percent-encoded, half of it.
        let out = r("p%C3%A4%C3%B6%C3%BC%C3%9F%C3", &["äöüßäöü"]);
        assert!(!out.contains("%C3%A4%C3%B6"), "{out}");
    }

    #[test]
    fn redaction_comes_before_the_cut() {
        // A secret straddling character 200 is removed, not cut in half.
        let s = "SECRET-0123456789-abcdefgh";
        let text = "x".repeat(190) + s + "tail";
        let out = r(&text, &[s]);
        assert_eq!(out, "x".repeat(190) + REDACTED + "…");
        // Same for a percent-encoded secret far into a long text.
        let enc = "SECRET%2D0123456789%2Dabcdefgh";
        let out = r(&("x".repeat(195) + enc), &[s]);
        assert!(out.starts_with(&"x".repeat(195)) && out.contains(REDACTED) && !out.contains("SECR"), "{out}");
        // Past what redaction reads, the text stops early enough.
        let text = "y".repeat(SCAN_BYTES - 10) + s;
        assert!(!r(&text, &[s]).contains("SECRET"));
        let text = s.repeat(SCAN_BYTES / s.len() + 1);
        let out = r(&text, &[s]);
        assert!(out.starts_with(REDACTED) && !out.contains("SEC") && out.ends_with('…'), "{out}");
    }

    #[test]
    fn control_characters_and_length() {
        assert_eq!(r("a\r\nb\0c", &[]), "a  b c");
        let long = "é".repeat(500);
        let out = r(&long, &[]);
        assert_eq!(out.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(out.ends_with('…'));
        assert_eq!(r("", &["k"]), "");
        assert_eq!(r("plain text", &[""]), "plain text");
    }

    #[test]
    fn errors_are_redacted_in_every_text() {
        let e = Error::Transport("GET https://h/?key=a%2Fb c a/b".into()).redact(&["a/b"]);
        assert!(matches!(e, Error::Transport(ref s) if s == "GET https://h/?key=[redacted] c [redacted]"), "{e:?}");
        let e = Error::Provider(ProviderError { status: 200, code: Some("k1".into()), message: "bad k1".into() })
            .redact(&["k1", ""]);
        assert!(!format!("{e:?}").contains("k1"));
        let e = Error::InvalidInput(FieldError { field: "f".into(), reason: "is k1".into() }).redact(&["k1"]);
        assert!(!format!("{e:?}").contains("k1"));
    }

    thread_local! {
        /// How many times this thread built [`Needles`].
        pub(super) static NEEDLES_BUILT: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
    }

    #[test]
    fn an_error_builds_its_needles_once() {
        let built = || NEEDLES_BUILT.with(|n| n.get());
        let before = built();
        let e = Error::Provider(ProviderError {
            status: 502,
            code: Some("E-s3cret-key-1".into()),
            message: "key s3cret-key-1 refused".into(),
        })
        .redact(&["s3cret-key-1", "other"]);
        let Error::Provider(p) = e else { panic!("a provider error") };
        assert_eq!(p.code.as_deref(), Some("E-[redacted]"));
        assert_eq!(p.message, "key [redacted] refused");
        // Two texts, one set of needles (each text built its own before).
        assert_eq!(built() - before, 1);
        // Texts with nothing to search build none.
        let before = built();
        let e = Error::Unauthorized(String::new()).redact(&["s3cret-key-1"]);
        assert!(matches!(e, Error::Unauthorized(ref m) if m.is_empty()));
        assert_eq!(built(), before);
    }

    #[test]
    fn excerpts_keep_what_redaction_reads() {
        assert_eq!(excerpt("abc"), "abc");
        let long = "é".repeat(SCAN_BYTES);
        let e = excerpt(&long);
        assert!(e.len() > SCAN_BYTES && e.len() <= SCAN_BYTES + 4);
    }

    #[test]
    fn base64_echoes_are_redacted_at_every_offset_and_alphabet() {
        // A standard-library-free base64 encoder for the test's inputs.
        fn b64(data: &[u8], url: bool) -> String {
            let table: &[u8] = if url {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            } else {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            };
            let mut out = String::new();
            for chunk in data.chunks(3) {
                let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
                let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
                for k in 0..=chunk.len() {
                    out.push(table[(n >> (18 - 6 * k) & 63) as usize] as char);
                }
            }
            out
        }
        // Bytes that give `+` / `/` in base64, so both alphabets differ.
        let secret = "s3cr\u{fb}t-\u{ff}\u{fe}key/?>";
        for prefix in ["", "u", "us", "user:"] {
            for url in [false, true] {
                let echoed = b64(format!("{prefix}{secret}!").as_bytes(), url);
                let text = format!("bad credentials: Basic {echoed} (rejected)");
                let out = redact_text(&text, &[secret]);
                assert!(out.contains(REDACTED), "{prefix:?} {url}: {out}");
                // No 8-character run of the encoded secret survives.
                let core = b64(secret.as_bytes(), url);
                let core = &core[4..core.len() - 4];
                for w in core.as_bytes().windows(8) {
                    assert!(!out.as_bytes().windows(8).any(|o| o == w), "{prefix:?} {url}: {out}");
                }
            }
        }
        // Short secrets have no base64 form: ordinary words are not hit.
        assert_eq!(redact_text("QUJD and more", &["ab"]), "QUJD and more");
    }

    #[test]
    fn case_changed_and_html_echoes_are_redacted() {
        let s = "Tok3n-s3cret/ab\"<&>";
        let cases: &[(&str, &str)] = &[
            ("upper TOK3N-S3CRET/AB\"<&> end", "upper [redacted] end"),
            ("lower tok3n-s3cret/ab\"<&> end", "lower [redacted] end"),
            ("html Tok3n-s3cret/ab&quot;&lt;&amp;&gt; end", "html [redacted] end"),
            ("dec &#84;&#111;&#107;&#51;&#110;&#45;&#115;&#51;&#99;&#114;&#101;&#116; end", "dec [redacted] end"),
            ("hex &#x54;&#X6f;&#x6B;3n-s3cret end", "hex [redacted] end"),
            ("upper pct TOK3N-S3CRET%2FAB end", "upper pct [redacted] end"),
        ];
        for (echo, want) in cases {
            assert_eq!(r(echo, &[s]), *want, "{echo:?}");
        }
        // Mixed with percent-encoding or JSON escapes in one echo.
        assert_eq!(r("mix Tok3n&#45;s3cret%2Fab&quot;&lt; end", &[s]), "mix [redacted] end");
        assert_eq!(r("mix Tok3n-s3cret\\/ab&quot;\\u003c end", &[s]), "mix [redacted] end");
        // A reference that is not one is read as it is.
        assert_eq!(r("&#xZZ; &bogus; &#; &", &["zz"]), "&#x[redacted]; &bogus; &#; &");
        // Seven characters in another case are still not a run.
        assert_eq!(r("x TOK3N-S y", &[s]), "x TOK3N-S y");
    }

    /// A pseudo-random printable secret of `n` bytes (xorshift).
    fn random_secret(n: usize, seed: u64) -> String {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (b'!' + (x % 90) as u8) as char
            })
            .collect()
    }

    #[test]
    fn runs_of_a_secret_at_the_limit_are_found() {
        let secret = random_secret(MAX_SECRET_BYTES, 7);
        // Two runs from far apart in the secret, one upper-cased, in a text
        // of lower-case words that holds no other run of it.
        let a = &secret[4000..4008];
        let b = secret[MAX_SECRET_BYTES - 8..].to_ascii_uppercase();
        let text = format!("quota {a} exceeded for {b} today");
        assert_eq!(r(&text, &[&secret]), "quota [redacted] exceeded for [redacted] today");
        // A text the secret shares no run with is kept.
        assert_eq!(r("nothing of it here", &[&secret]), "nothing of it here");
    }

    #[test]
    fn a_secret_past_the_limit_withholds_every_text_but_our_own_reasons() {
        let long = random_secret(MAX_SECRET_BYTES + 1, 11);
        assert_eq!(redact_text("harmless words", &[&long]), REDACTED);
        assert_eq!(redact_text("", &[&long]), "");
        let e = Error::Provider(ProviderError { status: 401, code: Some("E1".into()), message: "nope".into() });
        match e.redact(&["short-key", &long]) {
            Error::Provider(p) => assert_eq!((p.code.as_deref(), p.message.as_str()), (Some(REDACTED), REDACTED)),
            other => panic!("{other:?}"),
        }
        // The refusal of the long secret itself keeps its words; the
        // shorter secrets are still redacted from it.
        let e = Error::InvalidInput(FieldError { field: "cfg.auth-key".into(), reason: "short-key: too long".into() });
        match e.redact(&["short-key", &long]) {
            Error::InvalidInput(f) => {
                assert_eq!((f.field.as_str(), f.reason.as_str()), ("cfg.auth-key", "[redacted]: too long"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn colliding_runs_are_bounded_and_over_redact() {
        // Runs that all land in slot 0 of a 256-slot table (40 runs), and
        // so of any smaller one.
        let home = |v: u64| v.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - 8);
        let colliding: Vec<u64> = (1u64..).filter(|&v| home(v) == 0).take(40).collect();
        // Placing them needs probes past the bound: no set, so the caller
        // masks the whole text.
        assert!(RunSet::new(colliding.clone()).is_none());
        // 32 of them fill slots 0-31 of a 128-slot table (the last placed
        // at the bound); another value of slot 0 is then looked for past
        // the bound and counts as a run: over-redaction, in bounded time.
        let set = RunSet::new(colliding[..32].to_vec()).expect("within the bound");
        assert_eq!(set.bits, 7);
        assert!(colliding[..32].iter().all(|&r| set.contains(r)));
        assert!(set.contains(colliding[39]));
        assert!(!set.contains(home_elsewhere(&set)));
        // An ordinary set: members found, others not.
        let set = RunSet::new((100..140).collect()).expect("set");
        assert!((100..140).all(|r| set.contains(r)));
        assert!(!(200..240).any(|r| set.contains(r)));
    }

    /// A value whose slot in `set` is empty.
    fn home_elsewhere(set: &RunSet) -> u64 {
        (1u64..).find(|&v| set.find(v).is_some_and(|at| set.table[at] == 0)).unwrap_or(0)
    }
}
