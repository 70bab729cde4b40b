#!/usr/bin/env bash
# The soak: a million invokes and a hundred thousand port messages through
# real worker processes (release build), every one checked on its way back,
# and the resident memory of the host and both workers read after each of
# ten rounds. Prints a table, writes target/bench/soak.json, and exits 1
# when a message was lost or a process kept growing after the first round.
# Pass --quick for tiny counts (a check that it works; memory not judged).
exec bash "$(dirname "${BASH_SOURCE[0]}")/bench.sh" --soak "$@"
