#!/bin/sh
set -e
. "$(dirname "$0")/common.sh"
record
echo "preparing $APP"
