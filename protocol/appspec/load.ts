// Turns AppSpec text into plain values with YAML 1.2 core-schema semantics (JSON text is YAML too).
import { isScalar, parseAllDocuments, visit, type Document } from 'yaml';
import { AppSpecError } from './types.ts';
import { checkTextLimits } from './limits.ts';
import { modeTextFromNumberSource } from './mode.ts';

// YAML 1.1 words the agent's loader reads as false; unquoted under `sudo` they keep that meaning.
const YAML11_FALSE = /^(?:no|No|NO|off|Off|OFF)$/;
const YAML11_TRUE = /^(?:yes|Yes|YES|on|On|ON)$/;

/** Parses the first YAML document (as the agent's loader does); syntax errors anywhere are AppSpecErrors. */
export function loadAppSpecText(text: string): unknown {
  checkTextLimits(text);
  const docs = parseAllDocuments(text, { schema: 'core', version: '1.2', merge: true, uniqueKeys: false });
  const all = Array.isArray(docs) ? docs : [];
  for (const doc of all) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const where = error.linePos?.[0];
      const at = where === undefined ? '' : ` at line ${where.line}, column ${where.col}`;
      const summary = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      throw new AppSpecError(`The AppSpec file is not valid YAML${at}: ${summary}`, '', summary);
    }
  }
  const first = all[0];
  if (first === undefined) return null;
  try {
    adjustScalars(first);
    return first.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // The yaml library refuses alias bombs while building values; very deep nesting overflows the stack.
    const message = error instanceof Error ? error.message : String(error);
    throw new AppSpecError(`The AppSpec file could not be read as YAML: ${message}`, '', message);
  }
}

/**
 * Two keys need the author's text rather than the core schema's value:
 * - `mode`: an unquoted number keeps its digits (decision 4), so `0644` is "644" and `7.0` stays "7.0".
 * - `sudo`: an unquoted YAML 1.1 yes/no/on/off keeps the boolean meaning the agent gives it.
 */
function adjustScalars(doc: Document.Parsed): void {
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      const value = pair.value;
      if (!isScalar(value) || value.type !== 'PLAIN' || value.source === undefined) return;
      if (key === 'mode' && typeof value.value === 'number') {
        value.value = modeTextFromNumberSource(value.source);
      } else if (key === 'sudo' && typeof value.value === 'string') {
        if (YAML11_FALSE.test(value.source)) value.value = false;
        else if (YAML11_TRUE.test(value.source)) value.value = true;
      }
    },
  });
}
