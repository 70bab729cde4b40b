#!/usr/bin/env bash
# Fuzzes what the host decodes from untrusted peers (fuzz/: wire frames and
# their messages, the handshake, the manifest, page messages) with cargo-fuzz
# and libFuzzer, on a dated nightly toolchain (installed with rustup when
# missing, as is cargo-fuzz).
#
#   scripts/fuzz.sh --smoke        each target for a few seconds (the test
#                                  suite runs this): proves they build and run
#   scripts/fuzz.sh --long [TARGET...]
#                                  each target (or those named) to 10 M
#                                  executions or one hour, whichever comes
#                                  first
#   scripts/fuzz.sh [SECONDS [TARGET...]]
#                                  each target (or those named) for SECONDS
#                                  (default 600), printing libFuzzer's final
#                                  figures
#
# The seed corpus (fuzz/corpus/, from fuzz/seeds.py) is only read; what the
# fuzzer finds goes to <target>/fuzz/corpus/, crashes to
# <target>/fuzz/artifacts/ (and the script fails).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGET_DIR="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
# libFuzzer and the sanitizers need a nightly compiler; a dated one, so a
# run today and a run next month build the same way.
TOOLCHAIN="nightly-2026-05-20"
CARGO_FUZZ_VERSION="0.13.2"
TARGETS=(wire_frames handshake manifest page_message typed_values page_values http_frames)

say() { printf '[fuzz] %s\n' "$*" >&2; }

seconds=600
runs=-1
smoke=false
case "${1:-}" in
    --smoke) smoke=true; seconds=10 ;;
    --long) seconds=3600; runs=10000000 ;;
    "") ;;
    *) seconds="$1" ;;
esac
# Targets named after the seconds run alone.
if [ "$#" -gt 1 ]; then
    TARGETS=("${@:2}")
fi

if ! rustup run "$TOOLCHAIN" rustc --version > /dev/null 2>&1; then
    say "rustup toolchain install $TOOLCHAIN"
    rustup toolchain install "$TOOLCHAIN" --profile minimal
fi
if [ "$(cargo fuzz --version 2> /dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
    say "cargo install cargo-fuzz@$CARGO_FUZZ_VERSION"
    cargo install --locked "cargo-fuzz@$CARGO_FUZZ_VERSION"
fi

export CARGO_TARGET_DIR="$TARGET_DIR/fuzz/build"
for target in "${TARGETS[@]}"; do
    work="$TARGET_DIR/fuzz/corpus/$target"
    artifacts="$TARGET_DIR/fuzz/artifacts/$target"
    mkdir -p "$work" "$artifacts"
    if [ "$runs" -gt 0 ]; then
        say "$target: ${runs} executions or ${seconds} s"
    else
        say "$target: ${seconds} s"
    fi
    # The first corpus folder is where libFuzzer writes; the seeds stay as
    # committed.
    log="$TARGET_DIR/fuzz/$target.log"
    if ! (cd fuzz && cargo "+$TOOLCHAIN" fuzz run "$target" "$work" "corpus/$target" -- \
        -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 \
        -artifact_prefix="$artifacts/") > "$log" 2>&1; then
        tail -n 60 "$log" >&2
        say "$target: failed (whole log: $log; inputs that failed: $artifacts)"
        exit 1
    fi
    if $smoke; then
        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$log" || true
    else
        grep -E '^(stat::|Done |#[0-9]+ +DONE)' "$log" || true
    fi
    if [ -n "$(ls -A "$artifacts")" ]; then
        say "$target: the fuzzer saved failing inputs in $artifacts"
        exit 1
    fi
done
say "all targets ran without a crash"
