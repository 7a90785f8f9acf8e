#!/usr/bin/env node
// The `convoy` executable (package.json bin).
import '../../protocol/polyfills.ts';
import { main } from './main.ts';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
