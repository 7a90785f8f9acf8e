// Helpers shared by the command files: config loading and output.
import { loadCoordinatorConfig, resolveConfigPath, CoordinatorConfigError, type CoordinatorConfig } from '../config/config.ts';
import { CliError, EXIT } from '../cli/errors.ts';

export interface GlobalOptions {
  readonly config?: string;
}

export async function coordinatorConfig(opts: GlobalOptions): Promise<CoordinatorConfig> {
  try {
    return await loadCoordinatorConfig(resolveConfigPath(opts.config));
  } catch (err) {
    if (err instanceof CoordinatorConfigError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Parses `Key=Value[,Key=Value]` tag filters. */
export function parseTagFilters(text: string | undefined): { key: string; value: string }[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((pair) => {
    const i = pair.indexOf('=');
    if (i <= 0) throw new CliError(`Tag filter "${pair}" must look like Key=Value`, EXIT.usage);
    return { key: pair.slice(0, i).trim(), value: pair.slice(i + 1).trim() };
  });
}
