//! Link options for the `wasmtron` program (`host/worker/build.rs` gives
//! `wasmtron-worker` the same), and the guest SDK embedded for `wasmtron new`.

#[path = "build/sdk.rs"]
mod sdk;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    sdk::embed();
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    if target("CARGO_CFG_TARGET_OS") == "linux" && target("CARGO_CFG_TARGET_ENV") == "gnu" {
        // Relative relocations packed (DT_RELR): each program has about
        // 30 000 of them, a 700 KB table the dynamic loader reads through at
        // every start, and which then stays resident in every worker. Packed,
        // the table is a few KB. The programs then need glibc 2.36 or later
        // to start (Debian 12's); a linker that does not know the option
        // warns and leaves the table as it was.
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
