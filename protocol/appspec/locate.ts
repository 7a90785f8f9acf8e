// Which file in an unpacked revision is the AppSpec (compatibility decision 9). Pure: callers supply
// what exists, so this runs anywhere; the agent does the file-system reads.

/** Default names, in the order they are tried, for hooks and Install alike. */
export const APPSPEC_FILE_NAMES: readonly string[] = ['appspec.yml', 'appspec.yaml'];

/** Names to try: a per-deployment custom name first (when given), then the defaults. */
export function appSpecCandidates(customName?: string): string[] {
  const names = customName === undefined || customName === '' ? [] : [customName];
  for (const name of APPSPEC_FILE_NAMES) if (!names.includes(name)) names.push(name);
  return names;
}

/** The first candidate for which `exists` is true, or undefined when the revision has none. */
export function chooseAppSpecFile(exists: (name: string) => boolean, customName?: string): string | undefined {
  return appSpecCandidates(customName).find((name) => exists(name));
}

/** Why a custom AppSpec file name is unusable (must stay inside the revision), or undefined when it is fine. */
export function appSpecFileNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'The AppSpec file name is empty';
  if (name.startsWith('/')) return `The AppSpec file name ('${name}') must be relative to the revision root`;
  if (name.split('/').includes('..')) return `The AppSpec file name ('${name}') must not contain '..' segments`;
  if (name.includes('\0')) return `The AppSpec file name ('${name}') contains a NUL character`;
  return undefined;
}
