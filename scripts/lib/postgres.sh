#!/usr/bin/env bash
# Shared helpers for scripts: a throwaway PostgreSQL server on loopback, for tests and benchmarks.
# Source it (it defines functions), or run it: `scripts/lib/postgres.sh start DIR PORT` / `stop DIR`.
#
# initdb and postgres refuse to run as root, so as root the server runs as the unprivileged user
# $FOODCOUNT_POSTGRES_USER (default nobody), which owns the data folder. The server trusts every local
# connection (it listens on 127.0.0.1 only, has no Unix socket, and lives as long as one test run), its
# superuser is `postgres`, and autovacuum is off so that nothing reads the tables behind a test's back.
# It offers TLS (and accepts plain connections too) with a certificate for its address and `localhost`,
# signed by a throwaway authority whose certificate is DIR/ca.crt: tests connect with
# `sslmode=verify-full&sslrootcert=DIR/ca.crt`.
# It runs with fsync=off, which tests do not need, unless POSTGRES_FSYNC=on: the server's defaults then
# (fsync=on, synchronous_commit=on), for benchmarks of a durable server (`BENCH_STORE=postgres
# POSTGRES_FSYNC=on scripts/bench`).

# The folder with PostgreSQL's programs: Debian's newest /usr/lib/postgresql/N/bin, else the PATH's.
postgres_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
  elif command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  else
    echo "PostgreSQL is not installed (run scripts/bootstrap)" >&2
    return 1
  fi
}

# Runs a command as the server's user (as root) or as ourselves.
as_postgres_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "${FOODCOUNT_POSTGRES_USER:-nobody}" -- "$@"
  else
    "$@"
  fi
}

# start_postgres DIR PORT [ADDRESS [CLIENTS]]: creates a fresh cluster in DIR/data and starts it on
# ADDRESS:PORT (default 127.0.0.1); its URL (database postgres, superuser postgres) is
# postgres://postgres@ADDRESS:PORT/postgres. CLIENTS (a CIDR) are trusted besides loopback.
start_postgres() {
  local dir=$1 port=$2 address=${3:-127.0.0.1} clients=${4:-} bin
  bin="$(postgres_bindir)" || return 1
  case "${POSTGRES_FSYNC:-off}" in
    on | off) ;;
    *) echo "POSTGRES_FSYNC=$POSTGRES_FSYNC is not valid: expected on or off" >&2; return 2 ;;
  esac
  rm -rf "$dir"
  mkdir -p "$dir/data"
  if [ "$(id -u)" -eq 0 ]; then chown -R "${FOODCOUNT_POSTGRES_USER:-nobody}" "$dir"; fi
  chmod 700 "$dir/data"
  if ! as_postgres_user "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1; then
    echo "initdb failed; its log:" >&2
    cat "$dir/initdb.log" >&2
    return 1
  fi
  if [ -n "$clients" ]; then
    echo "host all all $clients trust" >>"$dir/data/pg_hba.conf"
  fi
  make_postgres_certificates "$dir" "$address" || return 1
  if ! as_postgres_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=$address -c port=$port -c unix_socket_directories='' -c autovacuum=off -c fsync=${POSTGRES_FSYNC:-off} -c max_connections=200 -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" \
    start >/dev/null; then
    echo "PostgreSQL did not start on port $port; its log:" >&2
    cat "$dir/server.log" >&2
    return 1
  fi
}

# make_postgres_certificates DIR ADDRESS: a throwaway authority (DIR/ca.crt) and the server's key and
# certificate (DIR/server.key, DIR/server.crt) for ADDRESS and localhost, owned by the server's user.
make_postgres_certificates() {
  local dir=$1 address=$2
  if ! {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=FoodCount test authority" \
      -keyout "$dir/ca.key" -out "$dir/ca.crt" &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=$address" -keyout "$dir/server.key" -out "$dir/server.csr" &&
      printf 'subjectAltName=IP:%s,DNS:localhost\n' "$address" >"$dir/server.ext" &&
      openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
        -extfile "$dir/server.ext" -out "$dir/server.crt"
  } >"$dir/openssl.log" 2>&1; then
    echo "could not make the server's certificate; openssl said:" >&2
    cat "$dir/openssl.log" >&2
    return 1
  fi
  chmod 600 "$dir/server.key"
  chmod 644 "$dir/ca.crt" "$dir/server.crt"
  if [ "$(id -u)" -eq 0 ]; then chown "${FOODCOUNT_POSTGRES_USER:-nobody}" "$dir/server.key" "$dir/server.crt"; fi
}

# stop_postgres DIR: stops the server started in DIR (fast: disconnects clients) and removes DIR.
stop_postgres() {
  local dir=$1 bin
  bin="$(postgres_bindir)" || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_postgres_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start) start_postgres "$2" "$3" "${4:-}" "${5:-}" ;;
    stop) stop_postgres "$2" ;;
    *)
      echo "usage: $0 start DIR PORT [ADDRESS [CLIENTS]] | stop DIR" >&2
      exit 2
      ;;
  esac
fi
