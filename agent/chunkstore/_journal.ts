// The verified-chunk journal: an append-only file, fsynced after each record.
//
// Layout: a 40-byte header (`CVYJ`, u32 version 1, the 32-byte manifest hash), then 8-byte records
// (u32 chunk index, the first 4 bytes of that chunk's SHA-256), all big-endian. A record is appended only
// after the chunk's bytes are durable in the bundle file, so a record always names a complete chunk.
// A torn tail (a partial record, or zeros a crash left behind) fails the check against the manifest; parsing
// stops at the first bad record and the file is cut back to the last good one.

import type { FileHandle } from 'node:fs/promises';
import type { Manifest } from '../../protocol/chunks/manifest.ts';

const MAGIC = 0x4356594a; // 'CVYJ'
const VERSION = 1;
export const HEADER_BYTES = 40;
export const RECORD_BYTES = 8;

export function journalHeader(manifestHashHex: string): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32BE(VERSION, 4);
  Buffer.from(manifestHashHex, 'hex').copy(header, 8);
  return header;
}

export function journalRecord(manifest: Manifest, index: number): Buffer {
  const record = Buffer.alloc(RECORD_BYTES);
  record.writeUInt32BE(index, 0);
  record.writeUInt32BE(hashPrefix(manifest, index), 4);
  return record;
}

export interface ParsedJournal {
  /** False when the header is missing or names another manifest: the journal must be rewritten. */
  readonly headerOk: boolean;
  readonly indices: number[];
  /** Byte length of the valid prefix (header plus whole, valid records). */
  readonly validBytes: number;
}

export function parseJournal(bytes: Buffer, manifest: Manifest, manifestHashHex: string): ParsedJournal {
  if (bytes.byteLength < HEADER_BYTES || !bytes.subarray(0, HEADER_BYTES).equals(journalHeader(manifestHashHex))) {
    return { headerOk: false, indices: [], validBytes: 0 };
  }
  const indices: number[] = [];
  let at = HEADER_BYTES;
  for (; at + RECORD_BYTES <= bytes.byteLength; at += RECORD_BYTES) {
    const index = bytes.readUInt32BE(at);
    if (index >= manifest.chunks.length || bytes.readUInt32BE(at + 4) !== hashPrefix(manifest, index)) break;
    indices.push(index);
  }
  return { headerOk: true, indices, validBytes: at };
}

export async function readAll(handle: FileHandle): Promise<Buffer> {
  const { size } = await handle.stat();
  const buffer = Buffer.alloc(size);
  let at = 0;
  while (at < size) {
    const { bytesRead } = await handle.read(buffer, at, size - at, at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return buffer.subarray(0, at);
}

function hashPrefix(manifest: Manifest, index: number): number {
  return Number.parseInt((manifest.chunks[index] ?? '').slice(0, 8), 16) >>> 0;
}
