// The compiled snapshot of the real RustSec database (shared data): restored, it must be the
// parsed database exactly and audit the nine real lockfiles exactly as the parsed one does.
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import { ObjectCompiledAdvisoryDbCache } from '../../functions/app/compiled-advisory-db.ts';
import type { AdvisoryDb } from '../../functions/core/advisory.ts';
import { restoreAdvisoryDb, snapshotAdvisoryDb } from '../../functions/core/advisory-db-snapshot.ts';
import { auditLockfile } from '../../functions/core/audit.ts';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import { advisoryTarball, hasSharedData, sharedLockfile } from '../helpers/shared-data.ts';
import { LOCKFILES } from './expected.ts';

const TODAY = '2026-09-01';
const KEY = { producer: 'test', fingerprint: 'sha256:real' };

describe.skipIf(!hasSharedData)('the compiled snapshot of the real RustSec database (shared data)', () => {
  let parsed: AdvisoryDb;
  let cacheRoot: string;

  beforeAll(async () => {
    parsed = await new LocalAdvisoryDbSource(advisoryTarball).load();
    cacheRoot = await mkdtemp(join(tmpdir(), 'cratewatch-snapshot-'));
  });
  afterAll(async () => {
    await rm(cacheRoot, { recursive: true, force: true });
  });

  it('restores every one of the 1,225 advisories, its compiled ranges and the revision exactly', () => {
    const restored = restoreAdvisoryDb(JSON.parse(JSON.stringify(snapshotAdvisoryDb(parsed, KEY))), KEY);
    expect(parsed.advisoryCount).toBe(1225);
    expect(restored).toStrictEqual(parsed);
  });

  it('audits each real lockfile from the restored database exactly as from the parsed one', () => {
    const restored = restoreAdvisoryDb(JSON.parse(JSON.stringify(snapshotAdvisoryDb(parsed, KEY))), KEY);
    let findings = 0;
    for (const { file } of LOCKFILES) {
      const lockfile = parseLockfile(readFileSync(sharedLockfile(file), 'utf8'), file);
      const expected = auditLockfile(lockfile, parsed, { today: TODAY });
      expect(auditLockfile(lockfile, restored, { today: TODAY }), file).toStrictEqual(expected);
      findings += expected.findings.length;
    }
    expect(findings).toBeGreaterThan(100);
  });

  it('loads the archive through the compiled cache: written on the first load, the same database on the second', async () => {
    const compiled = new ObjectCompiledAdvisoryDbCache(new FsObjectStore(cacheRoot), { producer: 'test' });
    const store = new FsObjectStore(cacheRoot);
    const first = await new LocalAdvisoryDbSource(advisoryTarball, { compiled }).load();
    expect(await store.list('cache/advisory-db/compiled/')).toHaveLength(1);
    const second = await new LocalAdvisoryDbSource(advisoryTarball, { compiled }).load();
    expect(first).toStrictEqual(parsed);
    expect(second).toStrictEqual(parsed);
  });
});
