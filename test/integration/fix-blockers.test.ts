// A fix that needs a manifest bump names the crate that holds the locked version back, and,
// from that crate's releases in the sparse index, the release of it that lets the fix in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { SparseIndexSource } from '../../functions/adapters/sparse-index.ts';
import { auditRepositoryFiles } from '../../functions/app/audit-lockfile.ts';
import { buildAdvisoryDb } from '../../functions/core/advisory.ts';
import { planLockfileFixes } from '../../functions/core/fix-plan.ts';
import type { LockfileResult } from '../../functions/core/result.ts';
import { indexPath } from '../../functions/core/sparse-index.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { MemoryHttpCache } from '../helpers/memory-http-cache.ts';
import { assertValidResult } from '../helpers/result-schema.ts';

const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';
const NOW = new Date('2099-06-01T06:00:00Z');

/** An index line as crates.io writes it, with the dependencies that matter here. */
const line = (name: string, vers: string, deps: { name: string; req: string; kind?: string }[] = []) =>
  `${JSON.stringify({ name, vers, deps: deps.map((d) => ({ name: d.name, req: d.req, features: [], optional: false, default_features: true, target: null, kind: d.kind ?? 'normal' })), cksum: 'a'.repeat(64), features: {}, yanked: false })}\n`;

const ADVISORY = ['```toml', '[advisory]', 'id = "RUSTSEC-2099-0900"', 'package = "child"', 'date = "2099-01-01"', 'cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"', '', '[versions]', 'patched = [">= 0.2.0"]', '```', '', '# Child breaks', '', 'Text.', ''].join('\n');

function lockText(parent: string): string {
  return [
    'version = 3',
    '',
    '[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n "parent",\n]',
    `[[package]]\nname = "parent"\nversion = "${parent}"\nsource = "${CRATES_IO}"\ndependencies = [\n "child",\n]`,
    `[[package]]\nname = "child"\nversion = "0.1.0"\nsource = "${CRATES_IO}"`,
    '',
  ].join('\n\n');
}

let server: IndexServer;

beforeAll(async () => {
  server = await startIndexServer({
    [indexPath('child')]: line('child', '0.1.0') + line('child', '0.2.0'),
    // 1.1.0 still wants child 0.1 (and 0.2 only for its tests); 1.2.0 is the first to allow 0.2.
    [indexPath('parent')]:
      line('parent', '1.0.0', [{ name: 'child', req: '^0.1' }]) +
      line('parent', '1.1.0', [{ name: 'child', req: '^0.1' }, { name: 'child', req: '^0.2', kind: 'dev' }]) +
      line('parent', '1.2.0', [{ name: 'child', req: '^0.2' }]),
    [indexPath('stuck')]: line('stuck', '1.0.0', [{ name: 'child', req: '^0.1' }]) + line('stuck', '1.5.0', [{ name: 'child', req: '^0.1' }]),
  });
});

afterAll(async () => {
  await server.close();
});

async function audit(text: string, offline = false): Promise<LockfileResult> {
  const index = new SparseIndexSource({ baseUrl: server.url, cache: new MemoryHttpCache(), http: new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2000, retries: 0 }), concurrency: 4, now: () => NOW });
  const result = await auditRepositoryFiles({
    repository: { name: 'app', source: 'local', ref: null, commit: null },
    files: { lockfiles: [{ path: 'Cargo.lock', text }], manifests: [], policyFiles: [] },
    index: offline ? null : index,
    db: buildAdvisoryDb([{ path: 'crates/child/RUSTSEC-2099-0900.md', text: ADVISORY }], 'rev'),
    dbLocation: 'test',
    ignores: [],
    deny: [],
    now: NOW,
  });
  assertValidResult(result);
  return result.lockfiles[0]!;
}

describe('the crate that blocks a fix, and its release that allows it', () => {
  it('names parent 1.2.0, its first release whose (non-dev) requirement admits child 0.2.0', async () => {
    const lockfile = await audit(lockText('1.0.0'));
    expect(lockfile.fixBlockers).toEqual([{ name: 'parent', version: '1.0.0', on: 'child', target: '0.2.0', way: { kind: 'release', version: '1.2.0', requirement: '^0.2', compatible: true } }]);
    const [fix] = planLockfileFixes(lockfile);
    expect(fix!.blockedBy).toEqual([{ name: 'parent', version: '1.0.0', workspace: false, release: '1.2.0', needs: 'parent 1.2.0 allows child >= 0.2.0: update parent to it (or later)' }]);
  });

  it('says no release allows it yet when none does', async () => {
    const lockfile = await audit(lockText('1.0.0').replace(/parent/g, 'stuck'));
    const [fix] = planLockfileFixes(lockfile);
    expect(fix!.blockedBy!.map((b) => b.needs)).toEqual(['no release of stuck allows child >= 0.2.0 yet (the newest is 1.5.0): ask its maintainers, or replace it']);
  });

  it('asks nothing offline, and keeps the generic advice', async () => {
    server.reset();
    const lockfile = await audit(lockText('1.0.0'), true);
    expect(lockfile.fixBlockers).toBeUndefined();
    expect(server.requests).toEqual([]);
    expect(planLockfileFixes(lockfile)[0]!.blockedBy!.map((b) => b.needs)).toEqual(['a release of parent that allows child >= 0.2.0']);
  });
});
