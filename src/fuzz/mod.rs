//! Bounded fuzzing, run as unit tests (`cargo test -p pbx-component --lib
//! fuzz`): random and mutated bodies for every decoder and for the
//! telephony mappings of decoded provider rows, and hostile strings for
//! every request builder (through every exported function of the four
//! interfaces, answered by [`crate::http::TEST_ANSWER`] with echoes of the
//! request and mutated answers, and directly for the call log export and
//! the telephony request shapers). Each input must give no panic; every
//! request built must have no CR, LF or NUL in a header, no query or form
//! parameter, JSON member or multipart header that a value injected, and
//! nothing outside printable ASCII in its target; every error must be
//! short, printable and free of every secret of the call, in every
//! encoding. Date-time parsing, the export's range splitting (hostile and
//! edge ranges against a stand-in log) and the RingMe page reader are
//! checked against their contracts. A last test fails when an exported
//! function of the WIT, a decoder or a mapping function is not fuzzed.
//!
//! Deterministic: a tiny xorshift generator from a fixed seed. The default
//! run is bounded for CI: 400 inputs per target, 54,000 in all: 11,200
//! bodies for 28 decoders and mappings; 41,200 calls of the 103 exported
//! functions, of which about 15,000 pass the input checks and build a
//! request; 400 each for the direct builders (about 1,600 requests), the
//! date-time parser, the range splitter and the page reader. About 11 s
//! wall (7-9 s CPU) of the unoptimised test build on 2 cores.
//! `PBX_FUZZ_ITERATIONS=<n>` sets the inputs per target (`./dev fuzz` runs
//! 10,000) and `PBX_FUZZ_SEED=<n>` another seed. A failing input prints its
//! target, iteration and seed.
//!
//! Files: [`gen`] the random input framework, [`calls`] the tables of the
//! exported functions, [`oracles`] the checks of requests and errors and
//! the runner, [`decoders`] the decoder and mapping targets, [`targets`]
//! the other fuzz tests, [`meta`] the test that nothing is missed.

mod calls;
mod decoders;
mod gen;
mod meta;
mod oracles;
mod prelude;
mod targets;
