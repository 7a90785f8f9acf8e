// The `files` section (agent reference §1.6).
import { AppSpecError, type FileMapping } from './types.ts';
import { hasDotDotSegment, relativePathEscapes } from './paths.ts';
import { isMap, kindOf, optionalList, renderValue, scalarText } from './values.ts';

export function parseFiles(raw: unknown): FileMapping[] {
  const list = optionalList(raw, 'files', 'files') ?? [];
  return list.map((entry, i) => parseMapping(entry, `files[${i}]`));
}

function parseMapping(raw: unknown, key: string): FileMapping {
  if (!isMap(raw)) {
    throw new AppSpecError(
      `A file mapping at '${key}' must be a mapping with source and destination, not ${kindOf(raw)} ('${renderValue(raw)}')`,
      key,
      renderValue(raw),
    );
  }
  const rawSource = raw['source'];
  const rawDestination = raw['destination'];
  if (rawSource === undefined || rawSource === null) {
    throw new AppSpecError(
      `A file mapping at '${key}' gives a destination ('${renderValue(rawDestination)}') but no source file`,
      `${key}.source`,
      '',
    );
  }
  const source = scalarText(rawSource, `${key}.source`, 'file source');
  if (rawDestination === undefined || rawDestination === null) {
    throw new AppSpecError(
      `A file mapping at '${key}' gives only a source file ('${source}') and no destination`,
      `${key}.destination`,
      '',
    );
  }
  const destination = scalarText(rawDestination, `${key}.destination`, 'file destination');
  checkSource(source, `${key}.source`);
  checkDestination(destination, `${key}.destination`);
  return { source, destination };
}

// The agent copies from outside the revision when a source climbs out with `..`; Convoy refuses.
function checkSource(source: string, key: string): void {
  if (relativePathEscapes(source)) {
    throw new AppSpecError(`File source ('${source}') at '${key}' climbs out of the revision with '..'`, key, source);
  }
}

// The agent accepts relative destinations (resolved against its own working directory) and `..` segments;
// Convoy requires a fully qualified path, as CodeDeploy's documentation does, so installs land where written.
function checkDestination(destination: string, key: string): void {
  if (!destination.startsWith('/')) {
    throw new AppSpecError(
      `File destination ('${destination}') at '${key}' must be an absolute path starting with '/'`,
      key,
      destination,
    );
  }
  if (hasDotDotSegment(destination)) {
    throw new AppSpecError(`File destination ('${destination}') at '${key}' must not contain '..' segments`, key, destination);
  }
}
