// Lambda AppSpec: one `AWS::Lambda::Function` resource (Name, Alias, CurrentVersion, TargetVersion) and the
// optional BeforeAllowTraffic / AfterAllowTraffic hooks. Keys are matched case-insensitively.

import { asMapping, field, oneKeyList, parseAppSpecDocument, parseHooks, requiredString } from '../appspec-common.ts';
import { AppSpecInvalidError } from '../errors.ts';

export const LAMBDA_HOOK_EVENTS = ['BeforeAllowTraffic', 'AfterAllowTraffic'] as const;
export type LambdaHookEvent = (typeof LAMBDA_HOOK_EVENTS)[number];

export interface LambdaAppSpec {
  readonly resourceName: string;
  readonly functionName: string;
  readonly alias: string;
  /** Positive integer versions, kept as the decimal strings Lambda uses. */
  readonly currentVersion: string;
  readonly targetVersion: string;
  readonly hooks: Readonly<Partial<Record<LambdaHookEvent, string>>>;
}

function version(props: Record<string, unknown>, name: string, path: string): string {
  const raw = requiredString(props, name, path);
  if (!/^[1-9][0-9]{0,9}$/.test(raw)) {
    throw new AppSpecInvalidError(`${path}.${name} must be a positive integer version: ${JSON.stringify(raw)}`, `${path}.${name}`);
  }
  return raw;
}

export function parseLambdaAppSpec(text: string): LambdaAppSpec {
  const root = parseAppSpecDocument(text);
  const resources = oneKeyList(field(root, 'Resources', ''), 'Resources');
  if (resources.length !== 1) {
    throw new AppSpecInvalidError(`Resources must hold exactly one AWS::Lambda::Function: found ${resources.length}`, 'Resources');
  }
  const [resourceName, body] = resources[0]!;
  const base = `Resources[0].${resourceName}`;
  const resource = asMapping(body, base);
  const type = requiredString(resource, 'Type', base);
  if (type !== 'AWS::Lambda::Function') {
    throw new AppSpecInvalidError(`${base}.Type must be AWS::Lambda::Function: ${JSON.stringify(type)}`, `${base}.Type`);
  }
  const propsPath = `${base}.Properties`;
  const props = asMapping(field(resource, 'Properties', base), propsPath);
  const currentVersion = version(props, 'CurrentVersion', propsPath);
  const targetVersion = version(props, 'TargetVersion', propsPath);
  if (currentVersion === targetVersion) {
    throw new AppSpecInvalidError(`${propsPath}.TargetVersion must differ from CurrentVersion (${currentVersion})`, `${propsPath}.TargetVersion`);
  }
  return {
    resourceName,
    functionName: requiredString(props, 'Name', propsPath),
    alias: requiredString(props, 'Alias', propsPath),
    currentVersion,
    targetVersion,
    hooks: parseHooks(root, LAMBDA_HOOK_EVENTS),
  };
}
