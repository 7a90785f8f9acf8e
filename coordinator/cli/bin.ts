#!/usr/bin/env node
// The `convoy` executable (package.json bin). The rest of the CLI is imported dynamically, after the heap
// settings: an ES module graph is loaded and parsed in full before any of it runs, and parsing
// libp2p alone grows V8's young generation.
import '../../agent/runtime/heap-settings.ts';

await import('../../protocol/polyfills.ts');
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
