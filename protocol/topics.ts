// Gossip topics and stream protocol ids: the names two Convoy peers must agree on.
export const TOPIC_INTENTS = '/convoy/1/intents';
export const TOPIC_REPORTS = '/convoy/1/reports';
export const TOPIC_HEARTBEATS = '/convoy/1/heartbeats';
export const TOPIC_CONTROL = '/convoy/1/control';

/** Whole-bundle fetch from a seed (coordinator revision store or a host holding the revision). */
export const PROTOCOL_FETCH = '/convoy/fetch/1.0.0';
/** Ask a host for everything it reported about a deployment (its signed reports). */
export const PROTOCOL_STATUS = '/convoy/status/1.0.0';
/** Fetch a host's full hook log for a deployment. */
export const PROTOCOL_LOGS = '/convoy/logs/1.0.0';

/** Largest frame any Convoy stream protocol accepts: a 1 MiB data frame plus headroom. */
export const MAX_FRAME_BYTES = 1024 * 1024 + 4096;

/** Slot protocol: chosen values are gossiped here so every host and the coordinator learn them. */
export const TOPIC_SLOTS = '/convoy/1/slots';
/** Slot protocol point-to-point messages (prepare/promise/accept/accepted/nack/query): one frame per stream. */
export const PROTOCOL_SLOTS = '/convoy/slots/1.0.0';
