#!/usr/bin/env bash
# Runs the tests that exercise unsafe code in-process under Miri (undefined-behaviour checker):
# - slant-sdk: the export shims called through the vtable as the host calls them
#   (plugins/sdk/tests/shims.rs);
# - slant (library): the host's plugin-call wrappers (buffer handshake, token and score
#   validation, error buffers) driving in-process stages (core/src/plugin/instance.rs tests).
# Tests that load plugins from shared libraries (core/tests/plugin_abi.rs and every CLI test)
# cannot run under Miri: it does not support dlopen or foreign code.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup component add --toolchain nightly miri rust-src
cargo +nightly miri setup
export MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-strict-provenance"
cargo +nightly miri test -p slant-sdk
cargo +nightly miri test -p slant --lib plugin::
