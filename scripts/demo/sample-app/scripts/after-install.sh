#!/bin/sh
set -e
. "$(dirname "$0")/common.sh"
record
test -f "$APP/site/index.html"
echo "installed $(wc -c < "$APP/site/index.html") bytes of site"
