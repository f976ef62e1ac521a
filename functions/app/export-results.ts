// Copies the stored results (`results/…`: the summary, every latest result and its history)
// out of the result store into a local folder, where the report builder reads them.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import type { ObjectStore } from '../core/ports.ts';

/** Replaces `dir` with the store's `results/` objects; returns how many were copied. */
export async function exportResults(objects: ObjectStore, dir: string, concurrency = 16): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  const keys = await objects.list('results/');
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
