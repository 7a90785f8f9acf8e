// The fleet hosts this agent has heard, with the addresses their signed heartbeats gave and when, saved under
// <rootDir>/state/peers.json. libp2p's peer store lives in memory, and a host restarted on a new port is known
// to nobody: without this file, a host that restarts while its coordinator is down could reach no one, and
// nobody could reach it, so it never finished the deployments it had accepted.
import { z } from 'zod';
import { PEER_ID } from '../../protocol/messages/common.ts';
import { readJsonIfExists, writeFileDurable } from '../state/durable-file.ts';

/** Hosts kept, most recently heard first: a bound on the file and on the hosts a restarted agent may try. */
export const MAX_BOOK_PEERS = 512;

export interface BookEntry {
  readonly peerId: string;
  readonly addrs: readonly string[];
  /** Epoch ms of the heartbeat that gave these addresses, or of a later one. */
  readonly heardAt: number;
}

const BookSchema = z.object({
  v: z.literal(1),
  peers: z.array(z.object({
    peerId: PEER_ID,
    addrs: z.array(z.string().min(1).max(512)).min(1).max(16),
    heardAt: z.number().int().nonnegative(),
  }).strict()).max(MAX_BOOK_PEERS),
}).strict();

export class AddressBook {
  private readonly entries = new Map<string, BookEntry>();
  /** Peers added or addresses changed since the last save; a newer heardAt alone is not worth a write. */
  private dirty = false;

  private constructor(private readonly file: string) {}

  /**
   * Reads the saved book. A missing file is an empty book; an unreadable or invalid one is reported through
   * `onInvalid` (with what is wrong) and replaced by an empty book at the next save: it is only a cache.
   */
  static async load(file: string, onInvalid: (reason: string) => void): Promise<AddressBook> {
    const book = new AddressBook(file);
    let raw: unknown;
    try {
      raw = await readJsonIfExists(file);
    } catch (err) {
      onInvalid(`cannot read ${file}: ${(err as Error).message}`);
      return book;
    }
    if (raw === undefined) return book;
    const parsed = BookSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      onInvalid(`${file}: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || 'file'}: ${issue.message}`}`);
      return book;
    }
    for (const entry of parsed.data.peers) book.entries.set(entry.peerId, entry);
    return book;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records a heartbeat from `peerId`; returns whether its addresses are new to the book. */
  heard(peerId: string, addrs: readonly string[], at: number): boolean {
    if (addrs.length === 0) return false;
    const before = this.entries.get(peerId);
    const changed = before === undefined || before.addrs.length !== addrs.length || before.addrs.some((a, i) => a !== addrs[i]);
    // Every host's heartbeat passes here: keep the stored addresses unless they changed.
    this.entries.set(peerId, { peerId, addrs: changed ? [...addrs] : before.addrs, heardAt: Math.max(at, before?.heardAt ?? 0) });
    if (changed) this.dirty = true;
    if (this.entries.size > MAX_BOOK_PEERS) this.entries.delete(this.peers().at(-1)!.peerId);
    return changed;
  }

  get(peerId: string): BookEntry | undefined {
    return this.entries.get(peerId);
  }

  /** Every host in the book, most recently heard first. */
  peers(): BookEntry[] {
    return [...this.entries.values()].sort((a, b) => b.heardAt - a.heardAt);
  }

  /** Writes the book (temp file, fsync, rename) if a peer or an address changed since the last save. */
  async saveIfChanged(): Promise<boolean> {
    if (!this.dirty) return false;
    this.dirty = false;
    const peers = this.peers().slice(0, MAX_BOOK_PEERS);
    try {
      await writeFileDurable(this.file, JSON.stringify({ v: 1, peers }));
    } catch (err) {
      this.dirty = true;
      throw err;
    }
    return true;
  }
}
