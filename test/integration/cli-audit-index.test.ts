// `cratewatch audit` with the registry index: yanked and outdated crates from a loopback
// sparse index, the index cache kept between runs, and --offline never asking it.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../functions/core/result.ts';
import { indexPath } from '../../functions/core/sparse-index.ts';
import { etagOf, startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { runCli } from '../helpers/run-cli.ts';

const V3 = 'test/fixtures/lockfiles/v3.Cargo.lock';
const DB = 'test/fixtures/advisory-db';
const line = (name: string, vers: string, yanked = false) => `${JSON.stringify({ name, vers, deps: [], cksum: '0'.repeat(64), features: {}, yanked })}\n`;

let server: IndexServer;
let cache: string;

const INDEX: Record<string, string> = {
  [indexPath('maybe-uninit')]: line('maybe-uninit', '2.0.0', true) + line('maybe-uninit', '2.0.1'),
  [indexPath('reqwest')]: line('reqwest', '0.11.27') + line('reqwest', '0.11.28') + line('reqwest', '0.12.4'),
  [indexPath('hyper')]: line('hyper', '0.14.27') + line('hyper', '0.14.28'),
};

beforeAll(async () => {
  server = await startIndexServer(INDEX);
  cache = await mkdtemp(join(tmpdir(), 'cratewatch-audit-cache-'));
});
afterAll(async () => {
  await server.close();
  await rm(cache, { recursive: true, force: true });
});

const audit = (...args: string[]) => runCli(['audit', V3, '--db', DB, '--index', server.url, ...args], { env: { CRATEWATCH_CACHE: cache } });

describe('cratewatch audit with the index', () => {
  it('reports a yanked locked version, and fails on it only with --deny yanked', async () => {
    const ignoreVulns = ['0001', '0002', '0003', '0004', '0005', '0010', '0019'].flatMap((n) => ['--ignore', `RUSTSEC-2099-${n}`]);
    const plain = await audit('--format', 'json', ...ignoreVulns);
    const result = JSON.parse(plain.stdout) as ScanResult;
    expect(result.lockfiles[0]!.findings.find((f) => f.kind === 'yanked')).toMatchObject({ package: { name: 'maybe-uninit', version: '2.0.0' }, fix: { version: '2.0.1' } });
    expect(plain.code).toBe(0);
    expect((await audit('--deny', 'yanked', ...ignoreVulns)).code).toBe(1);
  });

  it('shows outdated direct dependencies like cargo outdated, and crates the index does not know as not covered', async () => {
    const run = await audit();
    expect(run.stdout).toContain('  reqwest 0.11.27 → 0.11.28 / 0.12.4');
    expect(run.stdout).toMatch(/  base64 0\.21\.7: not in the crates.io index \(HTTP 404\)/);
  });

  it('keeps the index files in the cache and revalidates them next time', async () => {
    // Beside the compiled advisory database (advisory-db/), the index files packed in one object.
    expect(await readdir(join(cache, 'cache'))).toEqual(['advisory-db', 'index-pack.json.gz']);
    server.reset();
    await audit();
    const hyper = server.requests.find((r) => r.path === indexPath('hyper'));
    expect(hyper?.headers['if-none-match']).toBe(etagOf(INDEX[indexPath('hyper')]!));
  });

  it('never asks the index with --offline', async () => {
    server.reset();
    const run = await audit('--offline', '--format', 'json');
    expect(server.requests).toHaveLength(0);
    expect((JSON.parse(run.stdout) as ScanResult).lockfiles[0]!.outdated).toEqual([]);
  });
});
