// Wire helpers for the fake AWS endpoint: AWS query (form) decoding and XML encoding, JSON error shapes.

const NUMERIC_FIELDS = new Set(['Weight', 'Order', 'DurationSeconds', 'Port', 'PageSize', 'MaxRecords']);
const BOOLEAN_FIELDS = new Set(['Enabled']);

type Node = Record<string, unknown> | unknown[];

/** Decodes `A.member.1.B.member.2.C=v` into nested objects and arrays (AWS query protocol lists). */
export function decodeQuery(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, rawValue] of new URLSearchParams(body)) {
    const parts = rawKey.split('.');
    let node: Node = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      if (part === 'member' && /^\d+$/.test(parts[i + 1] ?? '')) continue;
      const isIndex = /^\d+$/.test(part) && parts[i - 1] === 'member';
      const key: string | number = isIndex ? Number(part) - 1 : part;
      const nextIsList = parts[i + 1] === 'member';
      const leafName = isIndex ? (parts[i - 2] ?? '') : part;
      if (last) {
        const value = NUMERIC_FIELDS.has(leafName) ? Number(rawValue) : BOOLEAN_FIELDS.has(leafName) ? rawValue === 'true' : rawValue;
        (node as Record<string | number, unknown>)[key] = value;
      } else {
        const container = node as Record<string | number, unknown>;
        container[key] ??= nextIsList ? [] : {};
        node = container[key] as Node;
      }
    }
  }
  return root;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml('member', v)).join('')}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value as Record<string, unknown>).map(([k, v]) => toXml(k, v)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function queryResponse(op: string, xmlns: string, result: Record<string, unknown>, requestId: string): string {
  const inner = Object.entries(result).map(([k, v]) => toXml(k, v)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${op}Response xmlns="${xmlns}"><${op}Result>${inner}</${op}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`;
}

export function queryError(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** An AWS error a fake operation throws; the router renders it in the service's protocol. */
export class AwsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
