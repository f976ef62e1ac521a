import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DB, FIXTURES } from '../helpers/fixtures.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { portOf, runCli } from './cli-process.ts';

describe('runCli', () => {
  let index: IndexServer;
  let cache: string;
  beforeAll(async () => {
    // No index files: every crate is a 404, which is still a request with bytes both ways.
    index = await startIndexServer({});
    cache = await mkdtemp(join(tmpdir(), 'cratewatch-bench-probe-test-'));
  });
  afterAll(async () => {
    await index.close();
    await rm(cache, { recursive: true, force: true });
  });

  it('counts the same bytes to the index as the index server saw, and strips its own line from stderr', async () => {
    const run = await runCli(['audit', join(FIXTURES, 'lockfiles', 'v3.Cargo.lock'), '--db', FIXTURE_DB, '--index', index.url, '--format', 'json'], { env: { CRATEWATCH_CACHE: cache } });
    const wire = index.wireBytes();
    expect(index.requests.length).toBeGreaterThan(0);
    expect(run.bytesByPort[portOf(index.url)]).toBe(wire.read + wire.written);
    expect(run.stderr).not.toContain('cratewatch-bench-probe=');
    expect(run.code).toBe(1);
    expect(run.peakRssMB).toBeGreaterThan(20);
    expect(run.cpuMs).toBeGreaterThan(0);
  });
});
