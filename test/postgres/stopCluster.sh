#!/usr/bin/env bash
# Stop a cluster started by startCluster.sh and remove its files: stopCluster.sh DIR
set -euo pipefail
dir="$1"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
run=()
[ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
rm -rf "$dir"
