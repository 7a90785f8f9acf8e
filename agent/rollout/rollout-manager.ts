// Runs the quorum slot protocol for every deployment this host is a target of: one SlotDriver per
// deployment, its durable state in <root>/state/slots/<id>.dat. A host starts its lifecycle only when the
// committee grants it a slot, reports its outcome back into the protocol, and learns the deployment's
// final state like every other host. Hosts that never started when the rollout ends are reported
// Skipped (failed rollout) or Stopped (stop command).
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { decodeDurable, encodeDurable, type SlotEvent, type SlotMessage, type DurableState } from '../../protocol/slots/index.ts';
import type { HostStatus } from '../../protocol/messages/report.ts';
import type { ControlCommand } from '../../protocol/messages/control.ts';
import type { DeploymentRecord, Journal } from '../state/journal.ts';
import { DoubleBufferedFile } from '../state/double-buffered-file.ts';
import type { Reporter } from '../reporting/reporter.ts';
import { SlotDriver } from './slot-driver.ts';
import type { SlotTransport } from './slot-transport.ts';

export interface RolloutComponents {
  readonly self: string;
  readonly rootDir: string;
  readonly journal: Journal;
  readonly reporter: Reporter;
  readonly transport: SlotTransport;
  readonly logger: Logger;
  /** Runs the host's lifecycle for a granted deployment; resolves with the host's final status. */
  readonly runLifecycle: (record: DeploymentRecord, signal: AbortSignal) => Promise<HostStatus>;
  /** Seeded per deployment and host so jitter differs between hosts but runs are reproducible. */
  readonly random: () => number;
  /** A deployment this host is a target of reached its final state (every target learns it). */
  readonly onRolloutFinal?: (deploymentId: string) => void;
}

/** Messages that race ahead of their intent are held this long, this many per deployment, then dropped. */
const EARLY_TTL_MS = 30_000;
const EARLY_MAX_PER_DEPLOYMENT = 256;
const EARLY_MAX_CONTROLS_PER_DEPLOYMENT = 16;
const EARLY_MAX_DEPLOYMENTS = 16;
/**
 * How long the gossip of this host's grant (which carries the release ahead of it) waits, so the host's
 * first lifecycle events run first. A trivial lifecycle reaches its first script in about 20-35 ms here;
 * nothing waits on this gossip (the releaser learns the grant within retryMs either way).
 */
const GRANT_GOSSIP_DELAY_MS = 50;

/** What arrived for a deployment before its intent: replayed (slot messages) or applied (commands) on admit. */
interface EarlyInputs {
  readonly at: number;
  readonly messages: { from: string; msg: SlotMessage }[];
  readonly controls: ControlCommand[];
}

export class RolloutManager {
  private readonly drivers = new Map<string, SlotDriver>();
  private readonly running = new Map<string, AbortController>();
  /** Slot messages and operator commands for deployments whose intent has not arrived yet (gossip reaches hosts at different times). */
  private readonly early = new Map<string, EarlyInputs>();

  constructor(private readonly c: RolloutComponents) {}

  async start(): Promise<void> {
    await this.c.transport.start((from, msg) => this.inbox(from, msg));
    for (const record of this.c.journal.active()) await this.open(record);
  }

  /** A newly accepted deployment: join its rollout. */
  async admit(record: DeploymentRecord): Promise<void> {
    await this.open(record);
  }

  async control(cmd: ControlCommand): Promise<void> {
    const driver = this.drivers.get(cmd.deploymentId);
    if (driver === undefined) {
      // A stop issued right after the deployment can overtake its intent; kept, it applies before this host
      // could claim a slot rather than at the coordinator's next republish.
      const held = this.heldFor(cmd.deploymentId);
      if (held !== undefined && held.controls.length < EARLY_MAX_CONTROLS_PER_DEPLOYMENT) held.controls.push(cmd);
      return;
    }
    await applyControl(driver, cmd);
  }

  close(): void {
    for (const d of this.drivers.values()) d.close();
    this.c.transport.stop();
    for (const a of this.running.values()) a.abort(new Error('agent stopping'));
  }

  private inbox(from: string, msg: SlotMessage): void {
    const driver = this.drivers.get(msg.deployment);
    if (driver === undefined) {
      this.holdEarly(from, msg);
      return;
    }
    if (driver.node.targets.includes(from)) void driver.deliver(from, msg);
  }

  /**
   * A prepare can arrive before this host has the intent. Dropping it is safe (the sender retries) but
   * costs a retry timeout per hop, so hold a bounded number for a short while and replay them on admit.
   */
  private holdEarly(from: string, msg: SlotMessage): void {
    const held = this.heldFor(msg.deployment);
    if (held !== undefined && held.messages.length < EARLY_MAX_PER_DEPLOYMENT) held.messages.push({ from, msg });
  }

  /** What is held for a deployment not yet admitted, creating the entry if there is room; expired ones go first. */
  private heldFor(deployment: string): EarlyInputs | undefined {
    const now = Date.now();
    for (const [id, held] of this.early) if (now - held.at > EARLY_TTL_MS) this.early.delete(id);
    let held = this.early.get(deployment);
    if (held === undefined) {
      if (this.early.size >= EARLY_MAX_DEPLOYMENTS) return undefined;
      this.early.set(deployment, (held = { at: now, messages: [], controls: [] }));
    }
    return held;
  }

  private async open(record: DeploymentRecord): Promise<void> {
    const id = record.intent.deploymentId;
    if (this.drivers.has(id)) return;
    const dir = path.join(this.c.rootDir, 'state', 'slots');
    await mkdir(dir, { recursive: true });
    const opened = await DoubleBufferedFile.open(path.join(dir, `${id}.dat`), path.join(dir, `${id}.json`));
    const durable = decodeState(opened.contents, path.join(dir, `${id}.dat`));
    const driver = new SlotDriver({
      nodeId: this.c.self,
      deployment: id,
      targets: record.intent.targets,
      config: record.intent.config as never,
      ...(record.intent.committeeSize !== undefined ? { committeeSize: record.intent.committeeSize } : {}),
      rng: { int: (min, max) => min + Math.floor(this.c.random() * (max - min + 1)) },
      ...(durable !== undefined ? { durable } : {}),
      ...(record.status === 'Succeeded' || record.status === 'Failed' ? { completedOutcome: record.status === 'Succeeded' ? 'succeeded' as const : 'failed' as const } : {}),
      // Journaled before the first event runs; stands for the grant, which is not written before deploying.
      deployStarted: record.events.length > 0,
    }, {
      persist: (state) => opened.file.write(encodeDurable(state)),
      send: (to, msg) => this.c.transport.send(to, msg),
      broadcast: (msg) => this.c.transport.broadcast(msg),
      onEvent: (event) => this.onEvent(record, event),
      logger: this.c.logger.child({ deploymentId: id }),
      grantGossipDelayMs: GRANT_GOSSIP_DELAY_MS,
    });
    this.drivers.set(id, driver);
    const held = this.early.get(id);
    this.early.delete(id);
    // Queued ahead of the start, so a held stop is in force before the protocol plans a claim.
    for (const cmd of held?.controls ?? []) void applyControl(driver, cmd);
    // A lifecycle interrupted by a restart is finished (reported failed) by the runner; the protocol
    // burns the slot on its own when it recovers a 'holding' state.
    if (record.finishedAt === undefined && record.events.length > 0) this.launch(record, driver);
    await driver.start();
    if (record.finishedAt === undefined) this.connectAhead(driver);
    for (const { from, msg } of held?.messages ?? []) if (driver.node.targets.includes(from)) void driver.deliver(from, msg);
  }

  /**
   * Streams to the peers this host will talk to during the rollout, opened while it waits: the committee
   * (its claim's Accepts) and the host after it in claim order (usually the one it hands its slot to).
   */
  private connectAhead(driver: SlotDriver): void {
    const { committee, order } = driver.node;
    const successor = order[(order.indexOf(this.c.self) + 1) % order.length];
    for (const peer of new Set([...committee, ...(successor !== undefined ? [successor] : [])])) {
      if (peer !== this.c.self) this.c.transport.connect(peer);
    }
  }

  private onEvent(record: DeploymentRecord, event: SlotEvent): void {
    const id = record.intent.deploymentId;
    const log = this.c.logger.child({ deploymentId: id });
    switch (event.type) {
      case 'slot:granted':
        log.info({ slot: event.slot, tenure: event.tenure }, 'slot granted: deploying');
        if (record.finishedAt === undefined && !this.running.has(id)) this.launch(record, this.drivers.get(id)!);
        return;
      case 'slot:revoked':
        log.warn({ slot: event.slot }, 'slot revoked by an operator: aborting this host\'s deployment');
        this.running.get(id)?.abort(new Error('slot revoked by an operator'));
        return;
      case 'slot:ended':
        // This host's tenure ended with the host failed: burned (it restarted holding the slot) or revoked (declared
        // dead). A yield ends a tenure that never started (claimed before a restart or a stop): still pending.
        if ((event.value.kind === 'burn' || event.value.kind === 'revoke') && event.value.host === this.c.self) {
          void this.finishWithout(record, 'Failed', event.value.kind === 'revoke' ? 'declared dead by an operator' : 'slot burned: the host restarted while holding it');
        }
        return;
      case 'deployment:final': {
        log.info({ status: event.status, slotMessages: this.c.transport.trafficOf(id) }, 'rollout final');
        const state = event.status.state === 'in-progress' ? undefined : event.status.state;
        if (state === undefined) return;
        const journaled = this.c.journal.update(id, (r) => { r.rolloutFinal = { state, ...(event.status.reason ? { reason: event.status.reason } : {}) }; });
        const finished = record.status === 'Pending' ? this.finishWithout(record, state === 'stopped' ? 'Stopped' : 'Skipped', `deployment ${state} before this host started`) : undefined;
        void Promise.allSettled([journaled, finished]).then((results) => {
          for (const r of results) if (r.status === 'rejected') log.error({ err: r.reason }, 'cannot journal the rollout\'s final state');
          this.c.onRolloutFinal?.(id);
        });
        return;
      }
      case 'command:rejected':
      case 'message:rejected':
        log.debug({ event }, 'slot protocol rejected an input');
        return;
      default:
        return;
    }
  }

  private launch(record: DeploymentRecord, driver: SlotDriver): void {
    const id = record.intent.deploymentId;
    const abort = new AbortController();
    this.running.set(id, abort);
    this.c.runLifecycle(record, abort.signal)
      .then((status) => {
        const outcome = status === 'Succeeded' ? 'succeeded' : 'failed';
        this.c.logger.info({ deploymentId: id, outcome }, 'ending slot tenure');
        return driver.reportOutcome(outcome);
      })
      .catch((err: unknown) => this.c.logger.error({ err, deploymentId: id }, 'lifecycle failed to run'))
      .finally(() => this.running.delete(id));
  }

  /** Ends this host's part of a deployment it never ran (or whose slot was burned or revoked). */
  private async finishWithout(record: DeploymentRecord, status: 'Failed' | 'Skipped' | 'Stopped', message: string): Promise<void> {
    if (record.finishedAt !== undefined || this.running.has(record.intent.deploymentId)) return;
    const now = Date.now();
    await this.c.reporter.publish(record.intent.deploymentId, {
      event: 'Start', status: status === 'Failed' ? 'Failed' : 'Skipped', errorCode: status === 'Failed' ? 'FailedAfterRestart' : 'Success',
      scriptName: '', message, logTail: '', startedAt: now, endedAt: now,
    }, status, (r, state) => {
      r.status = status;
      r.finishedAt = now;
      state.lastDeployment = { deploymentId: r.intent.deploymentId, status };
    });
  }
}

function decodeState(bytes: Uint8Array | undefined, file: string): DurableState | undefined {
  if (bytes === undefined) return undefined;
  const decoded = decodeDurable(bytes);
  if (!decoded.ok) throw new Error(`Slot state ${file} is unreadable: ${decoded.reason}`);
  return decoded.value;
}

function applyControl(driver: SlotDriver, cmd: ControlCommand): Promise<void> {
  return cmd.command === 'stop' ? driver.stop() : driver.declareDead(cmd.host);
}
