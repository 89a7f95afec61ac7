//! RingMe PBX REST API: OAuth, request building, decoding and export.
