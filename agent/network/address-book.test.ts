import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AddressBook, MAX_BOOK_PEERS } from './address-book.ts';

const peer = (i: number): string => `12D3KooW${String(i).padStart(44, 'A').replace(/0/g, 'B').replace(/[IlO]/g, 'C')}`;
const addr = (port: number, i: number): string => `/ip4/127.0.0.1/tcp/${port}/p2p/${peer(i)}`;

describe('AddressBook', () => {
  let dir: string;
  let file: string;
  const problems: string[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-book-'));
    file = path.join(dir, 'state', 'peers.json');
    problems.length = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const load = (): Promise<AddressBook> => AddressBook.load(file, (reason) => problems.push(reason));

  it('saves the hosts heard and loads them back, most recently heard first', async () => {
    const book = await load();
    expect(book.size).toBe(0);
    expect(book.heard(peer(1), [addr(4001, 1)], 1000)).toBe(true);
    expect(book.heard(peer(2), [addr(4002, 2)], 2000)).toBe(true);
    expect(await book.saveIfChanged()).toBe(true);
    const again = await load();
    expect(again.peers()).toEqual([
      { peerId: peer(2), addrs: [addr(4002, 2)], heardAt: 2000 },
      { peerId: peer(1), addrs: [addr(4001, 1)], heardAt: 1000 },
    ]);
    expect(problems).toEqual([]);
  });

  it('writes only when a host or an address is new, not for every heartbeat', async () => {
    const book = await load();
    book.heard(peer(1), [addr(4001, 1)], 1000);
    expect(await book.saveIfChanged()).toBe(true);
    expect(book.heard(peer(1), [addr(4001, 1)], 5000)).toBe(false);
    expect(await book.saveIfChanged()).toBe(false);
    expect(book.heard(peer(1), [addr(4999, 1)], 6000)).toBe(true); // restarted on a new port
    expect(await book.saveIfChanged()).toBe(true);
    expect((await load()).get(peer(1))).toEqual({ peerId: peer(1), addrs: [addr(4999, 1)], heardAt: 6000 });
  });

  it('keeps the most recently heard hosts when more than the bound are heard', async () => {
    const book = await load();
    for (let i = 0; i < MAX_BOOK_PEERS + 10; i++) book.heard(peer(i), [addr(5000 + i, i)], 10_000 + i);
    expect(book.size).toBe(MAX_BOOK_PEERS);
    expect(book.get(peer(0))).toBeUndefined();
    expect(book.get(peer(MAX_BOOK_PEERS + 9))).toBeDefined();
  });

  it('an invalid file is named, ignored and replaced at the next save; the agent does not fail', async () => {
    await load().then((b) => { b.heard(peer(1), [addr(4001, 1)], 1); return b.saveIfChanged(); });
    await writeFile(file, '{"v":1,"peers":[{"peerId":"not-a-peer","addrs":["/ip4/1.2.3.4/tcp/1"],"heardAt":1}]}');
    const book = await load();
    expect(book.size).toBe(0);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('peers.0.peerId: must be an Ed25519 libp2p peer id');
    await writeFile(file, '{"v":1,"peers":[');
    await load();
    expect(problems[1]).toMatch(/cannot read .*peers\.json/);
    book.heard(peer(3), [addr(4003, 3)], 3);
    await book.saveIfChanged();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ v: 1, peers: [{ peerId: peer(3), addrs: [addr(4003, 3)], heardAt: 3 }] });
  });
});
