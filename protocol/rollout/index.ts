export * from './config.ts';
export * from './outcome.ts';
