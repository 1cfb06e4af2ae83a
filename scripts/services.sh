#!/usr/bin/env bash
# Makes sure the real services the integration tests talk to are up: PostgreSQL, Redis,
# RabbitMQ and NATS JetStream. `up` starts whichever is down and waits for its port;
# `status` only reports. Start commands are the machine's packaged servers (see DEVELOPERS.md).
set -uo pipefail

wait_port() { # name port seconds
  local name=$1 port=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "  $name up on :$port"; return 0; fi
    sleep 1
  done
  echo "  $name did not come up on :$port" >&2
  return 1
}

is_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_postgres() {
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  [ -n "$version" ] || { echo "  PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
}
start_redis() {
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}
start_rabbitmq() { rabbitmq-server -detached; }
start_nats() {
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
}

services=("postgres 5432 30" "redis 6379 15" "rabbitmq 5672 90" "nats 4222 20")

case "${1:-status}" in
  up)
    failed=0
    for entry in "${services[@]}"; do
      read -r name port timeout <<<"$entry"
      if is_up "$port"; then echo "  $name already up on :$port"; continue; fi
      echo "  starting $name"
      "start_$name" >/dev/null 2>&1 || echo "  start command for $name failed" >&2
      wait_port "$name" "$port" "$timeout" || failed=1
    done
    exit $failed
    ;;
  status)
    for entry in "${services[@]}"; do
      read -r name port _ <<<"$entry"
      if is_up "$port"; then echo "  $name up on :$port"; else echo "  $name DOWN on :$port"; fi
    done
    ;;
  *)
    echo "usage: scripts/services.sh up|status" >&2
    exit 2
    ;;
esac
