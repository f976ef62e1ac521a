// The scan's sources as both composition roots build them: a host that cannot be reached is
// said once through `warn` (what the Lambda handlers log) with the sources it serves, and
// listed afterwards with the repositories read from it.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/app/config.ts';
import type { CachedResponse, HttpCache } from '../../../functions/core/ports.ts';
import { buildScanSources } from '../../../functions/wiring/scan-sources.ts';
import { closedLoopbackPort } from '../../helpers/listen.ts';

const memoryCache = (): HttpCache => {
  const map = new Map<string, CachedResponse>();
  return { get: async (key) => map.get(key), put: async (key, value) => void map.set(key, value) };
};


describe('buildScanSources and an unreachable host', () => {
  it('warns once, naming what the host serves, and lists it with the repositories read from it', async () => {
    const port = await closedLoopbackPort();
    const origin = `http://127.0.0.1:${port}`;
    const config = loadConfig(
      `[sources]\nadvisory_db = "/nowhere"\nindex = "${origin}/"\n\n[[repositories]]\nname = "remote"\nurl = "${origin}/files/Cargo.lock"\n\n[[repositories]]\nname = "local"\npath = "."\n`,
      'cratewatch.toml',
      {},
    );
    const warnings: string[] = [];
    const sources = buildScanSources(config, { cache: memoryCache(), offline: false, baseDir: '/', warn: (m) => warnings.push(m) });
    const lookups = await Promise.all(['serde', 'tokio', 'libc'].map((name) => sources.index!.lookup(name)));
    expect(lookups.map((l) => l.kind)).toEqual(['failed', 'failed', 'failed']);
    expect(warnings).toEqual([`${origin} (the index, repository files): cannot be reached (ECONNREFUSED); not asking it again this run (check the network, the address in the configuration, or HTTPS_PROXY)`]);
    expect(sources.unreachable().map((h) => [h.host, h.reason, h.roles, h.repositories])).toEqual([[origin, 'ECONNREFUSED', ['index', 'url'], ['remote']]]);
  });
});
