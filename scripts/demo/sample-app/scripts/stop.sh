#!/bin/sh
set -e
. "$(dirname "$0")/common.sh"
record
if [ -f "$RUN/server.pid" ]; then
  kill "$(cat "$RUN/server.pid")" 2>/dev/null || true
  rm -f "$RUN/server.pid" "$RUN/server.port"
fi
echo "stopped the previous version"
