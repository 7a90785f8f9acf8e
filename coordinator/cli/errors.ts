// Exit codes shared by every command (documented in `convoy --help` and the README).
export const EXIT = {
  ok: 0,
  /** The deployment failed or was stopped, or the input (appspec, revision) is invalid. */
  failed: 1,
  /** Bad arguments or options. */
  usage: 2,
  /** The coordinator daemon could not be reached. */
  unreachable: 3,
  /** `deploy wait --timeout` ran out before the deployment finished. */
  timeout: 4,
} as const;

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
  }
}
