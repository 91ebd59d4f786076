#!/usr/bin/env bash
# A real Kafka-compatible broker on 127.0.0.1 for the Kafka bus's suite:
#
#   scripts/kafka-broker.sh start   # prints the bootstrap address alone on its last line
#   TWINLAKE_TEST_KAFKA=$(scripts/kafka-broker.sh start | tail -1) \
#     cargo test --release --workspace --test kafka
#   scripts/kafka-broker.sh stop
#
# The broker is tansu (crates.io, Rust, speaks the Kafka protocol) storing
# its log in SQLite. Its binary is built once with cargo (15-40 minutes) and
# cached outside the repository, in $TWINLAKE_TANSU_ROOT (default
# ~/.cache/twinlake/tansu-$VERSION); its data and pid live in
# $TWINLAKE_KAFKA_DIR (default ~/.cache/twinlake/kafka-broker), kept across
# restarts until `stop --wipe`.
set -euo pipefail

VERSION=0.6.0
PORT="${TWINLAKE_KAFKA_PORT:-9093}"
root="${TWINLAKE_TANSU_ROOT:-$HOME/.cache/twinlake/tansu-$VERSION}"
state="${TWINLAKE_KAFKA_DIR:-$HOME/.cache/twinlake/kafka-broker}"
tansu="$root/bin/tansu"
pidfile="$state/tansu.pid"

log() { printf 'kafka-broker: %s\n' "$*" >&2; }

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

install() {
  [ -x "$tansu" ] && return 0
  log "building tansu $VERSION into $root (once; 15-40 minutes)"
  cargo install tansu --version "$VERSION" --locked --no-default-features \
    --features dynostore,libsql --root "$root" >&2
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

start() {
  install
  mkdir -p "$state"
  if running; then
    log "already running (pid $(cat "$pidfile"))"
  else
    if listening; then
      log "port $PORT is taken by another process: set TWINLAKE_KAFKA_PORT"
      exit 1
    fi
    # tansu takes the SQLite path relative to its working directory.
    (cd "$state" && exec "$tansu" broker \
      --listener-url "tcp://127.0.0.1:$PORT" \
      --advertised-listener-url "tcp://127.0.0.1:$PORT" \
      --storage-engine "sqlite://tansu.db" >"$state/tansu.log" 2>&1) &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
      listening && break
      if ! running; then
        log "tansu exited; its log:"
        cat "$state/tansu.log" >&2
        exit 1
      fi
      sleep 0.1
    done
    listening || { log "tansu did not listen on $PORT within 10 s (log: $state/tansu.log)"; exit 1; }
    log "tansu $VERSION running (pid $(cat "$pidfile"), data in $state)"
  fi
  echo "127.0.0.1:$PORT"
}

stop() {
  if running; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 1 50); do running || break; sleep 0.1; done
    running && kill -9 "$(cat "$pidfile")"
    log "stopped"
  else
    log "not running"
  fi
  rm -f "$pidfile"
  if [ "${1:-}" = "--wipe" ]; then
    rm -rf "$state"
    log "removed $state"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *)
    echo "usage: $0 start | stop [--wipe]" >&2
    exit 2
    ;;
esac
