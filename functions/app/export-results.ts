// Copies the stored results the report reads (`results/…`: the summary, every latest result
// and its most recent history) out of the result store into a local folder, where the report
// builder reads them. Older history stays in the store: copying it would grow with time.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import type { ObjectStore } from '../core/ports.ts';
import { REPORT_HISTORY_LIMIT } from '../core/result.ts';

const HISTORY = /^results\/([^/]+)\/history\/[^/]+\.json$/;

/** The keys without the history beyond the newest `limit` of each repository (names sort by scan time). */
function recent(keys: readonly string[], limit: number): string[] {
  const history = new Map<string, string[]>();
  const rest: string[] = [];
  for (const key of keys) {
    const repo = HISTORY.exec(key)?.[1];
    if (repo === undefined) rest.push(key);
    else history.set(repo, [...(history.get(repo) ?? []), key]);
  }
  return [...rest, ...[...history.values()].flatMap((list) => list.sort().slice(-limit))];
}

/** Replaces `dir` with the store's `results/` objects the report reads; returns how many were copied. */
export async function exportResults(objects: ObjectStore, dir: string, concurrency = 16): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  const keys = recent(await objects.list('results/'), REPORT_HISTORY_LIMIT);
  const limit = pLimit(concurrency);
  let copied = 0;
  await Promise.all(
    keys.map((key) =>
      limit(async () => {
        const stored = await objects.get(key);
        if (!stored) return; // removed since the listing
        const file = join(dir, ...key.slice('results/'.length).split('/'));
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, stored.body);
        copied++;
      }),
    ),
  );
  return copied;
}
