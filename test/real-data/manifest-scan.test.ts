// The manifest-only scan of the real workspaces in the shared data (llama-orch: root + 4 of
// its 43 members, no lockfile; ripgrep 15.0.0: root + 9 members, its Cargo.lock not read)
// against the real RustSec snapshot and the 7-crate subset of the crates.io index, served on
// loopback. Every other crate is "not checked (not in the index)". Facts checked by hand:
// - advisories (crates/<name>/<id>.md in the snapshot): tokio RUSTSEC-2021-0072 (1.0–1.5.0 affected),
//   RUSTSEC-2021-0124 (< 1.8.4), RUSTSEC-2023-0001 (1.7.0 to < 1.18.4), unsound RUSTSEC-2023-0005 and
//   RUSTSEC-2025-0023; chrono RUSTSEC-2020-0159 (< 0.4.20); regex RUSTSEC-2022-0013 (< 1.5.5);
//   tracing-subscriber RUSTSEC-2025-0055 (< 0.3.20); unsound anyhow RUSTSEC-2026-0190 (< 1.0.103),
//   memmap2 RUSTSEC-2026-0186 (< 0.9.11), tracing RUSTSEC-2023-0078 (0.1.38–0.1.39);
// - index files: subtle 2.6.0 yanked, 2.6.1 newest; once_cell's file is an older snapshot whose
//   newest release is 1.15.0 (then 1.16.0-pre.1); memchr 2.7.3, walkdir 2.5.0, same-file 1.0.6 newest.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import { SparseIndexSource } from '../../functions/adapters/sparse-index.ts';
import { scanManifests, type ManifestScan } from '../../functions/app/manifest-scan.ts';
import type { AdvisoryDb } from '../../functions/core/advisory.ts';
import type { RequirementCheck } from '../../functions/core/manifest-audit.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { advisoryTarball, hasSharedData, sharedDataDir } from '../helpers/shared-data.ts';
import { readManifests } from '../helpers/workspace-fixtures.ts';
import { NO_HTTP_CACHE } from '../helpers/memory-http-cache.ts';

const MANIFESTS = join(sharedDataDir, 'manifests');
const INDEX_DIR = join(sharedDataDir, 'crates-index');

/** Every file of the index subset, by its index path (`me/mc/memchr`, `config.json`). */
function indexFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of readdirSync(INDEX_DIR, { recursive: true, encoding: 'utf8' }) as string[]) {
    const full = join(INDEX_DIR, path);
    if (statSync(full).isFile()) files[path.split('\\').join('/')] = readFileSync(full, 'utf8');
  }
  return files;
}


const summary = (r: RequirementCheck) => `${r.file}:${r.line} ${r.key} ${r.kind} ${r.status} ${r.advisories.map((a) => a.id).join(',')}`;

describe.skipIf(!hasSharedData)('manifest-only scan of the shared workspaces (real DB, index subset)', () => {
  let server: IndexServer;
  let db: AdvisoryDb;
  const scan = async (name: string): Promise<ManifestScan> => {
    const index = new SparseIndexSource({ baseUrl: server.url, cache: NO_HTTP_CACHE, http: new HttpClient({ userAgent: 'cratewatch (real-data test)', timeoutMs: 10_000, retries: 0 }), concurrency: 4 });
    return scanManifests({ manifests: readManifests(join(MANIFESTS, name)), db, index });
  };

  beforeAll(async () => {
    server = await startIndexServer(indexFiles());
    db = await new LocalAdvisoryDbSource(advisoryTarball).load();
  });
  afterAll(async () => {
    await server.close();
  });

  describe('llama-orch', () => {
    let result: ManifestScan;
    const at = (file: string, line: number) => result.requirements.find((r) => r.file === file && r.line === line)!;
    beforeAll(async () => {
      server.reset();
      result = await scan('llama-orch');
    });

    it('reads the four members there are and names the 39 listed members whose manifests are not in the data', () => {
      expect(result.workspaces.map((w) => [w.root, w.members, w.missingMembers.length])).toEqual([['Cargo.toml', ['audit-logging', 'secrets-management', 'observability-narration-core', 'xtask'], 39]]);
      expect(result.errors).toEqual([]);
    });

    it('asks the index about each crate once; only the 7 crates of the subset answer', () => {
      const paths = server.requests.map((r) => r.path);
      expect(new Set(paths).size).toBe(paths.length);
      const checked = [...new Set(result.requirements.filter((r) => r.index.checked).map((r) => r.name))].sort();
      expect(checked).toEqual(['once_cell', 'subtle', 'walkdir']);
      expect(result.counts).toEqual({ requirements: 66, vulnerable: 0, maybeVulnerable: 9, outdated: 0, noMatchingVersion: 1, notCovered: 5, notChecked: 58 });
    });

    it('takes subtle "2.5" to 2.6.1, past the yanked 2.6.0', () => {
      expect(at('bin/98_security_crates/secrets-management/Cargo.toml', 15)).toMatchObject({ name: 'subtle', requirement: '2.5', status: 'ok', newest: '2.6.1', latest: '2.6.1', outdated: false });
    });

    it('finds no once_cell release for "1.19" in the older once_cell file of the subset', () => {
      expect(at('bin/99_shared_crates/narration-core/Cargo.toml', 22)).toMatchObject({ name: 'once_cell', status: 'no-matching-version', newest: null, latest: '1.15.0', outdated: false });
    });

    it('reports the requirements some advisory range meets as maybe vulnerable, from the ranges (the crates are not in the subset)', () => {
      expect(result.requirements.filter((r) => r.status === 'maybe-vulnerable').map(summary)).toEqual([
        'bin/98_security_crates/audit-logging/Cargo.toml:17 chrono normal maybe-vulnerable RUSTSEC-2020-0159',
        'bin/98_security_crates/audit-logging/Cargo.toml:18 tokio normal maybe-vulnerable RUSTSEC-2021-0072,RUSTSEC-2021-0124,RUSTSEC-2023-0001,RUSTSEC-2023-0005,RUSTSEC-2025-0023',
        'bin/99_shared_crates/narration-core/Cargo.toml:19 regex normal maybe-vulnerable RUSTSEC-2022-0013',
        'bin/99_shared_crates/narration-core/Cargo.toml:21 tokio normal maybe-vulnerable RUSTSEC-2021-0072,RUSTSEC-2021-0124,RUSTSEC-2023-0001,RUSTSEC-2023-0005,RUSTSEC-2025-0023',
        'bin/99_shared_crates/narration-core/Cargo.toml:31 tracing-subscriber dev maybe-vulnerable RUSTSEC-2025-0055',
        'bin/99_shared_crates/narration-core/Cargo.toml:34 tokio dev maybe-vulnerable RUSTSEC-2021-0072,RUSTSEC-2021-0124,RUSTSEC-2023-0001,RUSTSEC-2023-0005,RUSTSEC-2025-0023',
        'xtask/Cargo.toml:31 chrono normal maybe-vulnerable RUSTSEC-2020-0159',
        'xtask/Cargo.toml:38 tokio normal maybe-vulnerable RUSTSEC-2021-0072,RUSTSEC-2021-0124,RUSTSEC-2023-0001,RUSTSEC-2023-0005,RUSTSEC-2025-0023',
        'xtask/Cargo.toml:49 tracing-subscriber normal maybe-vulnerable RUSTSEC-2025-0055',
      ]);
      const tokio = at('bin/98_security_crates/audit-logging/Cargo.toml', 18);
      expect(tokio).toMatchObject({ requirement: '1', inheritedFrom: { file: 'Cargo.toml', line: 127 }, newest: null, outdated: null, index: { checked: false, reason: 'not-in-index' } });
      // regex "1.10" (xtask) starts past 1.5.5: no advisory.
      expect(at('xtask/Cargo.toml', 30)).toMatchObject({ requirement: '1.10', status: 'ok', advisories: [] });
    });

    it('leaves the five path dependencies out', () => {
      expect(result.requirements.filter((r) => r.status === 'not-covered').map((r) => `${r.file}:${r.line} ${r.key}`)).toEqual([
        'bin/98_security_crates/audit-logging/Cargo.toml:26 input-validation',
        'xtask/Cargo.toml:27 contracts-config-schema',
        'xtask/Cargo.toml:28 auth-min',
        'xtask/Cargo.toml:41 auto-update',
        'xtask/Cargo.toml:50 observability-narration-core',
      ]);
    });
  });

  describe('ripgrep 15.0.0 (its Cargo.lock not read)', () => {
    let result: ManifestScan;
    beforeAll(async () => {
      result = await scan('ripgrep');
    });

    it('reports no vulnerable requirement: every floor is past the advisories of its crate', () => {
      expect(result.workspaces.map((w) => w.members.length)).toEqual([10]);
      expect(result.counts).toEqual({ requirements: 73, vulnerable: 0, maybeVulnerable: 0, outdated: 0, noMatchingVersion: 0, notCovered: 17, notChecked: 49 });
    });

    it('lists the unsound advisories of anyhow and of memmap2 (renamed memmap) that the requirements admit', () => {
      expect(result.requirements.filter((r) => r.advisories.length > 0).map(summary)).toEqual([
        'Cargo.toml:53 anyhow normal ok RUSTSEC-2026-0190',
        'crates/searcher/Cargo.toml:23 memmap normal ok RUSTSEC-2026-0186',
      ]);
    });

    it('takes the crates of the index subset to their newest release', () => {
      expect(result.requirements.filter((r) => r.index.checked).map((r) => `${r.file}:${r.line} ${r.name} ${r.requirement} → ${r.newest}`)).toEqual([
        'Cargo.toml:69 walkdir 2 → 2.5.0',
        'crates/grep/Cargo.toml:26 walkdir 2.2.7 → 2.5.0',
        'crates/ignore/Cargo.toml:25 memchr 2.6.3 → 2.7.3',
        'crates/ignore/Cargo.toml:26 same-file 1.0.6 → 1.0.6',
        'crates/ignore/Cargo.toml:27 walkdir 2.4.0 → 2.5.0',
        'crates/matcher/Cargo.toml:18 memchr 2.6.3 → 2.7.3',
        'crates/searcher/Cargo.toml:22 memchr 2.6.3 → 2.7.3',
      ]);
    });
  });
});
