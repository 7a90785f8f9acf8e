// SigV4 verification of CodeDeploy API requests (service name `codedeploy`, any region) against the access
// keys in the coordinator config. Works for the CLI (which signs content-type;host;x-amz-date;x-amz-target)
// and the SDK (which signs more headers and sends x-amz-content-sha256).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { CodeDeployError } from './errors.ts';

export interface AccessKey { readonly accessKeyId: string; readonly secretAccessKey: string }

/** AWS accepts requests whose X-Amz-Date is within 15 minutes of its clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

const AUTH_RE = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/;

export interface VerifiedCaller { readonly accessKeyId: string; readonly region: string }

export function verifySigV4(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, keys: readonly AccessKey[], now: number): VerifiedCaller {
  const auth = header(headers, 'authorization');
  if (auth === undefined) {
    throw new CodeDeployError('MissingAuthenticationTokenException', 'Missing Authentication Token: requests must be signed with SigV4');
  }
  const m = AUTH_RE.exec(auth);
  if (m === null) throw new CodeDeployError('IncompleteSignatureException', 'Authorization header is not a complete AWS4-HMAC-SHA256 signature');
  const [, credential = '', signedHeaderList = '', signature = ''] = m;
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw new CodeDeployError('IncompleteSignatureException', `Credential "${credential}" is not <key>/<date>/<region>/<service>/aws4_request`);
  }
  const [accessKeyId = '', date = '', region = '', service = ''] = scope;
  const key = keys.find((k) => k.accessKeyId === accessKeyId);
  if (key === undefined) throw new CodeDeployError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const amzDate = header(headers, 'x-amz-date');
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    throw new CodeDeployError('IncompleteSignatureException', 'X-Amz-Date is missing or not yyyymmddTHHMMSSZ');
  }
  const signedNames = signedHeaderList.split(';');
  if (!signedNames.includes('host') || !signedNames.includes('x-amz-date')) {
    throw new CodeDeployError('IncompleteSignatureException', 'SignedHeaders must include host and x-amz-date');
  }
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const claimed = header(headers, 'x-amz-content-sha256');
  if (claimed !== undefined && claimed !== payloadHash && claimed !== 'UNSIGNED-PAYLOAD') {
    throw new CodeDeployError('InvalidSignatureException', 'x-amz-content-sha256 does not match the request body');
  }
  const parsed = new URL(url, 'http://localhost');
  const canonicalHeaders = signedNames.map((n) => `${n}:${(header(headers, n) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [
    method, canonicalPath(parsed.pathname), canonicalQuery(parsed.searchParams), canonicalHeaders, signedHeaderList, payloadHash,
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/${service}/aws4_request`, sha256Hex(canonicalRequest)].join('\n');
  let signingKey = hmac(`AWS4${key.secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) signingKey = hmac(signingKey, part);
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
  const given = Buffer.from(signature, 'hex');
  if (service !== 'codedeploy' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new CodeDeployError('InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  // Checked after the signature, as AWS does, so an unsigned clock cannot be used to probe keys.
  const signedAt = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (!amzDate.startsWith(date) || Math.abs(now - signedAt) > MAX_SKEW_MS) {
    const fmt = (ms: number): string => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
    throw new CodeDeployError('InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${fmt(now - MAX_SKEW_MS)} (${fmt(now)} - 15 min.)`);
  }
  return { accessKeyId, region };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function canonicalPath(p: string): string {
  return p.split('/').map((s) => encodeURIComponent(decodeURIComponent(s))).join('/') || '/';
}

function canonicalQuery(params: URLSearchParams): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [...params.entries()].map(([k, v]) => [enc(k), enc(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`).join('&');
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
