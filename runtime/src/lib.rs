//! What `std` would provide in the wasm build (which is `no_std` to keep
//! `std`'s panic printing, `wasi:cli` imports and C runtime out of the
//! components): the global allocator, the panic handler and `cabi_realloc`.
//!
//! One crate for every component of the workspace (the library, the gateway
//! face, the Spin example and adapter, p3). A dependent links it with
//! `use pbx_runtime as _;` (an unnamed dependency is not linked, and with it
//! would go the allocator). On other targets it is empty, so native builds
//! and tests keep `std`'s.

#![no_std]
#![cfg(target_arch = "wasm32")]
#![cfg_attr(feature = "heap-grow", allow(dead_code))]

extern crate alloc;

use core::alloc::Layout;

// The target's C library, for the memory routines (`memcmp`) the compiler
// calls; nothing else of it is linked.
#[link(name = "c")]
extern "C" {}

/// Talc: smaller and faster than the C library's dlmalloc that `std` would
/// bring. Its memory comes from a static arena first ([`ARENA_BYTES`], in
/// the module's zeroed data, so part of the initial memory) and from
/// `memory.grow` only beyond it ([`ArenaThenGrow`]).
#[cfg(not(feature = "heap-grow"))]
#[global_allocator]
static ALLOCATOR: talc::cell::TalcSyncCell<ArenaThenGrow, talc::wasm::WasmBinning> =
    talc::cell::TalcSyncCell::new_wasm(ArenaThenGrow { arena: true, end: None });

/// The allocator before the arena (memory from `memory.grow` alone): only
/// for the benchmark, which measures the two builds side by side.
#[cfg(feature = "heap-grow")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The arena's size: room for an ordinary call's whole heap, so a fresh
/// instance does not grow its memory. Each `memory.grow` of a fresh
/// instance is a host call that changes the page protection of its pooled
/// slot, which the slot's reset undoes (BENCHMARKS.md has the cost, measured
/// against the growing heap). The arena costs nothing until touched (zero
/// pages), and the pooled slot's reset only touches the pages a call dirtied.
pub const ARENA_BYTES: usize = 512 * 1024;

/// The arena itself (see [`ARENA_BYTES`]).
static mut ARENA: [core::mem::MaybeUninit<u8>; ARENA_BYTES] = [core::mem::MaybeUninit::uninit(); ARENA_BYTES];

/// Talc's memory source: the arena on the first request, then `memory.grow`
/// by the pages an allocation needs (at least [`GROW_PAGES`]), extending the
/// last grown heap when the new pages follow it.
#[derive(Debug)]
pub struct ArenaThenGrow {
    /// The arena is not claimed yet.
    arena: bool,
    /// The end of the last grown heap.
    end: Option<core::ptr::NonNull<u8>>,
}

/// Pages of 64 KiB grown at least at a time past the arena.
const GROW_PAGES: usize = 4;
const PAGE: usize = 64 * 1024;

// SAFETY: `acquire` only claims memory no one else uses (the arena, which
// nothing else names, and pages just added by `memory.grow`), and neither
// allocates nor touches the global allocator.
#[allow(unsafe_code)]
unsafe impl talc::source::Source for ArenaThenGrow {
    fn acquire<B: talc::base::binning::Binning>(
        talc: &mut talc::base::Talc<Self, B>,
        layout: Layout,
    ) -> Result<(), ()> {
        if core::mem::take(&mut talc.source.arena) {
            // SAFETY: the arena is claimed once, here, and is the allocator's
            // alone from then on.
            if unsafe { talc.claim((&raw mut ARENA).cast(), ARENA_BYTES) }.is_some() {
                return Ok(());
            }
        }
        // Room for the chunk's own overhead and alignment (generous).
        let need = layout.size().saturating_add(layout.align()).saturating_add(256);
        let pages = need.div_ceil(PAGE).max(GROW_PAGES);
        let prev = core::arch::wasm32::memory_grow::<0>(pages);
        if prev == usize::MAX {
            return Err(());
        }
        let base = (prev * PAGE) as *mut u8;
        let end = base.wrapping_add(pages * PAGE);
        if let Some(old_end) = talc.source.end.take() {
            if old_end.as_ptr() == base {
                // SAFETY: `old_end` is the end of the last heap this source
                // claimed or extended, and the pages after it were just added.
                talc.source.end = Some(unsafe { talc.extend(old_end, end) });
                return Ok(());
            }
        }
        // SAFETY: the pages were just added by `memory.grow`; nothing else
        // refers to them.
        talc.source.end = unsafe { talc.claim(base, pages * PAGE) };
        Ok(())
    }
}

/// A panic ends the call with a trap, as `panic = "abort"` does.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The canonical ABI's allocator export, which `std` provides on WASI
/// Preview 2: hosts call it to place arguments (strings, lists) in memory.
///
/// # Safety
/// As the canonical ABI calls it: `align` a power of two, and for a
/// reallocation (`old_len` non-zero) `old_ptr`, `old_len` and `align` those
/// of a block an earlier call returned.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn cabi_realloc(old_ptr: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    // SAFETY: the canonical ABI calls this with `align` a power of two and,
    // for a reallocation, the pointer, size and alignment it was given by an
    // earlier call; `new_len` is non-zero on every path that allocates.
    let ptr = unsafe {
        if old_len == 0 {
            if new_len == 0 {
                return align as *mut u8;
            }
            alloc::alloc::alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            alloc::alloc::realloc(old_ptr, Layout::from_size_align_unchecked(old_len, align), new_len)
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}
