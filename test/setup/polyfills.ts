import '../../protocol/polyfills.ts';
