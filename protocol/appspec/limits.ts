// Cheap checks made before YAML parsing. The yaml library's time and memory grow steeply with nesting
// depth (a few hundred levels can take seconds or exhaust the heap), and no real appspec nests deeply.
import { AppSpecError } from './types.ts';

/** Real appspecs are a few KiB; 256 KiB leaves room for hundreds of file mappings and permissions. */
export const MAX_APPSPEC_CHARS = 256 * 1024;
/** Leading whitespace of any line, in columns. */
export const MAX_INDENT_COLUMNS = 200;
/** Open `[`/`{` brackets, and compact block indicators (`- - -`) at the start of one line. */
export const MAX_INLINE_NESTING = 64;

export function checkTextLimits(text: string): void {
  const fail = (problem: string, value: string): never => {
    throw new AppSpecError(`The AppSpec file is ${problem}`, '', value);
  };
  if (text.length > MAX_APPSPEC_CHARS) {
    fail(`too large (${text.length} characters; the limit is ${MAX_APPSPEC_CHARS})`, String(text.length));
  }
  const lines = text.split('\n');
  let depth = 0;
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1}`;
    const indent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
    if (indent > MAX_INDENT_COLUMNS) {
      fail(`indented too deeply at ${where} (more than ${MAX_INDENT_COLUMNS} columns)`, where);
    }
    const indicators = /^(?:[ \t]*[-?:](?:[ \t]+|$))*/.exec(line)?.[0].replace(/\s/g, '').length ?? 0;
    depth = flowDepthAfter(line, depth);
    if (indicators > MAX_INLINE_NESTING || depth > MAX_INLINE_NESTING) {
      fail(`nested too deeply at ${where} (more than ${MAX_INLINE_NESTING} levels)`, where);
    }
  }
}

// Counts brackets outside quotes; an over-count inside odd strings only makes the check stricter.
function flowDepthAfter(line: string, start: number): number {
  let depth = start;
  let quote: string | undefined;
  for (const c of line) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') break;
    else if (c === '[' || c === '{') depth += 1;
    else if ((c === ']' || c === '}') && depth > 0) depth -= 1;
    if (depth > MAX_INLINE_NESTING) return depth;
  }
  return depth;
}
