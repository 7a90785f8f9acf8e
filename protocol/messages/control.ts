// Signed operator commands from a trusted coordinator, gossiped on TOPIC_CONTROL:
// - stop: hosts not yet started never start; the deployment ends Stopped;
// - declare-dead: an operator states that a host is gone for good, freeing the slot it holds (its
//   deployment counts as failed). Safe only when the operator is right; see docs/quorum.md.
import { z } from 'zod';
import { DEPLOYMENT_ID, EPOCH_MS, PEER_ID, decodeWith } from './common.ts';

export const CONTROL_VERSION = 1;

export const ControlSchema = z.discriminatedUnion('command', [
  z.object({ type: z.literal('control'), v: z.literal(CONTROL_VERSION), command: z.literal('stop'), deploymentId: DEPLOYMENT_ID, issuedAt: EPOCH_MS }).strict(),
  z.object({ type: z.literal('control'), v: z.literal(CONTROL_VERSION), command: z.literal('declare-dead'), deploymentId: DEPLOYMENT_ID, host: PEER_ID, issuedAt: EPOCH_MS }).strict(),
]);

export type ControlCommand = z.infer<typeof ControlSchema>;

export function decodeControl(value: unknown): ControlCommand {
  return decodeWith(ControlSchema, value, 'control', CONTROL_VERSION);
}
