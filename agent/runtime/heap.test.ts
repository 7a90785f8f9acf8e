// The heap settings run in a child process (V8 flags are per process) of the compiled agent code
// (`npm test` builds dist/ first), so a Node upgrade that drops or renames a flag fails here, not silently.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../../coordinator/sandbox/sandbox.ts';

const HEAP = pathToFileURL(path.join(REPO_ROOT, 'dist', 'agent', 'runtime', 'heap.js')).href;

function runScript(source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', source], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim())));
  });
}

/** Allocates objects that survive scavenges, which is what makes V8 grow its young generation. */
const CHURN = `let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 200000) keep = []; }`;
const NEW_SPACE = `(await import('node:v8')).default.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size`;

it('keepYoungGenerationSmall stops the young generation from growing to its 32 MiB default', async () => {
  const grown = Number(await runScript(`${CHURN}; console.log(${NEW_SPACE});`));
  const kept = Number(await runScript(`(await import('${HEAP}')).keepYoungGenerationSmall(); ${CHURN}; console.log(${NEW_SPACE});`));
  expect(grown).toBeGreaterThan(8 * 1024 * 1024);
  expect(kept).toBeLessThanOrEqual(4 * 1024 * 1024);
});

/** Grows a retained heap to ~250 MiB and counts the full collections on the way. */
const GROW_AND_COUNT = `
  const { PerformanceObserver, constants } = await import('node:perf_hooks');
  let majors = 0;
  new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; }).observe({ entryTypes: ['gc'] });
  const keep = [];
  for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (i % 10000 === 0) await new Promise((r) => setImmediate(r)); }
  await new Promise((r) => setTimeout(r, 100));
  console.log(majors);
`;

it('fixOldGenerationGrowth sets the growth factor: a heap held to 10 % growth collects often, then rarely', async () => {
  // V8 picks a factor of its own, 4 on an idle machine, lower under load; the test cannot make a machine look
  // busy to V8, so it starts from a small fixed factor (1.1) and checks that the setting (2) replaces it.
  const small = `(await import('node:v8')).default.setFlagsFromString('--heap-growing-percent=10');`;
  const often = Number(await runScript(`${small} ${GROW_AND_COUNT}`));
  const rarely = Number(await runScript(`${small} (await import('${HEAP}')).fixOldGenerationGrowth(); ${GROW_AND_COUNT}`));
  // Measured: 7-9 collections against 3-4 (V8 also grows the limit by a minimum step, so 1.1 collects less
  // often than 10 % suggests, and fewer times on a busy machine: 7 in a full `npm test`). With the setting
  // removed or ignored both runs collect alike.
  expect(rarely).toBeLessThanOrEqual(5);
  expect(often - rarely).toBeGreaterThanOrEqual(3);
});

it('noteBytesMoved starts a full collection once 32 MiB have moved, and not before', async () => {
  const out = await runScript(`
    const { PerformanceObserver, constants } = await import('node:perf_hooks');
    const { noteBytesMoved, paceCollectionsAbove } = await import('${HEAP}');
    paceCollectionsAbove(0); // this small process is far below the default threshold
    let majors = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; }).observe({ entryTypes: ['gc'] });
    const settle = () => new Promise((r) => setTimeout(r, 300));
    noteBytesMoved(31 * 1024 * 1024);
    await settle();
    const before = majors;
    noteBytesMoved(1024 * 1024);
    for (let i = 0; i < 20 && majors === before; i++) await settle();
    console.log(JSON.stringify({ before, after: majors }));
  `);
  const { before, after } = JSON.parse(out) as { before: number; after: number };
  expect(before).toBe(0);
  expect(after).toBeGreaterThan(0);
});

it('a full collection V8 runs by itself restarts the count, so noteBytesMoved forces none right after it', async () => {
  const out = await runScript(`
    const { PerformanceObserver, constants } = await import('node:perf_hooks');
    const v8 = (await import('node:v8')).default;
    const { noteBytesMoved, paceCollectionsAbove } = await import('${HEAP}');
    paceCollectionsAbove(0);
    let majors = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; }).observe({ entryTypes: ['gc'] });
    const settle = () => new Promise((r) => setTimeout(r, 300));
    const waitFor = async (n) => { for (let i = 0; i < 20 && majors < n; i++) await settle(); };
    noteBytesMoved(31 * 1024 * 1024);
    v8.setFlagsFromString('--expose-gc');
    (await import('node:vm')).default.runInNewContext('gc')({ type: 'major', execution: 'async' }); // stands in for one of V8's own
    await waitFor(1);
    await settle();
    const own = majors;
    noteBytesMoved(1024 * 1024); // 32 MiB in all, but 1 MiB since the last full collection
    await settle();
    await settle();
    const after = majors;
    noteBytesMoved(31 * 1024 * 1024);
    await waitFor(own + 1);
    console.log(JSON.stringify({ own, after, paced: majors }));
  `);
  const { own, after, paced } = JSON.parse(out) as { own: number; after: number; paced: number };
  expect(own).toBeGreaterThanOrEqual(1);
  expect(after).toBe(own); // a forced one here means the count ignored the collection before it
  expect(paced).toBeGreaterThan(after);
});

it('noteBytesMoved forces no collection while resident memory is below the threshold, 112 MiB by default', async () => {
  const out = await runScript(`
    const { PerformanceObserver, constants } = await import('node:perf_hooks');
    const { noteBytesMoved, paceCollectionsAbove, PACE_ABOVE_RESIDENT_BYTES } = await import('${HEAP}');
    let majors = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; }).observe({ entryTypes: ['gc'] });
    const settle = () => new Promise((r) => setTimeout(r, 300));
    const resident = process.memoryUsage.rss();
    // The default threshold, in a process well below it: 64 MiB moved force nothing.
    noteBytesMoved(64 * 1024 * 1024);
    await settle();
    await settle();
    const belowDefault = majors;
    // Just under this process's own size, the same count does force one.
    paceCollectionsAbove(resident - 1024 * 1024);
    noteBytesMoved(32 * 1024 * 1024);
    for (let i = 0; i < 20 && majors === belowDefault; i++) await settle();
    console.log(JSON.stringify({ threshold: PACE_ABOVE_RESIDENT_BYTES, resident, belowDefault, above: majors }));
  `);
  const { threshold, resident, belowDefault, above } = JSON.parse(out) as { threshold: number; resident: number; belowDefault: number; above: number };
  expect(threshold).toBe(112 * 1024 * 1024);
  expect(resident).toBeLessThan(threshold);
  expect(belowDefault).toBe(0);
  expect(above).toBeGreaterThan(0);
});
