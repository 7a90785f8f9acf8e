export { SlotNode, type SlotNodeInit, type SlotEvent, type Transmit } from './node.ts';
export type * from './types.ts';
export { compareBallots } from './ballot.ts';
export { chooseCommittee, claimOrder, quorumSize, hash32 } from './committee.ts';
export { decodeMessage, encodeMessage, parseMessage, decodeDurable, encodeDurable, parseDurable, LIMITS, type Decoded } from './codec.ts';
export { DEFAULT_TIMING, Timer, type SlotTiming } from './timers.ts';
export { LearnedView, type SlotState, type HostProgress } from './view.ts';
