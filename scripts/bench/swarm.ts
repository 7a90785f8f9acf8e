// Benchmark: revision distribution to N hosts on loopback, Convoy's chunk swarm vs every host fetching the
// whole bundle from the origin (seed fetch, the CodeDeploy model). One origin process (egress shaped by a
// token bucket, default 25 MB/s, over both protocols) and N host processes, each running the agent's real
// RevisionSource (swarmSource or seedFetchSource) on its own libp2p node. Prints, per N and mode: time until
// every host has a verified copy, origin bytes / bundle size, peak host RSS (VmHWM), each host's event-loop
// delay while it downloads; and one libp2p stream's unshaped throughput and CPU per MiB, measured in the same
// run as the reference for an unlimited-origin aggregate figure (the median of three transfers: the first, in
// a fresh process, runs before the JIT has compiled the stream stack and costs about twice the others).
// `--warm-mib M` measures long-running hosts the same way: every host first fetches another M MiB revision in
// the same mode, outside the figures (time, CPU, origin bytes). Each host's peak RSS is reset as its measured run starts.
//
//   node dist/scripts/bench/swarm.js [--agents 10,20] [--size-mib 256] [--origin-mbps 25] [--chunk-mib 4]
//                                    [--modes swarm,origin] [--download-mbps N] [--upload-mbps N] [--warm-mib M]
//                                    [--node-args "--trace-gc ..."]   (Node/V8 flags for the origin, probe and hosts)
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import '../../protocol/polyfills.ts';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { createFleetNode, type FleetNode } from '../../agent/network/node.ts';
import { encodeJsonFrame, requestFrames, serveFrames } from '../../agent/network/frames.ts';
import { buildManifestFromFile } from '../../agent/chunkstore/build-manifest.ts';
import { sha256Hex } from '../../agent/chunkstore/hash.ts';
import { encodeManifest } from '../../protocol/chunks/manifest.ts';
import { PROTOCOL_FETCH } from '../../protocol/topics.ts';
import type { RevisionRef } from '../../protocol/messages/intent.ts';
import { TokenBucket } from '../../agent/swarm/flow.ts';
import { FileRevision } from '../../agent/swarm/held.ts';
import { serveChunks } from '../../agent/swarm/server.ts';
import { AgentSwarm } from '../../agent/swarm/swarm.ts';
import { swarmSource } from '../../agent/swarm/swarm-source.ts';
import { seedFetchSource } from '../../agent/fetch/seed-fetch.ts';
import { configureHeap } from '../../agent/runtime/heap.ts';
import { cpuMsOfAll } from './proc-usage.ts';

const MiB = 1024 * 1024;
const PROTOCOL_BLAST = '/convoy/bench/blast/1.0.0';
const self = fileURLToPath(import.meta.url);

type Msg =
  | { t: 'ready'; peerId: string; addrs: string[] }
  | { t: 'done'; ms: number; hwmKiB: number; ok: boolean; error?: string; stats?: unknown; received?: { originBytes: number; peerBytes: number } }
  | { t: 'served'; bytes: number }
  | { t: 'blast'; mibPerSec: number }
  | { t: 'warmed'; ok: boolean; error?: string };

interface Args { agents: number[]; sizeMiB: number; originMBps: number; chunkMiB: number; modes: string[]; downloadMBps?: number; uploadMBps?: number; warmMiB: number; keep: boolean; nodeArgs: string[] }

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string): number | undefined => (get(name) === undefined ? undefined : Number(get(name)));
  return {
    agents: (get('agents') ?? '10,20').split(',').map(Number),
    sizeMiB: num('size-mib') ?? 256,
    originMBps: num('origin-mbps') ?? 25,
    chunkMiB: num('chunk-mib') ?? 4,
    modes: (get('modes') ?? 'swarm,origin').split(','),
    ...(num('download-mbps') !== undefined ? { downloadMBps: num('download-mbps') } : {}),
    ...(num('upload-mbps') !== undefined ? { uploadMBps: num('upload-mbps') } : {}),
    warmMiB: num('warm-mib') ?? 0,
    keep: argv.includes('--keep'),
    nodeArgs: (get('node-args') ?? '').split(' ').filter((a) => a !== ''),
  };
}

async function newNode(listen = '/ip4/127.0.0.1/tcp/0', bootstrap: string[] = []): Promise<FleetNode> {
  const privateKey = await generateKeyPair('Ed25519');
  return createFleetNode({ privateKey, listen: [listen], bootstrap, sharedAddresses: ['/ip4/127.0.0.1'] });
}

function hwmKiB(text: string): number {
  return Number(/VmHWM:\s+(\d+)/.exec(text)?.[1] ?? 0);
}

// ---------------------------------------------------------------- origin process
/** `pairs`: bundle path, manifest path, bundle path, manifest path, ... (the measured revision and a warm-up one). */
async function originMain(mbps: number, pairs: string[]): Promise<void> {
  configureHeap(); // as `convoy serve` does: the origin stands for the coordinator's seeder
  const node = await newNode();
  const { decodeManifest } = await import('../../protocol/chunks/manifest.ts');
  const revisions = new Map<string, FileRevision>();
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const manifestBytes = await readFile(pairs[i + 1] as string);
    const held = new FileRevision(decodeManifest(manifestBytes), sha256Hex(manifestBytes), manifestBytes, pairs[i] as string);
    revisions.set(held.bundleSha256, held);
  }
  const bucket = new TokenBucket(mbps * 1e6);
  let served = 0;
  await serveChunks(node, async (b, m) => { const held = revisions.get(b); return held?.manifestHash === m ? held : undefined; }, {
    upload: bucket, log: () => undefined, onServed: (_p, n) => { served += n; },
  });
  // The whole-bundle protocol the agents' seed fetch speaks, shaped by the same bucket.
  await serveFrames(node, PROTOCOL_FETCH, async function* (req) {
    const held = revisions.get((req as { sha256?: string }).sha256 ?? '');
    if (held === undefined) {
      yield encodeJsonFrame({ ok: false, error: 'revision not held' });
      return;
    }
    const size = held.manifest.bundleSize;
    yield encodeJsonFrame({ ok: true, size });
    for (let at = 0; at < size; at += 256 * 1024) {
      const n = Math.min(256 * 1024, size - at);
      await bucket.take(n);
      const bytes = new Uint8Array(n);
      await held.readInto(bytes, at);
      served += n;
      yield bytes;
    }
  }, () => undefined);
  // Unshaped stream for the single-stream reference figure.
  await serveFrames(node, PROTOCOL_BLAST, async function* (req) {
    const total = Number((req as { mib?: number }).mib ?? 256);
    const frame = new Uint8Array(MiB);
    for (let i = 0; i < total; i++) yield frame;
  }, () => undefined);
  process.on('message', (m: { t: string }) => {
    if (m.t === 'served?') process.send?.({ t: 'served', bytes: served } satisfies Msg);
    if (m.t === 'reset') served = 0;
  });
  process.send?.({ t: 'ready', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map((a) => a.toString()) } satisfies Msg);
}

// ---------------------------------------------------------------- host process
async function hostMain(dir: string, mode: string, originAddr: string, downloadBps?: number, uploadBps?: number): Promise<void> {
  configureHeap(); // as `convoy agent` does
  await mkdir(dir, { recursive: true });
  const node = await newNode('/ip4/127.0.0.1/tcp/0', [originAddr]);
  // The swarm logs its totals at info ('swarm download complete'): keep those for the parent, pass the rest
  // through at the chosen level.
  const shown = pino.levels.values[process.env.BENCH_LOG ?? 'warn'] ?? 40;
  let received: { originBytes: number; peerBytes: number } | undefined;
  const logger = pino({ level: 'info' }, {
    write(line: string) {
      const rec = JSON.parse(line) as { level: number; msg: string; originBytes?: number; peerBytes?: number };
      if (rec.msg === 'swarm download complete') received = { originBytes: rec.originBytes ?? 0, peerBytes: rec.peerBytes ?? 0 };
      if (rec.level >= shown) process.stderr.write(line);
    },
  });
  const swarm = await AgentSwarm.start(node, node.peerId.toString(), { rootDir: dir, maxRevisions: 5, uploadBytesPerSec: uploadBps, downloadBytesPerSec: downloadBps }, logger);
  process.on('message', (m: { t: string; peers?: { peerId: string; addrs: string[] }[]; revision?: RevisionRef; targets?: string[]; mib?: number; origin?: { peerId: string; addrs: string[] } }) => {
    if (m.t === 'blast') {
      void (async () => {
        const start = performance.now();
        let bytes = 0;
        try {
          for await (const f of requestFrames(node, m.origin as { peerId: string; addrs: string[] }, PROTOCOL_BLAST, { mib: m.mib })) bytes += f.byteLength;
        } catch {
          // A stream cut short still gives a rate over what arrived.
        }
        process.send?.({ t: 'blast', mibPerSec: bytes / MiB / ((performance.now() - start) / 1000) } satisfies Msg);
      })();
    }
    if (m.t !== 'go' && m.t !== 'warm') return;
    for (const p of m.peers ?? []) swarm.addrs.set(p.peerId, p.addrs);
    const revision = m.revision as RevisionRef;
    const source = mode === 'swarm' ? swarmSource(swarm, { targetsOf: () => m.targets ?? [] }) : seedFetchSource(node);
    if (m.t === 'warm') {
      source.fetch(revision, path.join(dir, 'warm.out'), () => undefined, new AbortController().signal).then(
        () => process.send?.({ t: 'warmed', ok: true } satisfies Msg),
        (err: unknown) => process.send?.({ t: 'warmed', ok: false, error: (err as Error).message } satisfies Msg),
      );
      return;
    }
    received = undefined;
    try {
      writeFileSync('/proc/self/clear_refs', '5'); // peak RSS from here: a warm-up's peak is not this run's
    } catch {
      // Without it (not Linux, or not allowed), VmHWM still covers the warm-up, if there was one.
    }
    const start = performance.now();
    // Peak of each part of memory while downloading and serving, to tell V8 heap from buffers.
    const stats = { heapTotal: 0, arrayBuffers: 0, loopP99Ms: 0, loopMaxMs: 0 };
    // How long the event loop stalls while chunks move (piece writes, collections, waiting for a core): an
    // agent answering rollout messages during a download answers that much later.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    setInterval(() => {
      const m = process.memoryUsage();
      stats.heapTotal = Math.max(stats.heapTotal, m.heapTotal);
      stats.arrayBuffers = Math.max(stats.arrayBuffers, m.arrayBuffers);
    }, 500).unref(); // memoryUsage() walks the heap: polled every 100 ms it took ~2 % of a host's CPU
    source.fetch(revision, path.join(dir, 'bundle.out'), () => undefined, new AbortController().signal).then(
      async () => {
        const ms = performance.now() - start;
        loop.disable();
        stats.loopP99Ms = loop.percentile(99) / 1e6;
        stats.loopMaxMs = loop.max / 1e6;
        // Keep serving until the parent stops us; report the verified copy now.
        const report = async (): Promise<Msg> => ({ t: 'done', ms, ok: true, hwmKiB: hwmKiB(await readFile('/proc/self/status', 'utf8')), stats, ...(received ? { received } : {}) });
        process.send?.(await report());
        setInterval(async () => process.send?.(await report()), 1000).unref();
      },
      async (err: unknown) => {
        const msg = { t: 'done', ms: performance.now() - start, ok: false, error: (err as Error).message, hwmKiB: hwmKiB(await readFile('/proc/self/status', 'utf8')) } satisfies Msg;
        process.send?.(msg);
        setInterval(() => process.send?.(msg), 1000).unref();
      },
    );
  });
  process.send?.({ t: 'ready', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map((a) => a.toString()) } satisfies Msg);
}

// ---------------------------------------------------------------- parent
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function spawnChild(args: string[], execArgv: string[]): { child: ChildProcess; next: (t: Msg['t']) => Promise<Msg> } {
  const child = fork(self, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const waiting: { t: string; resolve: (m: Msg) => void }[] = [];
  const inbox: Msg[] = [];
  child.on('message', (m: Msg) => {
    const i = waiting.findIndex((w) => w.t === m.t);
    if (i >= 0) waiting.splice(i, 1)[0]?.resolve(m);
    else inbox.push(m);
  });
  const next = (t: Msg['t']): Promise<Msg> => {
    const i = inbox.findIndex((m) => m.t === t);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as Msg);
    return new Promise((resolve) => waiting.push({ t, resolve }));
  };
  return { child, next };
}

async function writeRandomBundle(file: string, mib: number): Promise<void> {
  const out = createWriteStream(file);
  let seed = createHash('sha256').update(`${file} ${Date.now()}`).digest();
  for (let i = 0; i < mib; i++) {
    const block = Buffer.allocUnsafe(MiB);
    for (let at = 0; at < MiB; at += 32) {
      seed = createHash('sha256').update(seed).digest();
      seed.copy(block, at);
    }
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** A bundle of random bytes and its manifest, in `work` under `name`. */
async function writeRevision(work: string, name: string, mib: number, chunkMiB: number) {
  const bundle = path.join(work, `${name}.zip`);
  process.stderr.write(`bench: writing a ${mib} MiB bundle in ${bundle}\n`);
  await writeRandomBundle(bundle, mib);
  const manifest = await buildManifestFromFile(bundle, { bundleType: 'zip', chunkSize: chunkMiB * MiB });
  const manifestBytes = encodeManifest(manifest);
  const manifestPath = path.join(work, `${name}.manifest.json`);
  await writeFile(manifestPath, manifestBytes);
  return { bundle, manifest, manifestBytes, manifestPath, size: (await stat(bundle)).size };
}

/** The intent's revision for one mode: the swarm needs the manifest's hash, the whole-bundle fetch does not. */
function revisionRef(r: Awaited<ReturnType<typeof writeRevision>>, mode: string, seed: { peerId: string; addrs: string[] }): RevisionRef {
  return {
    sha256: r.manifest.bundleSha256, size: r.size, bundleType: 'zip',
    source: { kind: 'seed', peers: [seed] },
    ...(mode === 'swarm' ? { manifestSha256: sha256Hex(r.manifestBytes) } : {}),
  };
}

async function parent(args: Args): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'convoy-bench-'));
  const measured = await writeRevision(work, 'bundle', args.sizeMiB, args.chunkMiB);
  const size = measured.size;
  // A second revision for the warm-up, if asked for.
  const warm = args.warmMiB > 0 ? await writeRevision(work, 'warm', args.warmMiB, args.chunkMiB) : undefined;
  const origin = spawnChild(['origin', String(args.originMBps), measured.bundle, measured.manifestPath, ...(warm ? [warm.bundle, warm.manifestPath] : [])], args.nodeArgs);
  const o = (await origin.next('ready')) as Extract<Msg, { t: 'ready' }>;
  const originTarget = { peerId: o.peerId, addrs: o.addrs };
  const rows: string[][] = [];
  let blast = 0;
  let blastCpuMsPerMiB = 0;
  let blastText = '';
  const cores = os.cpus().length;
  /** CPU (ms) each run's processes used per MiB delivered, by row key `${n}/${mode}`. */
  const cpuPerMiB = new Map<string, number>();
  /** The same runs' idle fleet CPU (ms per second, all processes) and wall time (s). */
  const idleMsPerSec = new Map<string, number>();
  const wallOf = new Map<string, number>();
  try {
    for (const n of args.agents) {
      for (const mode of args.modes) {
        const hosts = Array.from({ length: n }, (_, i) => {
          const dir = path.join(work, `${mode}-${n}-${i}`);
          return spawnChild(['host', dir, mode, `${o.addrs[0]}`, String((args.downloadMBps ?? 0) * 1e6 || ''), String((args.uploadMBps ?? 0) * 1e6 || '')], args.nodeArgs);
        });
        const ready = (await Promise.all(hosts.map((h) => h.next('ready')))) as Extract<Msg, { t: 'ready' }>[];
        if (blast === 0) {
          // A separate process, so the fleet's RSS figures do not include it.
          const probe = spawnChild(['host', path.join(work, 'probe'), 'origin', `${o.addrs[0]}`, '', ''], args.nodeArgs);
          await probe.next('ready');
          const blastMiB = Math.min(512, Math.max(128, args.sizeMiB));
          // Three transfers from one fresh process, the median of each figure: the first runs before the JIT has
          // compiled the stream stack, at about twice the others' CPU per MiB.
          const rates: number[] = [];
          const costs: number[] = [];
          for (let i = 0; i < 3; i++) {
            const cpuBefore = await cpuMsOfAll([probe.child.pid, origin.child.pid]);
            probe.child.send({ t: 'blast', mib: blastMiB, origin: originTarget });
            rates.push(((await probe.next('blast')) as Extract<Msg, { t: 'blast' }>).mibPerSec);
            costs.push(((await cpuMsOfAll([probe.child.pid, origin.child.pid])) - cpuBefore) / blastMiB);
          }
          blast = median(rates);
          blastCpuMsPerMiB = median(costs);
          blastText = `${costs.map((c) => c.toFixed(1)).join(', ')} ms of CPU per MiB at ${rates.map((r) => r.toFixed(0)).join(', ')} MiB/s`;
          probe.child.kill('SIGKILL');
          process.stderr.write(`bench: one libp2p stream (noise + yamux), unshaped, three transfers: ${blastText} (sender + receiver)\n`);
        }
        await new Promise((r) => setTimeout(r, 1500)); // let connections to the origin settle
        const targets = ready.map((r) => r.peerId).sort();
        const peers = ready.map((r) => ({ peerId: r.peerId, addrs: r.addrs }));
        if (warm) {
          const t = performance.now();
          for (const h of hosts) h.child.send({ t: 'warm', revision: revisionRef(warm, mode, originTarget), targets, peers });
          const warmed = (await Promise.all(hosts.map((h) => h.next('warmed')))) as Extract<Msg, { t: 'warmed' }>[];
          const failed = warmed.find((w) => !w.ok);
          if (failed) throw new Error(`warm-up failed: ${failed.error ?? ''}`);
          process.stderr.write(`bench: N=${n} ${mode}: warm-up of ${args.warmMiB} MiB took ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
        }
        origin.child.send({ t: 'reset' });
        const revision = revisionRef(measured, mode, originTarget);
        const fleetPids = [origin.child.pid, ...hosts.map((h) => h.child.pid)];
        // What the fleet spends doing nothing (gossip heartbeats, pings), paid for the whole run in either mode.
        const idle0 = await cpuMsOfAll(fleetPids);
        await new Promise((r) => setTimeout(r, 3000));
        idleMsPerSec.set(`${n}/${mode}`, ((await cpuMsOfAll(fleetPids)) - idle0) / 3);
        const cpu0 = await cpuMsOfAll(fleetPids);
        const t0 = performance.now();
        for (const h of hosts) h.child.send({ t: 'go', revision, targets, peers });
        const done = (await Promise.all(hosts.map((h) => h.next('done')))) as Extract<Msg, { t: 'done' }>[];
        const wall = (performance.now() - t0) / 1000;
        cpuPerMiB.set(`${n}/${mode}`, ((await cpuMsOfAll(fleetPids)) - cpu0) / (n * args.sizeMiB));
        wallOf.set(`${n}/${mode}`, wall);
        // Peak RSS while still serving: ask again after a second.
        const later = (await Promise.all(hosts.map((h) => h.next('done')))) as Extract<Msg, { t: 'done' }>[];
        origin.child.send({ t: 'served?' });
        const served = ((await origin.next('served')) as Extract<Msg, { t: 'served' }>).bytes;
        const failed = done.filter((d) => !d.ok);
        const peak = Math.max(...later.map((d) => d.hwmKiB), ...done.map((d) => d.hwmKiB)) / 1024;
        rows.push([String(n), mode, wall.toFixed(1), (served / size).toFixed(2), peak.toFixed(0), failed.length === 0 ? 'all verified' : `${failed.length} failed: ${failed[0]?.error ?? ''}`]);
        const mem = later.map((d) => d.stats as { heapTotal: number; arrayBuffers: number; loopP99Ms: number; loopMaxMs: number } | undefined).filter((x) => x !== undefined);
        const maxOf = (k: 'heapTotal' | 'arrayBuffers'): string => (Math.max(0, ...mem.map((m) => m[k])) / MiB).toFixed(0);
        const loopText = mem.length > 0 ? `; event-loop delay while downloading: p99 ${median(mem.map((m) => m.loopP99Ms)).toFixed(0)} ms (median host), max ${Math.max(...mem.map((m) => m.loopMaxMs)).toFixed(0)} ms (worst host)` : '';
        // Chunk bytes each swarm host took in (peers and origin) for the one bundle it needed: above 1, bytes
        // were fetched twice (endgame duplicates, requests given up on and sent elsewhere).
        const intake = done.map((d) => d.received).filter((r) => r !== undefined).map((r) => (r.originBytes + r.peerBytes) / size);
        const intakeText = intake.length > 0 ? `, chunk bytes received per host / bundle ${Math.min(...intake).toFixed(2)}-${Math.max(...intake).toFixed(2)} (mean ${(intake.reduce((a, b) => a + b, 0) / intake.length).toFixed(2)})` : '';
        process.stderr.write(`bench: N=${n} ${mode}: ${wall.toFixed(1)} s, origin ${(served / size).toFixed(2)}x, peak RSS ${peak.toFixed(0)} MiB (largest V8 heap ${maxOf('heapTotal')} MiB, buffers ${maxOf('arrayBuffers')} MiB)${intakeText}${loopText}\n`);
        for (const h of hosts) h.child.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 500));
        for (const h of hosts) if (h.child.exitCode === null) h.child.kill('SIGKILL');
      }
    }
  } finally {
    origin.child.kill('SIGKILL');
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }
  const header = ['N', 'mode', 'time to all verified (s)', 'origin bytes / bundle', 'peak host RSS (MiB)', 'result'];
  process.stdout.write(`\nRevision ${args.sizeMiB} MiB, chunks ${args.chunkMiB} MiB, origin egress ${args.originMBps} MB/s, ${cores} cores${args.warmMiB > 0 ? `, hosts warmed by a ${args.warmMiB} MiB revision first` : ', fresh host processes'}\n`);
  process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
  process.stdout.write(`\nOne libp2p stream (noise + yamux), unshaped, same run, median of three transfers: ${blast.toFixed(0)} MiB/s, ${blastCpuMsPerMiB.toFixed(1)} ms of CPU per MiB moved (sender + receiver; the three: ${blastText}).\n`);
  process.stdout.write(`CPU per MiB delivered (all hosts and the origin, whole run) against that stream: ${rows.map((r) => { const c = cpuPerMiB.get(`${r[0]}/${r[1]}`) ?? 0; return `N=${r[0]} ${r[1]} ${c.toFixed(1)} ms (${(c / blastCpuMsPerMiB).toFixed(2)}x)`; }).join('; ')}\n`);
  process.stdout.write(`Of that, the idle fleet's CPU (measured for 3 s before each run, times the run's length): ${rows.map((r) => { const k = `${r[0]}/${r[1]}`; const idle = idleMsPerSec.get(k) ?? 0; return `N=${r[0]} ${r[1]} ${(idle * (wallOf.get(k) ?? 0) / (Number(r[0]) * args.sizeMiB)).toFixed(1)} ms (${(idle / (Number(r[0]) + 1)).toFixed(0)} ms/s per process)`; }).join('; ')}\n`);
  for (const n of args.agents) {
    const swarmRow = rows.find((r) => r[0] === String(n) && r[1] === 'swarm');
    const originRow = rows.find((r) => r[0] === String(n) && r[1] === 'origin');
    const unlimited = (n * args.sizeMiB) / blast;
    // What the CPU allows: every delivered MiB costs at least what one stream spends on it, on all cores at once.
    const cpuBound = (n * args.sizeMiB * blastCpuMsPerMiB) / 1000 / cores;
    process.stdout.write(`N=${n}: unlimited-origin whole-bundle reference (N × size / one stream) ≈ ${unlimited.toFixed(1)} s; CPU bound (N × size × stream CPU per MiB / ${cores} cores) ≈ ${cpuBound.toFixed(1)} s`);
    if (swarmRow) process.stdout.write(`; swarm / CPU bound = ${(Number(swarmRow[2]) / cpuBound).toFixed(2)}`);
    if (swarmRow && originRow) process.stdout.write(`; swarm / origin-only time = ${(Number(swarmRow[2]) / Number(originRow[2])).toFixed(2)}`);
    process.stdout.write('\n');
  }
}

const [role, ...rest] = process.argv.slice(2);
if (role === 'origin') await originMain(Number(rest[0]), rest.slice(1));
else if (role === 'host') await hostMain(rest[0] as string, rest[1] as string, rest[2] as string, rest[3] ? Number(rest[3]) : undefined, rest[4] ? Number(rest[4]) : undefined);
else await parent(parseArgs(process.argv.slice(2)));
