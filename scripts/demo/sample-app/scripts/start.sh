#!/bin/sh
set -e
. "$(dirname "$0")/common.sh"
record
rm -f "$RUN/server.port"
# A daemon must not hold the hook's stdout/stderr open (CodeDeploy rule), so redirect everything.
nohup node "$APP/server/server.mjs" "$APP/site" "$RUN/server.port" > "$RUN/server.log" 2>&1 < /dev/null &
echo $! > "$RUN/server.pid"
echo "started server pid $(cat "$RUN/server.pid")"
