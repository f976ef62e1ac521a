// Benchmark of the report site: Astro build time for 10 and 100 repositories (three scans
// each, written by the real pipeline), and the overview page's size at 100 repositories.
// Standalone: `node test/bench/site-bench.ts`.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AstroSiteBuilder } from '../../functions/adapters/astro-site-builder.ts';
import { writeManyRepoFixtures } from '../helpers/site-fixtures.ts';
import type { Report } from './index-bench.ts';

const SITE_DIR = resolve(import.meta.dirname, '../../site');

/** Bytes of every file under `dir`, and how many files. */
export async function folderSize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
    files++;
  }
  return { bytes, files };
}

/** Reports build time for 10 and 100 repositories and the overview's size at 100. */
export async function benchSite(report: Report): Promise<void> {
  for (const count of [10, 100]) {
    const dir = await mkdtemp(join(tmpdir(), `cratewatch-site-bench-${count}-`));
    try {
      const fixtureStart = performance.now();
      const results = await writeManyRepoFixtures(join(dir, 'fixtures'), count);
      const fixtureMs = performance.now() - fixtureStart;
      const out = join(dir, 'out');
      const start = performance.now();
      await new AstroSiteBuilder({ siteDir: SITE_DIR }).build(results, out);
      const buildMs = performance.now() - start;
      const total = await folderSize(out);
      report(`site: build for ${count} repositories (3 scans each; fixtures took ${Math.round(fixtureMs)} ms), ${total.files} files`, buildMs / 1000, 's', count === 100 ? 20 : undefined);
      report(`  site for ${count} repositories, total size`, total.bytes / 1024, 'KB');
      if (count === 100) {
        report('site: overview page (index.html) for 100 repositories', (await stat(join(out, 'index.html'))).size / 1024, 'KB', 200);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

if (import.meta.main) {
  await benchSite((name, value, unit, target) => {
    let line = `${name}: ${value.toFixed(value >= 100 ? 0 : 2)} ${unit}`;
    if (target !== undefined) line += ` (target ≤ ${target} ${unit})${value <= target ? '' : ' MISSED target'}`;
    console.log(line);
  });
}
