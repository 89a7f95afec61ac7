//! What `std` would provide in the wasm build (`no_std`, as the p2
//! component's, to keep `std`'s panic printing, `wasi:cli`/`wasi:io` 0.2
//! imports and C runtime out): the global allocator, the panic handler and
//! `cabi_realloc` (the same code as the p2 component's `src/runtime.rs`).

use core::alloc::Layout;

// The target's C library, for the memory routines (`memcmp`) the compiler
// calls; nothing else of it is linked.
#[link(name = "c")]
extern "C" {}

/// Talc, taking its memory from `memory.grow`: smaller and faster than the
/// C library's dlmalloc that `std` would bring.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// A panic ends the call with a trap, as `panic = "abort"` does.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The canonical ABI's allocator export, which `std` provides on WASI
/// Preview 2: hosts call it to place arguments (strings, lists) in memory.
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
