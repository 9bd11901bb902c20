# Shared helpers for scripts: the embedded broker (tansu) on loopback.
# Source it; it defines functions and uses $root.

tansu_bin() { echo "$root/.venv/bin/tansu"; }

# Prints a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for_port PORT SECONDS: waits until something listens on 127.0.0.1:PORT.
wait_for_port() {
  local port=$1 deadline=$((SECONDS + ${2:-20}))
  until python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $port)))" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# start_broker PORT LOGFILE: starts tansu in the background; sets BROKER_PID.
start_broker() {
  local port=$1 logfile=$2
  "$(tansu_bin)" broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" \
    >"$logfile" 2>&1 &
  BROKER_PID=$!
  if ! wait_for_port "$port" 20; then
    echo "the embedded broker did not start on port $port; its log:" >&2
    cat "$logfile" >&2
    return 1
  fi
}

# create_topic PORT NAME PARTITIONS
create_topic() {
  "$(tansu_bin)" topic create "$2" --partitions "$3" --broker "tcp://127.0.0.1:$1" >/dev/null
}
