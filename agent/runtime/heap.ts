// V8's young generation starts at 1 MiB semi-spaces and, whenever enough objects survive a scavenge, doubles
// up to 16 MiB each: about 32 MiB of resident memory an agent keeps for good once startup (loading libp2p) or
// a busy minute grew it. An agent mostly waits, and the bytes it moves live in buffers outside the V8 heap,
// so the bigger young generation saves it little and costs a quarter of its memory. Measured here: idle agent
// RSS and, during a 1 GiB swarm download, peak RSS (docs/distribution.md). Call before loading the agent's
// modules; the flag is read each time the young generation would grow.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

export function keepYoungGenerationSmall(): void {
  setFlag('--semi-space-growth-factor=1');
}

/**
 * After each full collection V8 sets the old generation's limit at the live heap times a factor it picks from
 * how fast collecting and the program run: 4 for an idle agent, less when collecting looks slow. It also counts
 * external memory (Buffers) allocated since the last full collection toward that limit. On a busy machine,
 * where the collector's threads wait for a core, the factor fell, and a host moving chunks started a full
 * collection every 200-300 ms, after 2-5 MiB of heap growth, each freeing almost nothing: about a third of a
 * 10-host swarm's CPU went to marking (docs/distribution.md). A fixed factor of 2 saves as much CPU as 4
 * did, with lower host peaks (125-126 against 143-145 MiB in a 10-host swarm); near the memory budget,
 * pacing (below) still bounds the garbage.
 */
export const OLD_GENERATION_GROWTH_PERCENT = 100;

export function fixOldGenerationGrowth(): void {
  setFlag(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}

/** Both heap settings; call before loading the agent's modules. */
export function configureHeap(): void {
  keepYoungGenerationSmall();
  fixOldGenerationGrowth();
}

function setFlag(flag: string): void {
  try {
    v8.setFlagsFromString(flag);
  } catch {
    // A runtime without V8 flags (or that refuses this one) keeps its default.
  }
}

/**
 * V8 starts a full collection only once external memory (Buffers) has grown 64 MiB past what the last one
 * left, and libp2p's stream stack allocates a fresh buffer or two for every byte an agent sends or receives
 * (socket reads, Noise ciphertext and plaintext, frames). Moving chunks, an agent's resident memory therefore
 * swings up by ~64 MiB of garbage buffers, and the allocator keeps what it reached. A full collection once
 * PACE_BYTES have moved since the last one keeps that garbage near PACE_BYTES (docs/distribution.md).
 *
 * The collection asked for here is atomic: 80-120 ms with the event loop stopped, on this VM. V8 runs its own
 * (incremental) full collections often while chunks move, so any of them restarts the count, and the forced
 * one runs only when V8 has run none for PACE_BYTES.
 */
const PACE_BYTES = 32 * 1024 * 1024;
/**
 * Pacing is for the 150 MiB memory budget, so it waits until an agent is near it: below this resident size the
 * collections cost CPU and stalls for nothing. An idle agent is at 85-98 MiB here: a small download may never
 * reach this, a large one does within seconds and is paced from there (docs/distribution.md).
 */
export const PACE_ABOVE_RESIDENT_BYTES = 112 * 1024 * 1024;
let paceAbove = PACE_ABOVE_RESIDENT_BYTES;
let moved = 0;
let collect: ((options: { type: 'major'; execution: 'async' }) => void) | null | undefined;
let watching = false;

export function noteBytesMoved(bytes: number): void {
  if (!watching) watchFullCollections();
  moved += bytes;
  if (moved < PACE_BYTES) return;
  moved = 0;
  if (residentBytes() < paceAbove) return;
  if (collect === undefined) collect = exposeCollector();
  collect?.({ type: 'major', execution: 'async' });
}

/** Sets the resident size below which no collection is forced (tests; 0 paces by bytes alone). */
export function paceCollectionsAbove(bytes: number): void {
  paceAbove = bytes;
}

/** A runtime that cannot tell its resident size is paced as if it were over the threshold. */
function residentBytes(): number {
  try {
    return process.memoryUsage.rss();
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Restarts the count at every full collection, whoever started it. Without gc entries, pacing goes by bytes only. */
function watchFullCollections(): void {
  watching = true;
  // A runtime without gc performance entries (Deno: no such constant, and observe() takes the type but never
  // reports one) keeps pacing by bytes alone.
  const major = (constants as { NODE_PERFORMANCE_GC_MAJOR?: number } | undefined)?.NODE_PERFORMANCE_GC_MAJOR;
  if (major === undefined) return;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if ((entry as { detail?: { kind?: number } }).detail?.kind === major) moved = 0;
      }
    }).observe({ entryTypes: ['gc'] });
  } catch {
    // As above.
  }
}

function exposeCollector(): typeof collect {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as NonNullable<typeof collect>) : null;
  } catch {
    return null;
  }
}
