import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { PreconditionFailedError, StoreError } from '../../functions/core/errors.ts';
import { describeObjectStoreContract } from './object-store-contract.ts';

const WORKER = new URL('../helpers/fs-cas-worker.ts', import.meta.url).pathname;
const TEXT = { contentType: 'text/plain' };
const roots: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function newRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cratewatch-objects-'));
  roots.push(root);
  return root;
}

/** Spawns the Node running the tests; NODE_OPTIONS from the shell or the runner stays out. */
function spawnNode(args: string[]): ChildProcess {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  // A child that died already makes writes to its stdin fail; its exit code tells the story.
  child.stdin!.on('error', () => undefined);
  children.push(child);
  return child;
}

/** A Node process that idles until killed: a lock holder that is alive. */
async function idleProcess(): Promise<ChildProcess> {
  const child = spawnNode(['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 60_000)']);
  await once(child.stdout!, 'data');
  return child;
}

async function killAndWait(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** A lock file as the store writes it (see fs-object-store.ts). */
function lockText(pid: number, time: number): string {
  return `${JSON.stringify({ pid, host: hostname(), time, token: 'left-behind' })}\n`;
}

/** Every file under `root` that is a store's temp or lock file. */
async function leftovers(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => /\.(?:tmp|lock|lock-break)$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

describeObjectStoreContract('FsObjectStore', async () => new FsObjectStore(await newRoot()));

describe('FsObjectStore on disk', () => {
  it('keeps each object as a file under the root and names the root as its location', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    await store.put('results/ripgrep/latest.json', '{}\n', { contentType: 'application/json' });
    expect(await readFile(join(root, 'results', 'ripgrep', 'latest.json'), 'utf8')).toBe('{}\n');
    expect(store.location).toBe(root);
  });

  it('gives the quoted SHA-256 of the bytes as the etag', async () => {
    const store = new FsObjectStore(await newRoot());
    const etag = await store.put('x.txt', 'hello', TEXT);
    expect(etag).toBe(`"${createHash('sha256').update('hello').digest('hex')}"`);
  });

  it('leaves no temp or lock file behind after writes, refused writes and deletes', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    const first = await store.put('a/b.json', '1', TEXT);
    await expect(store.put('a/b.json', '2', { ...TEXT, condition: { ifNoneMatch: '*' } })).rejects.toBeInstanceOf(PreconditionFailedError);
    const second = await store.put('a/b.json', '2', { ...TEXT, condition: { ifMatch: first } });
    await expect(store.put('a/b.json', '3', { ...TEXT, condition: { ifMatch: first } })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.put('a/c.json', '3', { ...TEXT, condition: { ifMatch: second } })).rejects.toBeInstanceOf(PreconditionFailedError);
    await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.put('a/b.json', `w${i}`, { ...TEXT, condition: { ifMatch: second } })));
    await store.delete('a/b.json');
    expect(await leftovers(root)).toEqual([]);
  });

  it('does not list its temp and lock files, even while they exist', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    await store.put('a/b.json', '1', TEXT);
    await writeFile(join(root, 'a', '.b.json.0b7e6a3c.tmp'), 'half');
    await writeFile(join(root, 'a', '.b.json.lock'), lockText(process.pid, Date.now()));
    expect(await store.list('a/')).toEqual(['a/b.json']);
  });

  it('throws StoreError naming the file when a key needs a folder where an object is', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    await store.put('a', 'file', TEXT);
    const error = await store.put('a/b', 'below', TEXT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).key).toBe('a/b');
    expect((error as StoreError).message).toContain(join(root, 'a', 'b'));
    expect(await store.get('a/b')).toBeUndefined();
  });

  it.each([
    ['', 'is empty'],
    ['/etc/passwd', 'is absolute'],
    ['a//b', 'empty segment'],
    ['a/', 'empty segment'],
    ['a/./b', '"." or ".."'],
    ['../outside', '"." or ".."'],
    ['a/..', '"." or ".."'],
    ['a\\b', 'backslash'],
    ['a\0b', 'NUL'],
    ['a/.b.json.lock', 'temp or lock file'],
    ['.x.1234.tmp', 'temp or lock file'],
  ])('refuses key %j on get, put and delete because it %s', async (key, reason) => {
    const store = new FsObjectStore(await newRoot());
    for (const call of [() => store.get(key), () => store.put(key, 'x', TEXT), () => store.delete(key)]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(JSON.stringify(key));
      expect((error as Error).message).toContain(reason);
    }
  });

  it('refuses a list prefix that climbs out of the root', async () => {
    const store = new FsObjectStore(await newRoot());
    await expect(store.list('../')).rejects.toThrow('list prefix folder ".." has a "." or ".." segment');
  });
});

describe('FsObjectStore between processes', () => {
  it('loses no increment when 3 processes add 40 each to one counter with ifMatch', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    await store.put('counter.txt', '0', TEXT);
    const workers = Array.from({ length: 3 }, () => {
      const child = spawnNode([WORKER, root, 'counter.txt', '40']);
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      // Resolves on the first output ("ready"), or with the exit when the worker fails first.
      const ready = Promise.race([once(child.stdout!, 'data'), once(child, 'exit')]);
      const exited = once(child, 'exit');
      return { child, ready, exited, stderr: () => stderr };
    });
    // Start them together, so their reads and writes interleave.
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin!.write('go\n');
    const codes = await Promise.all(workers.map(async (w) => (await w.exited)[0] as number | null));
    expect({ codes, errors: workers.map((w) => w.stderr()) }).toEqual({ codes: [0, 0, 0], errors: ['', '', ''] });
    expect(new TextDecoder().decode((await store.get('counter.txt'))!.body)).toBe('120');
    expect(await leftovers(root)).toEqual([]);
  });

  it('breaks a lock left by a killed process and writes', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    const etag = await store.put('state/index.json', 'old', TEXT);
    const holder = await idleProcess();
    await writeFile(join(root, 'state', '.index.json.lock'), lockText(holder.pid!, Date.now()));
    await killAndWait(holder);
    const next = await store.put('state/index.json', 'new', { ...TEXT, condition: { ifMatch: etag } });
    expect(await store.get('state/index.json')).toEqual({ body: new TextEncoder().encode('new'), etag: next });
    expect(await leftovers(root)).toEqual([]);
  });

  it('breaks a lock and a lock breaker both left by a killed process', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    await store.put('x.json', 'old', TEXT);
    const holder = await idleProcess();
    await writeFile(join(root, '.x.json.lock'), lockText(holder.pid!, Date.now()));
    await writeFile(join(root, '.x.json.lock-break'), lockText(holder.pid!, Date.now()));
    await killAndWait(holder);
    await store.put('x.json', 'new', TEXT);
    expect(await readFile(join(root, 'x.json'), 'utf8')).toBe('new');
    expect(await leftovers(root)).toEqual([]);
  });

  it('waits while a live process holds the lock and writes once that process is killed', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    const etag = await store.put('state/index.json', 'old', TEXT);
    const holder = await idleProcess();
    await writeFile(join(root, 'state', '.index.json.lock'), lockText(holder.pid!, Date.now()));
    let settled = false;
    const write = store.put('state/index.json', 'new', { ...TEXT, condition: { ifMatch: etag } }).finally(() => (settled = true));
    // Give the writer many polls: a writer that ignored the lock would be done by now.
    await sleep(300);
    expect({ settled, text: await readFile(join(root, 'state', 'index.json'), 'utf8') }).toEqual({ settled: false, text: 'old' });
    await killAndWait(holder);
    await write;
    expect(await readFile(join(root, 'state', 'index.json'), 'utf8')).toBe('new');
  });

  it('breaks a lock older than 60 s even when its process is alive', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    await store.put('x.json', 'old', TEXT);
    await writeFile(join(root, '.x.json.lock'), lockText(process.pid, Date.now() - 120_000));
    await store.put('x.json', 'new', TEXT);
    expect(await readFile(join(root, 'x.json'), 'utf8')).toBe('new');
  });

  it('breaks an unreadable lock file by its modification time when older than 60 s', async () => {
    const root = await newRoot();
    const store = new FsObjectStore(root);
    await mkdir(join(root, 'd'));
    const lock = join(root, 'd', '.x.json.lock');
    await writeFile(lock, '');
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    await store.put('d/x.json', 'new', TEXT);
    expect(await readFile(join(root, 'd', 'x.json'), 'utf8')).toBe('new');
    expect(await leftovers(root)).toEqual([]);
  });
});
