import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAdvisoryDbSource, readAdvisoryArchive } from '../../functions/adapters/rustsec-archive.ts';
import { AdvisoryDbError } from '../../functions/core/errors.ts';
import { FIXTURES } from '../helpers/fixtures.ts';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const ADVISORY = `\`\`\`toml
[advisory]
id = "RUSTSEC-2099-0500"
package = "demo"
date = "2099-01-01"

[versions]
patched = [">= 1.0.1"]
\`\`\`

# Demo advisory

Text.
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-archive-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function archive(entries: { name: string; body?: string }[]): Promise<Uint8Array> {
  const tar = await packTar(
    entries.map(({ name, body }) =>
      body === undefined
        ? { header: { name, type: 'directory' as const, size: 0 } }
        : { header: { name, size: Buffer.byteLength(body) }, body },
    ),
  );
  return gzipSync(tar);
}

describe('readAdvisoryArchive', () => {
  it('reads the files under the one top-level folder and takes the commit from its name', async () => {
    const bytes = await archive([
      { name: `advisory-db-${COMMIT}/` },
      { name: `advisory-db-${COMMIT}/crates/demo/RUSTSEC-2099-0500.md`, body: ADVISORY },
      { name: `advisory-db-${COMMIT}/README.md`, body: '# readme' },
    ]);
    const { files, revision } = await readAdvisoryArchive(bytes, 'db.tar.gz');
    expect(revision).toBe(COMMIT);
    expect(files.map((f) => f.path).sort()).toEqual(['README.md', 'crates/demo/RUSTSEC-2099-0500.md']);
  });

  it('uses the folder name as the revision when it holds no commit id', async () => {
    const bytes = await archive([{ name: 'advisory-db-main/crates/demo/RUSTSEC-2099-0500.md', body: ADVISORY }]);
    expect((await readAdvisoryArchive(bytes, 'db.tar.gz')).revision).toBe('advisory-db-main');
  });

  it('refuses bytes that are not gzip, naming the archive', async () => {
    await expect(readAdvisoryArchive(new TextEncoder().encode('<html>not found</html>'), 'db.tar.gz')).rejects.toThrow(/db\.tar\.gz: not a readable gzip archive/);
  });

  it('refuses a truncated archive', async () => {
    const bytes = await archive([{ name: `advisory-db-${COMMIT}/crates/demo/RUSTSEC-2099-0500.md`, body: ADVISORY.repeat(50) }]);
    await expect(readAdvisoryArchive(bytes.subarray(0, bytes.length / 2), 'cut.tar.gz')).rejects.toBeInstanceOf(AdvisoryDbError);
  });

  it('refuses an archive with two top-level folders', async () => {
    const bytes = await archive([
      { name: 'a/crates/demo/RUSTSEC-2099-0500.md', body: ADVISORY },
      { name: 'b/crates/demo/RUSTSEC-2099-0500.md', body: ADVISORY },
    ]);
    await expect(readAdvisoryArchive(bytes, 'two.tar.gz')).rejects.toThrow('one top-level folder');
  });

  it('refuses an archive over the size limit before unpacking it', async () => {
    const huge = new Uint8Array(64 * 1024 * 1024 + 1);
    await expect(readAdvisoryArchive(huge, 'huge.tar.gz')).rejects.toThrow(/over the \d+-byte limit/);
  });
});

describe('LocalAdvisoryDbSource', () => {
  it('loads an extracted directory and reads the revision from its git HEAD', async () => {
    const root = join(dir, 'clone');
    await mkdir(join(root, 'crates', 'demo'), { recursive: true });
    await mkdir(join(root, '.git', 'refs', 'heads'), { recursive: true });
    await writeFile(join(root, 'crates', 'demo', 'RUSTSEC-2099-0500.md'), ADVISORY);
    await writeFile(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(root, '.git', 'refs', 'heads', 'main'), `${COMMIT}\n`);
    const db = await new LocalAdvisoryDbSource(root).load();
    expect(db.revision).toBe(COMMIT);
    expect(db.byPackage.get('demo')?.[0]?.id).toBe('RUSTSEC-2099-0500');
  });

  it('finds the revision in packed-refs after git gc, and in an extracted archive\'s folder name', async () => {
    const packed = join(dir, 'packed');
    await mkdir(join(packed, 'crates', 'demo'), { recursive: true });
    await mkdir(join(packed, '.git'), { recursive: true });
    await writeFile(join(packed, 'crates', 'demo', 'RUSTSEC-2099-0500.md'), ADVISORY);
    await writeFile(join(packed, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(packed, '.git', 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${'f'.repeat(40)} refs/heads/other\n${COMMIT} refs/heads/main\n`);
    expect((await new LocalAdvisoryDbSource(packed).load()).revision).toBe(COMMIT);

    const extracted = join(dir, `advisory-db-${COMMIT}`);
    await mkdir(join(extracted, 'crates', 'demo'), { recursive: true });
    await writeFile(join(extracted, 'crates', 'demo', 'RUSTSEC-2099-0500.md'), ADVISORY);
    expect((await new LocalAdvisoryDbSource(extracted).load()).revision).toBe(COMMIT);
  });

  it('loads a .tar.gz file the same way', async () => {
    const path = join(dir, 'db.tar.gz');
    await writeFile(path, await archive([{ name: `advisory-db-${COMMIT}/crates/demo/RUSTSEC-2099-0500.md`, body: ADVISORY }]));
    const db = await new LocalAdvisoryDbSource(path).load();
    expect([db.revision, db.advisoryCount]).toEqual([COMMIT, 1]);
  });

  it('says where it looked when the path does not exist', async () => {
    await expect(new LocalAdvisoryDbSource(join(dir, 'missing')).load()).rejects.toThrow(/missing: no advisory database there/);
  });

  it('refuses a directory with no advisories rather than reporting everything clean', async () => {
    await mkdir(join(dir, 'empty-db'), { recursive: true });
    await expect(new LocalAdvisoryDbSource(join(dir, 'empty-db')).load()).rejects.toThrow('no advisories found');
  });
});

describe('the fixture database', () => {
  it('loads every well-formed advisory and reports the two broken ones with file, line and field', async () => {
    const db = await new LocalAdvisoryDbSource(`${FIXTURES}advisory-db`).load();
    expect(db.advisoryCount).toBe(17);
    expect([...db.byPackage.values()].flat()).toHaveLength(16); // and CVE-2099-0018, the toolchain's
    expect(db.diagnostics.map((d) => d.path).sort()).toEqual(['crates/broken/RUSTSEC-2099-0016.md', 'crates/broken/RUSTSEC-2099-0017.md']);
    const message = (id: string) => db.diagnostics.find((d) => d.path.includes(id))!.message;
    expect(message('0016')).toMatch(/^crates\/broken\/RUSTSEC-2099-0016\.md:5:\d+: not valid TOML/);
    expect(message('0017')).toContain('(field `advisory.package`)');
  });

  it('skips an advisory whose patched ranges overlap, as rustsec rejects it', async () => {
    const path = `${FIXTURES}advisory-db-overlap`;
    await expect(new LocalAdvisoryDbSource(path).load()).rejects.toThrow(/no advisories found.*1 could not be parsed/);
  });
});
