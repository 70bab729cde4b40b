//! Link options for the `wasmtron-worker` program: relative relocations
//! packed, as for `wasmtron` (see `host/build.rs` for why). Every worker
//! process reads this program's relocation table at start and keeps it
//! resident, so here it matters most.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    if target("CARGO_CFG_TARGET_OS") == "linux" && target("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
