#!/usr/bin/env bash
# Start a private PostgreSQL cluster for the tests: initdb into a temp dir, a private port and socket
# directory, no service manager. Prints `export` lines for PHASEKIT_TEST_PG_URL and PHASEKIT_TEST_PG_DIR, so
#   eval "$(bash test/postgres/startCluster.sh)"
# sets them; `bash test/postgres/stopCluster.sh "$PHASEKIT_TEST_PG_DIR"` stops it and removes the files.
# As root the server runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$bin" ]; then
  echo "startCluster: no PostgreSQL server under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
  exit 1
fi
port="${PHASEKIT_TEST_PG_PORT:-55432}"
# Take the first free port from there (a port something answers on is busy).
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
dir="$(mktemp -d /tmp/phasekit-pg.XXXXXX)"
mkdir -p "$dir/data" "$dir/socket"
run=()
if [ "$(id -u)" = 0 ]; then
  chown -R postgres:postgres "$dir"
  chmod 755 "$dir"
  run=(runuser -u postgres --)
fi
printf 'phasekit\n' >"$dir/pwfile"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/pwfile"
"${run[@]}" "$bin/initdb" -D "$dir/data" -U phasekit --pwfile="$dir/pwfile" -A scram-sha-256 \
  -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# Small and fast: the data is thrown away, so no fsync; enough connections for 4+ workers and the tests.
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-p $port -k $dir/socket -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
echo "export PHASEKIT_TEST_PG_URL='postgres://phasekit:phasekit@127.0.0.1:$port/postgres'"
echo "export PHASEKIT_TEST_PG_DIR='$dir'"
