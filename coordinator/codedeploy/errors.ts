// CodeDeploy API errors: `{"__type": <shape name>, "message": ...}`. Deterministic errors are 400 (clients
// do not retry them); only real transient failures use 5xx.
export class CodeDeployError extends Error {
  override readonly name = 'CodeDeployError';
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

export function fail(type: string, message: string): never {
  throw new CodeDeployError(type, message);
}
