// Hostile advisory-database archives: a gzip bomb and a tar bomb (small archives that unpack
// past MAX_UNPACKED_BYTES), a tar header claiming gigabytes, a tar cut short inside an intact
// gzip stream, and entries that try to leave the archive (`../`, absolute paths, a pax path)
// or point elsewhere (symbolic and hard links). The archive is only ever read in memory: each
// case ends in a clear AdvisoryDbError or the entries are ignored, and nothing appears on disk
// where an extracting reader would have written it.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar, type TarEntry } from 'modern-tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { HttpAdvisoryDbSource, LocalAdvisoryDbSource, MAX_ARCHIVE_BYTES, MAX_UNPACKED_BYTES, readAdvisoryArchive } from '../../functions/adapters/rustsec-archive.ts';
import { AdvisoryDbError } from '../../functions/core/errors.ts';
import type { CachedResponse, HttpCache } from '../../functions/core/ports.ts';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.ts';
import { rejectionOf } from '../helpers/rejection.ts';

const TOP = 'advisory-db-0123456789abcdef0123456789abcdef01234567';
const ADVISORY = '```toml\n[advisory]\nid = "RUSTSEC-2099-0001"\npackage = "hyper"\ndate = "2099-01-10"\n\n[versions]\npatched = [">= 0.14.28"]\n```\n\n# Overflow in hyper\n';
const MIB = 1024 * 1024;

/** 64 MiB of zeros as one gzip member (about 64 KB); gzip members concatenated are one stream. */
const ZEROS_MEMBER = gzipSync(new Uint8Array(64 * MIB), { level: 9 });

function member(count: number): Uint8Array {
  return Buffer.concat(Array.from({ length: count }, () => ZEROS_MEMBER));
}

/**
 * A ustar header block for a regular file of `size` bytes, written by hand: packTar insists on
 * a body of the declared size, and a bomb's point is a header whose body is not there.
 */
function fileHeader(name: string, size: number): Uint8Array {
  const block = new Uint8Array(512);
  const put = (offset: number, text: string) => block.set(new TextEncoder().encode(text), offset);
  const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, '0')}\0`;
  put(0, name);
  put(100, octal(0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(0, 12));
  put(148, '        ');
  put(156, '0');
  put(257, 'ustar\0');
  put(263, '00');
  const sum = block.reduce((total, byte) => total + byte, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

async function archive(entries: TarEntry[]): Promise<Uint8Array> {
  return gzipSync(await packTar(entries));
}

const good: TarEntry[] = [
  { header: { name: `${TOP}/`, type: 'directory', size: 0 } },
  { header: { name: `${TOP}/crates/hyper/RUSTSEC-2099-0001.md`, type: 'file', size: ADVISORY.length }, body: ADVISORY },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-hostile-archive-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('decompression bombs', () => {
  it('stops a gzip bomb (8 MB that unpack to 8 GiB) at the unpacked limit with a clear error, holding at most the limit in memory', async () => {
    const bomb = member(128);
    expect(bomb.byteLength).toBeLessThan(MAX_ARCHIVE_BYTES);
    const before = process.memoryUsage().rss;
    const error = await rejectionOf(readAdvisoryArchive(bomb, 'bomb.tar.gz'));
    const grown = process.memoryUsage().rss - before;
    expect(error).toBeInstanceOf(AdvisoryDbError);
    expect((error as Error).message).toBe(
      `bomb.tar.gz: the archive unpacks to more than ${MAX_UNPACKED_BYTES} bytes, the limit for an advisory database (the real one unpacks to a few MiB): it is not the RustSec database; check its address (--db, or sources.advisory_db in cratewatch.toml)`,
    );
    // Unpacked whole it would need 8 GiB; stopping at the limit needs about 512 MiB.
    expect(grown).toBeLessThan(2 * 1024 * MIB);
  });

  it('stops a tar bomb (one entry of 640 MiB of zeros behind a valid header) at the unpacked limit', async () => {
    // The header, then its body as ten 64 MiB gzip members of zeros.
    const bomb = Buffer.concat([gzipSync(fileHeader(`${TOP}/crates/x/big.md`, 640 * MIB)), member(10)]);
    const error = await rejectionOf(readAdvisoryArchive(bomb, 'tar-bomb.tar.gz'));
    expect((error as Error).message).toContain(`the archive unpacks to more than ${MAX_UNPACKED_BYTES} bytes`);
  });

  it('refuses a tar header that claims 7 GiB with a few bytes behind it, without allocating the claim', async () => {
    const claimed = Buffer.concat([fileHeader(`${TOP}/crates/x/huge.md`, 7 * 1024 * MIB), Buffer.from('only this')]);
    const error = await rejectionOf(readAdvisoryArchive(gzipSync(claimed), 'claims.tar.gz'));
    expect((error as Error).message).toBe('claims.tar.gz: not a readable tar archive (Tar archive is truncated.); download it again');
  });

  it('refuses a tar cut short inside an intact gzip stream rather than reading the advisories before the cut', async () => {
    const entries = [...good, ...Array.from({ length: 20 }, (_, i): TarEntry => ({ header: { name: `${TOP}/crates/c${i}/RUSTSEC-2099-${1000 + i}.md`, type: 'file', size: ADVISORY.length }, body: ADVISORY.replace('0001', String(1000 + i)) }))];
    const tar = await packTar(entries);
    const error = await rejectionOf(readAdvisoryArchive(gzipSync(tar.subarray(0, Math.floor(tar.byteLength / 2))), 'cut.tar.gz'));
    expect((error as Error).message).toBe('cut.tar.gz: not a readable tar archive (Tar archive is truncated.); download it again');
  });

  it('refuses the gzip bomb when it is downloaded, and keeps it out of the cache', async () => {
    const server: ArchiveServer = await startArchiveServer(member(128));
    try {
      const entries = new Map<string, CachedResponse>();
      const cache: HttpCache = { get: async (key) => entries.get(key), put: async (key, value) => void entries.set(key, value) };
      const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 10_000, retries: 0, baseDelayMs: 10 });
      const source = new HttpAdvisoryDbSource({ url: server.url, http, cache, now: () => new Date('2099-06-01T00:00:00Z') });
      const error = await rejectionOf(source.load());
      expect((error as Error).message).toContain('the archive unpacks to more than');
      expect([...entries.keys()]).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('entries that point outside the archive', () => {
  const marker = `cratewatch-escaped-${randomUUID()}.md`;
  /** Every place an extracting reader would have written an entry named `name`, from here or from the archive's folder. */
  const targets = (name: string) => [resolve(name), resolve(dir, name), resolve(dir, TOP, name), resolve(tmpdir(), marker), resolve(marker)];

  it.each([
    ['a "../" path', `${TOP}/crates/../../../${marker}`],
    ['an absolute path', `/tmp/${marker}`],
    ['a top-level "..": the archive\'s folder itself outside', `../${marker}`],
  ])('refuses %s, writing nothing anywhere', async (_, name) => {
    const bytes = await archive([...good, { header: { name, type: 'file', size: ADVISORY.length }, body: ADVISORY }]);
    const error = await rejectionOf(readAdvisoryArchive(bytes, 'escape.tar.gz'));
    expect((error as Error).message).toBe(
      `escape.tar.gz: the archive entry ${JSON.stringify(name)} points outside its folder (an absolute path or a ".." segment): it is not a GitHub archive of the database; check its address (--db, or sources.advisory_db in cratewatch.toml)`,
    );
    for (const target of targets(name)) expect(existsSync(target), target).toBe(false);
  });

  it('refuses a pax header that renames an entry to "../…"', async () => {
    const bytes = await archive([...good, { header: { name: `${TOP}/crates/x/innocent.md`, type: 'file', size: ADVISORY.length, pax: { path: `${TOP}/../../${marker}` } }, body: ADVISORY }]);
    const error = await rejectionOf(readAdvisoryArchive(bytes, 'pax.tar.gz'));
    expect((error as Error).message).toContain('points outside its folder');
    expect(existsSync(resolve(marker))).toBe(false);
  });

  it('ignores symbolic and hard links, even ones named like advisories that lead to /etc/passwd, and reads the rest', async () => {
    const path = join(dir, 'links.tar.gz');
    const bytes = await archive([
      ...good,
      { header: { name: `${TOP}/crates/evil/RUSTSEC-2099-0666.md`, type: 'symlink', size: 0, linkname: '/etc/passwd' } },
      { header: { name: `${TOP}/crates/evil/RUSTSEC-2099-0667.md`, type: 'link', size: 0, linkname: '../../../../etc/passwd' } },
      { header: { name: `${TOP}/crates/evil`, type: 'symlink', size: 0, linkname: '/etc' } },
    ]);
    const { files } = await readAdvisoryArchive(bytes, 'links.tar.gz');
    expect(files.map((f) => f.path)).toEqual(['crates/hyper/RUSTSEC-2099-0001.md']);
    await import('node:fs/promises').then((fs) => fs.writeFile(path, bytes));
    const db = await new LocalAdvisoryDbSource(path).load();
    expect([db.advisoryCount, db.diagnostics]).toEqual([1, []]);
    // The archive is read in memory: the folder holding it has only the archive afterwards.
    expect(await readdir(dir)).toEqual(['links.tar.gz']);
  });
});
