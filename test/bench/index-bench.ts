// Benchmark of the sparse index client against a loopback index that answers each request
// 50 ms late, like a CDN across a network: 1,000 unique crates on an empty cache, then the
// same crates again with the cache (every file 304). Standalone: `node test/bench/index-bench.ts`.
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { SparseIndexSource } from '../../functions/adapters/sparse-index.ts';
import type { HttpCache } from '../../functions/core/ports.ts';
import { indexPath } from '../../functions/core/sparse-index.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { type BenchTable, runAlone, SECOND_RUN } from './bench-table.ts';
import { MemoryHttpCache } from '../helpers/memory-http-cache.ts';

const CRATES = 1000;
const LATENCY_MS = 50;
const CONCURRENCY = 32;

/** A crate's index file of a usual size: a dozen versions, each with a few dependencies. */
function indexFile(name: string, seed: number): string {
  const lines: string[] = [];
  for (let minor = 0; minor < 12; minor++) {
    const deps = ['serde', 'libc', 'log', 'tokio'].map((dep, i) => ({
      name: dep,
      req: `^${1 + ((seed + i) % 3)}.${minor % 5}`,
      features: i === 0 ? ['derive'] : [],
      optional: i === 3,
      default_features: true,
      target: null,
      kind: i === 2 ? 'dev' : 'normal',
    }));
    const entry = {
      name,
      vers: `0.${minor}.${seed % 7}`,
      deps,
      cksum: (seed * 31 + minor).toString(16).padStart(64, '0'),
      features: { default: ['std'], std: [], full: ['dep:tokio'] },
      yanked: minor === 3,
      links: null,
      v: 2,
      features2: { async: ['dep:tokio'] },
      rust_version: `1.${56 + (minor % 20)}`,
    };
    lines.push(JSON.stringify(entry));
  }
  return `${lines.join('\n')}\n`;
}


interface Run {
  ms: number;
  bodyBytes: number;
  wireBytes: number;
  notModified: number;
  connections: number;
}

async function lookUpAll(server: IndexServer, names: readonly string[], cache: HttpCache): Promise<Run> {
  const http = new HttpClient({ userAgent: 'cratewatch-bench', timeoutMs: 10_000, retries: 2 });
  const index = new SparseIndexSource({ baseUrl: server.url, cache, http, concurrency: CONCURRENCY });
  const wireBefore = server.wireBytes();
  const connectionsBefore = server.connections;
  const start = performance.now();
  const results = await Promise.all(names.map((name) => index.lookup(name)));
  const ms = performance.now() - start;
  const failed = results.filter((r) => r.kind !== 'found');
  if (failed.length > 0) throw new Error(`index bench: ${failed.length} lookups did not find their crate, e.g. ${JSON.stringify(failed[0])}`);
  const wireAfter = server.wireBytes();
  return {
    ms,
    bodyBytes: index.stats.bytes,
    wireBytes: wireAfter.read + wireAfter.written - wireBefore.read - wireBefore.written,
    notModified: index.stats.notModified,
    connections: server.connections - connectionsBefore,
  };
}

/** Records the first run's wall time and what the second run, with the cache, still transfers. */
export async function benchIndex(table: BenchTable): Promise<void> {
  const names = Array.from({ length: CRATES }, (_, i) => `bench-crate-${i}`);
  const files = Object.fromEntries(names.map((name, i) => [indexPath(name), indexFile(name, i)]));
  const server = await startIndexServer(files, { latencyMs: LATENCY_MS });
  try {
    const section = table.section(`Index fetch (${CRATES.toLocaleString('en-US')} crates, ${LATENCY_MS} ms latency per response, concurrency ${CONCURRENCY}, in-process)`);
    const cache = new MemoryHttpCache();
    const first = await lookUpAll(server, names, cache);
    section.figure('first run (empty cache)', first.ms, 'ms', { max: 3000, from: 'issue 3' });
    section.figure(`  body bytes (avg ${(first.bodyBytes / CRATES / 1024).toFixed(1)} KiB a file), over ${first.connections} connections`, first.bodyBytes / 1024, 'KiB');
    const second = await lookUpAll(server, names, cache);
    section.figure(`second run with the cache (${second.notModified} × 304)`, second.ms, 'ms');
    const rerun = table.section(SECOND_RUN);
    rerun.figure(`index client, ${CRATES.toLocaleString('en-US')} crates: bytes, % of the first run`, (second.wireBytes / first.wireBytes) * 100, '%', { max: 10, from: 'issue 3' });
    rerun.figure('  body bytes, % of the first run', (second.bodyBytes / first.bodyBytes) * 100, '%');
  } finally {
    await server.close();
  }
}

if (import.meta.main) await runAlone('index bench', benchIndex);
