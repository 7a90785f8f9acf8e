// Input accessors that name the CodeDeploy exception for each way a member can be wrong. Neither the SDK
// nor the CLI validates enums, patterns or max lengths, so the server does all of it.
import { fail } from './errors.ts';

export type Input = Readonly<Record<string, unknown>>;

/** Application, deployment group and deployment config names (the intent's NAME rule: 1-100 of [A-Za-z0-9._+=,@-]). */
export const NAME_RE = /^[A-Za-z0-9._+=,@-]{1,100}$/;
export const DEPLOYMENT_ID_RE = /^d-[A-Z0-9]{9}$/;
export const INSTANCE_NAME_RE = /^[A-Za-z0-9+=,.@_-]{1,100}$/;

export function optString(input: Input, key: string, invalid = 'InvalidInputException'): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(invalid, `${key} must be a string`);
  return v;
}

export function reqString(input: Input, key: string, required: string, invalid = 'InvalidInputException'): string {
  const v = optString(input, key, invalid);
  if (v === undefined || v === '') fail(required, `${key} is required`);
  return v;
}

export function name(input: Input, key: string, required: string, invalid: string): string {
  const v = reqString(input, key, required, invalid);
  if (!NAME_RE.test(v)) fail(invalid, `${key} "${v}" must be 1-100 characters of letters, digits and ._+=,@-`);
  return v;
}

export function optName(input: Input, key: string, invalid: string): string | undefined {
  const v = optString(input, key, invalid);
  if (v === undefined) return undefined;
  if (!NAME_RE.test(v)) fail(invalid, `${key} "${v}" must be 1-100 characters of letters, digits and ._+=,@-`);
  return v;
}

export function deploymentId(input: Input, key = 'deploymentId'): string {
  const v = reqString(input, key, 'DeploymentIdRequiredException', 'InvalidDeploymentIdException');
  if (!DEPLOYMENT_ID_RE.test(v)) fail('InvalidDeploymentIdException', `${key} "${v}" is not a deployment id (d- followed by 9 upper-case letters or digits)`);
  return v;
}

export function optBool(input: Input, key: string, invalid = 'InvalidInputException'): boolean | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(invalid, `${key} must be a boolean`);
  return v;
}

export function optObject(input: Input, key: string, invalid = 'InvalidInputException'): Input | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(invalid, `${key} must be an object`);
  return v as Input;
}

export function optArray(input: Input, key: string, invalid = 'InvalidInputException'): unknown[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(invalid, `${key} must be a list`);
  return v;
}

export function stringList(input: Input, key: string, required: string, invalid: string, limit?: { max: number; type: string }): string[] {
  const v = optArray(input, key, invalid);
  if (v === undefined || v.length === 0) fail(required, `${key} is required`);
  if (limit !== undefined && v.length > limit.max) fail(limit.type, `${key} holds ${v.length} items; at most ${limit.max} are allowed`);
  for (const item of v) if (typeof item !== 'string' || item === '') fail(invalid, `${key} must hold non-empty strings`);
  return v as string[];
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], invalid: string, what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(invalid, `${what} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Epoch seconds (number, or numeric string) to milliseconds. */
export function timestamp(value: unknown, invalid: string, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) fail(invalid, `${what} must be a timestamp in epoch seconds`);
  return n * 1000;
}
