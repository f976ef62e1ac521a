// Loads the real RustSec snapshot from the shared data, as an archive and as an extracted
// directory, and checks it against the counts in its SNAPSHOT.txt.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unpackTar } from 'modern-tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import type { Advisory, AdvisoryDb } from '../../functions/core/advisory.ts';
import { advisoryTarball, hasSharedData } from '../helpers/shared-data.ts';

const COMMIT = 'bf5c0d245a92671908518d7e765914d437954ed6';

function crateAdvisories(db: AdvisoryDb): Advisory[] {
  return [...db.byPackage.values()].flat();
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** Unpacks the archive into a fresh temporary directory; returns the archive's top folder there. */
async function extractArchive(archive: string): Promise<{ tmp: string; root: string }> {
  const tmp = await mkdtemp(join(tmpdir(), 'cratewatch-advisory-db-'));
  const entries = await unpackTar(gunzipSync(await readFile(archive)));
  for (const { header, data } of entries) {
    if (header.type !== 'file' || !data) continue;
    const target = join(tmp, header.name);
    if (!target.startsWith(tmp + '/')) throw new Error(`archive entry escapes the directory: ${header.name}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
  }
  return { tmp, root: join(tmp, `advisory-db-${COMMIT}`) };
}

describe.skipIf(!hasSharedData)('the real RustSec snapshot (shared data)', () => {
  let db: AdvisoryDb;

  beforeAll(async () => {
    db = await new LocalAdvisoryDbSource(advisoryTarball).load();
  });

  it('loads 1225 advisories from the archive, 1205 for crates and 20 for the toolchain, with no diagnostics', () => {
    expect(db.advisoryCount).toBe(1225);
    expect(crateAdvisories(db)).toHaveLength(1205);
    expect(db.advisoryCount - crateAdvisories(db).length).toBe(20);
    expect(db.diagnostics).toEqual([]);
  });

  it('takes the revision from the commit id git archive records', () => {
    expect(db.revision).toBe(COMMIT);
  });

  it('counts crate advisories by kind as SNAPSHOT.txt does', () => {
    expect(countBy(crateAdvisories(db), (a) => a.informational ?? 'vulnerability')).toEqual({
      vulnerability: 729,
      unmaintained: 267,
      unsound: 203,
      notice: 6,
    });
  });

  it('finds the 13 withdrawn advisories SNAPSHOT.txt counts, all under crates/', () => {
    const withdrawn = crateAdvisories(db).filter((a) => a.withdrawn !== undefined);
    expect(withdrawn).toHaveLength(13);
    expect(countBy(withdrawn, (a) => a.informational ?? 'vulnerability')).toEqual({ vulnerability: 3, unmaintained: 9, unsound: 1 });
    expect(withdrawn.map((a) => a.id)).toContain('RUSTSEC-2023-0002');
  });

  it('indexes advisories by the package they name, with their path inside the database', () => {
    const regex = db.byPackage.get('regex')?.find((a) => a.id === 'RUSTSEC-2022-0013');
    expect(regex).toMatchObject({ package: 'regex', path: 'crates/regex/RUSTSEC-2022-0013.md', patched: ['>= 1.5.5'] });
    expect(regex?.cvss).toMatchObject({ version: '3.1', score: 7.5 });
    for (const [name, advisories] of db.byPackage) {
      for (const a of advisories) expect(a.package).toBe(name);
    }
  });

  describe('extracted to a directory', () => {
    let extracted: { tmp: string; root: string };
    let fromDirectory: AdvisoryDb;

    beforeAll(async () => {
      extracted = await extractArchive(advisoryTarball);
      fromDirectory = await new LocalAdvisoryDbSource(extracted.root).load();
    });

    afterAll(async () => {
      if (extracted) await rm(extracted.tmp, { recursive: true, force: true });
    });

    it('loads the same 1225 advisories as the archive', () => {
      expect(fromDirectory.advisoryCount).toBe(1225);
      expect(fromDirectory.diagnostics).toEqual([]);
      const ids = (d: AdvisoryDb) => crateAdvisories(d).map((a) => a.id).sort();
      expect(ids(fromDirectory)).toEqual(ids(db));
    });

    it('parses every advisory the same way as from the archive', () => {
      const byId = new Map(crateAdvisories(db).map((a) => [a.id, a]));
      const different = crateAdvisories(fromDirectory).filter((a) => JSON.stringify(a) !== JSON.stringify(byId.get(a.id)));
      expect(different.map((a) => a.id)).toEqual([]);
    });
  });
});
