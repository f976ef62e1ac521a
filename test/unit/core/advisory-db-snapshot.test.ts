import { readdirSync } from 'node:fs';
import semver from 'semver';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAdvisoryDb, type AdvisoryDb } from '../../../functions/core/advisory.ts';
import {
  AdvisoryDbSnapshotError,
  restoreAdvisoryDb,
  snapshotAdvisoryDb,
  SNAPSHOT_VERSION,
  type AdvisoryDbSnapshot,
} from '../../../functions/core/advisory-db-snapshot.ts';
import { auditLockfile } from '../../../functions/core/audit.ts';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import { FIXTURES, fixtureDb, fixtureText } from '../../helpers/fixtures.ts';

const KEY = { producer: '1.2.3', fingerprint: 'sha256:abc' };
const TODAY = '2099-06-01';

/** Through JSON text and back, as the cache file does. */
const roundTrip = (db: AdvisoryDb, key = KEY): AdvisoryDb => restoreAdvisoryDb(JSON.parse(JSON.stringify(snapshotAdvisoryDb(db, key))), key);

/** An advisory with what the fixture database lacks: another registry and prerelease bounds. */
const ODD_ADVISORY = `\`\`\`toml
[advisory]
id = "RUSTSEC-2099-0100"
package = "odd"
date = "2099-02-01"
source = "sparse+https://registry.example.com/index/"
informational = "unsound"

[versions]
patched = ["^1.0.0-rc.2", ">= 2.0.0"]
unaffected = ["= 0.9.0"]
\`\`\`

# Odd bounds
`;

let fixture: AdvisoryDb;
beforeAll(async () => {
  fixture = await fixtureDb();
});

const withoutFetchedAt = (db: AdvisoryDb) => ({ ...db, fetchedAt: null });

describe('snapshotAdvisoryDb and restoreAdvisoryDb', () => {
  it('restore the fixture database equal to the parsed one: advisories, compiled ranges, diagnostics, count and revision', () => {
    const restored = roundTrip(fixture);
    expect(restored).toStrictEqual(withoutFetchedAt(fixture));
    expect(restored.diagnostics).toHaveLength(2);
    expect(restored.advisoryCount).toBe(17);
  });

  it('keep the package order, the advisory order and the key order of each advisory (results are serialised in that order)', () => {
    const restored = roundTrip(fixture);
    expect([...restored.byPackage.keys()]).toEqual([...fixture.byPackage.keys()]);
    for (const [name, advisories] of fixture.byPackage) {
      expect(restored.byPackage.get(name)!.map((a) => JSON.stringify(a))).toEqual(advisories.map((a) => JSON.stringify(a)));
    }
  });

  it('restore prerelease range ends and a non-crates.io source exactly', () => {
    const db = buildAdvisoryDb([{ path: 'crates/odd/RUSTSEC-2099-0100.md', text: ODD_ADVISORY }], 'rev');
    const restored = roundTrip(db);
    expect(restored).toStrictEqual(db);
    const ranges = restored.byPackage.get('odd')![0]!.ranges;
    expect(ranges.map((r) => [r.introduced?.version, r.introduced?.build, r.fixed?.version])).toEqual([
      [undefined, undefined, '0.9.0'],
      ['0.9.1-0', [], '1.0.0-rc.2'],
      ['2.0.0-0', [], '2.0.0'],
    ]);
    expect(snapshotAdvisoryDb(db, KEY).packages[0]![1][0]!.ranges).toEqual([{ fixed: '0.9.0' }, { introduced: '0.9.1-0', fixed: '1.0.0-rc.2' }, { introduced: '2.0.0-0', fixed: '2.0.0' }]);
  });

  it('keep build metadata on a range end (Rust orders 1.0.0 before 1.0.0+build), though requirements never produce it today', () => {
    const db = buildAdvisoryDb([{ path: 'crates/odd/RUSTSEC-2099-0100.md', text: ODD_ADVISORY }], 'rev');
    const odd = db.byPackage.get('odd')![0]!;
    const withBuild: AdvisoryDb = { ...db, byPackage: new Map([['odd', [{ ...odd, ranges: [{ fixed: new semver.SemVer('1.0.0+build.5') }] }]]]) };
    const restored = roundTrip(withBuild).byPackage.get('odd')![0]!.ranges[0]!.fixed!;
    expect([restored.version, restored.build]).toEqual(['1.0.0', ['build', '5']]);
  });

  it('give the same audit of every fixture lockfile from a restored database as from the parsed one', () => {
    const restored = roundTrip(fixture);
    const lockfiles = readdirSync(`${FIXTURES}lockfiles`).filter((f) => f.endsWith('.Cargo.lock') && !f.startsWith('malformed'));
    expect(lockfiles.length).toBeGreaterThan(8);
    let findings = 0;
    for (const file of lockfiles) {
      const lockfile = parseLockfile(fixtureText(file), file);
      const parsed = auditLockfile(lockfile, fixture, { today: TODAY });
      expect(auditLockfile(lockfile, restored, { today: TODAY }), file).toStrictEqual(parsed);
      findings += parsed.findings.length;
    }
    // The comparison covers real findings, not only empty results.
    expect(findings).toBeGreaterThan(20);
  });

  it('leave the copy time out: it belongs to the download, not the contents', () => {
    const snapshot = snapshotAdvisoryDb({ ...fixture, fetchedAt: '2099-06-01T00:00:00.000Z' }, KEY);
    expect(Object.keys(snapshot).sort()).toEqual(['advisoryCount', 'diagnostics', 'fingerprint', 'format', 'packages', 'producer', 'revision', 'version']);
    expect(restoreAdvisoryDb(snapshot, KEY).fetchedAt).toBeNull();
  });
});

describe('restoreAdvisoryDb refusing a snapshot', () => {
  const snapshot = (): AdvisoryDbSnapshot => JSON.parse(JSON.stringify(snapshotAdvisoryDb(fixture, KEY))) as AdvisoryDbSnapshot;
  const refusal = (value: unknown, key = KEY): string => {
    try {
      restoreAdvisoryDb(value, key);
    } catch (error) {
      expect(error).toBeInstanceOf(AdvisoryDbSnapshotError);
      return (error as Error).message;
    }
    throw new Error('the snapshot was accepted');
  };

  it('of another format version', () => {
    expect(refusal({ ...snapshot(), version: SNAPSHOT_VERSION + 1 })).toBe(`snapshot.version: ${SNAPSHOT_VERSION + 1}, this cratewatch reads version ${SNAPSHOT_VERSION}`);
  });

  it('written by another cratewatch version', () => {
    expect(refusal(snapshot(), { ...KEY, producer: '1.2.4' })).toBe('snapshot.producer: written by cratewatch "1.2.3", this is 1.2.4');
  });

  it('compiled from another revision of the database', () => {
    expect(refusal(snapshot(), { ...KEY, fingerprint: 'sha256:def' })).toBe('snapshot.fingerprint: compiled from "sha256:abc", the database is now sha256:def');
  });

  it.each([
    ['not an object', null, 'snapshot: expected an object'],
    ['another format', { format: 'something-else' }, 'snapshot.format: expected "cratewatch-advisory-db"'],
  ])('that is %s', (_, value, message) => {
    expect(refusal(value)).toBe(message);
  });

  it('with a damaged field, naming it', () => {
    const badRange = snapshot();
    badRange.packages[0]![1][0]!.ranges = [{ fixed: 'not-a-version' }];
    expect(refusal(badRange)).toBe('snapshot.packages[0][1][0].ranges[0].fixed: expected a semver version');
    const badList = snapshot();
    (badList.packages[1]![1][0] as { aliases: unknown }).aliases = 'CVE-1';
    expect(refusal(badList)).toBe('snapshot.packages[1][1][0].aliases: expected a list of strings');
    const missing = snapshot() as Partial<AdvisoryDbSnapshot>;
    delete missing.packages;
    expect(refusal(missing)).toBe('snapshot.packages: expected a list');
    const misfiled = snapshot();
    misfiled.packages[0]![1][0]!.package = 'another';
    expect(refusal(misfiled)).toBe(`snapshot.packages[0][1][0].package: expected "${misfiled.packages[0]![0]}"`);
    const badCount = snapshot();
    badCount.advisoryCount = 1;
    expect(refusal(badCount)).toBe('snapshot.advisoryCount: expected at least the 16 crate advisories listed');
  });

  it('cut short (JSON.parse fails before restore is reached, and restore refuses what is left of a truncated object)', () => {
    const text = JSON.stringify(snapshotAdvisoryDb(fixture, KEY));
    expect(() => JSON.parse(text.slice(0, text.length / 2))).toThrow(SyntaxError);
    const partial = snapshot() as Partial<AdvisoryDbSnapshot>;
    delete partial.diagnostics;
    expect(refusal(partial)).toBe('snapshot.diagnostics: expected a list');
  });
});
