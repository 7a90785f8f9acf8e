# Shared by the hook scripts. On a real host CONVOY_DESTINATION_ROOT is unset and APP is /srv/convoy-demo.
APP="${CONVOY_DESTINATION_ROOT:-}/srv/convoy-demo"
RUN="$APP/run"
record() { mkdir -p "$RUN"; echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID" >> "$RUN/hook-order.log"; }
