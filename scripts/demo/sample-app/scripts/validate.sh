#!/bin/sh
set -e
. "$(dirname "$0")/common.sh"
record
i=0
while [ ! -s "$RUN/server.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
PORT="$(cat "$RUN/server.port")"
node -e '
fetch(`http://127.0.0.1:${process.argv[1]}/`).then(async (r) => {
  const body = await r.text();
  if (r.status !== 200 || !body.includes("Hello from Convoy")) { console.error("unexpected answer", r.status); process.exit(1); }
  console.log("service answers on port", process.argv[1]);
}).catch((e) => { console.error(e.message); process.exit(1); });' "$PORT"
