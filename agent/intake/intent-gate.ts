// Decides whether an intent that arrived over gossip may be acted on. Pure apart from the journal reads:
// signature and trust, shape, replay, group sequence, expiry, and whether this host is a target.
import { openEnvelope, EnvelopeError, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { decodeIntent, type DeploymentIntent } from '../../protocol/messages/intent.ts';
import { MessageError } from '../../protocol/messages/common.ts';

export interface GateContext {
  readonly trustedCoordinators: ReadonlySet<string>;
  readonly selfPeerId: string;
  readonly now: number;
  hasSeen(deploymentId: string): boolean;
  lastSequence(groupId: string): number;
}

export type GateVerdict =
  | { readonly accept: true; readonly intent: DeploymentIntent; readonly envelope: SignedEnvelope }
  /** `quiet` verdicts are normal traffic (not a target, already seen) and not worth a warning. */
  | { readonly accept: false; readonly reason: string; readonly quiet: boolean; readonly deploymentId?: string };

export function admitIntent(data: Uint8Array, ctx: GateContext): GateVerdict {
  let opened: ReturnType<typeof openEnvelope>;
  try {
    opened = openEnvelope(data, 'intent');
  } catch (err) {
    return reject(err instanceof EnvelopeError ? err.message : 'intent envelope could not be read', false);
  }
  if (!ctx.trustedCoordinators.has(opened.signer)) {
    return reject(`intent signed by untrusted key "${opened.signer}"`, false);
  }
  let intent: DeploymentIntent;
  try {
    intent = decodeIntent(opened.payload);
  } catch (err) {
    return reject(err instanceof MessageError ? err.message : 'intent is malformed', false);
  }
  const id = intent.deploymentId;
  if (ctx.hasSeen(id)) return reject(`deployment ${id} was already received (replay)`, true, id);
  if (intent.expiresAt <= ctx.now) {
    return reject(`deployment ${id} expired at ${new Date(intent.expiresAt).toISOString()}`, false, id);
  }
  if (!intent.targets.includes(ctx.selfPeerId)) return reject(`this host is not a target of ${id}`, true, id);
  const last = ctx.lastSequence(intent.deploymentGroupId);
  if (intent.groupSequence <= last) {
    return reject(`deployment ${id} has group sequence ${intent.groupSequence}, not newer than ${last} already applied for ${intent.deploymentGroup}`, false, id);
  }
  return { accept: true, intent, envelope: opened.envelope };
}

function reject(reason: string, quiet: boolean, deploymentId?: string): GateVerdict {
  return deploymentId === undefined ? { accept: false, reason, quiet } : { accept: false, reason, quiet, deploymentId };
}
