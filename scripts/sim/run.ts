// Slot-protocol simulator sweep. Usage (after `npm run build`):
//   node dist/scripts/sim/run.js --seed N            one seed, options and trace tail printed
//   node dist/scripts/sim/run.js --seeds 10000 [--from S]   a sweep starting at S (default: random)
// Exit codes: 0 ok, 127 crash, 128 liveness, 129 correctness (first failure wins).
import { parseSeed } from '../../test/sim/prng.ts';
import { EXIT_CODES, formatOptions, runSeed } from '../../test/sim/simulate.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): number {
  const seedArg = arg('seed');
  if (seedArg !== undefined) {
    const seed = parseSeed(seedArg);
    const r = runSeed(seed, { trace: true });
    console.log(`seed ${seed} options ${formatOptions(r.options)}`);
    if (r.ok) {
      console.log(`ok: ${r.status} at ${r.endMs} ms, ${r.messages} messages`);
      return 0;
    }
    console.log(r.trace.slice(-60).join('\n'));
    console.log(`${r.kind}: ${r.message}`);
    console.log(`reproduce: npm run sim -- --seed ${seed}`);
    return EXIT_CODES[r.kind!];
  }
  const count = Number(arg('seeds') ?? '1000');
  const from = arg('from') !== undefined ? parseSeed(arg('from')!) : Math.floor(Math.random() * 2 ** 40);
  console.log(`sweep: ${count} seeds from ${from}`);
  const started = performance.now();
  const outcomes = new Map<string, number>();
  for (let i = 0; i < count; i += 1) {
    const r = runSeed(from + i);
    if (!r.ok) {
      console.log(`${r.kind} at seed ${from + i}: ${r.message?.split('\n')[0]}`);
      console.log(`reproduce: npm run sim -- --seed ${from + i}`);
      return EXIT_CODES[r.kind!];
    }
    outcomes.set(r.status!, (outcomes.get(r.status!) ?? 0) + 1);
  }
  const ms = performance.now() - started;
  console.log(`ok: ${count} seeds in ${(ms / 1000).toFixed(1)} s (${(ms / count).toFixed(1)} ms/seed)`);
  for (const [status, n] of [...outcomes].sort()) console.log(`  ${status}: ${n}`);
  return 0;
}

process.exitCode = main();
