// Benchmark of the report site: `cratewatch report` (Astro) for 10, 100 and 500 repositories
// of the site fixtures (three scans each, written by the real pipeline): time, size, the
// overview page's size, peak RSS. Standalone: `node test/bench/site-bench.ts`.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeManyRepoFixtures } from '../helpers/site-fixtures.ts';
import { type BenchTable, PEAK_RSS, runAlone, SITE_BUILD } from './bench-table.ts';
import { runCli } from './cli-process.ts';

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

/** Records the build time (`cratewatch report`, as a process) for 10, 100 and 500 repositories, the site's size and the overview's. */
export async function benchSite(table: BenchTable): Promise<void> {
  const site = table.section(SITE_BUILD);
  for (const count of [10, 100, 500]) {
    const dir = await mkdtemp(join(tmpdir(), `cratewatch-site-bench-${count}-`));
    try {
      const results = await writeManyRepoFixtures(join(dir, 'fixtures'), count);
      // `cratewatch report --out X` builds X/site from X/results.
      const out = dirname(results);
      const built = await runCli(['report', '--out', out]);
      if (built.code !== 0) throw new Error(`cratewatch report --out ${out} exited ${built.code}:\n${built.stderr.slice(-3000)}`);
      const total = await folderSize(join(out, 'site'));
      site.figure(`\`cratewatch report\`, ${count} fixture repositories (~20 packages, 3 scans; ${total.files} files)`, built.ms / 1000, 's', count === 100 ? { max: 20, from: 'issue 4' } : undefined);
      site.figure('  CPU time (user + system)', built.cpuMs / 1000, 's');
      site.figure('  site size', total.bytes / 1024, 'KiB');
      site.figure('  overview page (index.html)', (await stat(join(out, 'site', 'index.html'))).size / 1024, 'KiB', count === 100 ? { max: 200, from: 'issue 4' } : undefined);
      table.section(PEAK_RSS).figure(`\`cratewatch report\`, ${count} fixture repositories`, built.peakRssMB, 'MB');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

if (import.meta.main) await runAlone('site bench', benchSite);
