//! TRiNG / MiRTA PBX `proxyapi.php`: request building, decoding and export.
