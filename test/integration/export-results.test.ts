// What build-report copies out of the store for the site: the summary, each latest result
// and the newest REPORT_HISTORY_LIMIT history objects of each repository, nothing older.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { exportResults } from '../../functions/app/export-results.ts';
import { REPORT_HISTORY_LIMIT } from '../../functions/core/result.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-export-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stem = (day: number) => `2099-01-01T00-00-00.000Z`.replace('01T', `${String(1 + (day % 28)).padStart(2, '0')}T`).replace('2099-01', `2099-${String(1 + Math.floor(day / 28)).padStart(2, '0')}`);

describe('exportResults', () => {
  it('copies the summary, every latest result and only the newest history of each repository', async () => {
    const store = new FsObjectStore(join(dir, 'store'));
    const days = REPORT_HISTORY_LIMIT + 2;
    for (let day = 0; day < days; day++) await store.put(`results/app/history/${stem(day)}.json`, `{"day":${day}}`, { contentType: 'application/json' });
    await store.put('results/app/latest.json', '{"latest":true}', { contentType: 'application/json' });
    await store.put('results/tiny/history/2099-01-01T00-00-00.000Z.json', '{}', { contentType: 'application/json' });
    await store.put('results/index.json', '{"summary":true}', { contentType: 'application/json' });
    await store.put('state/alert-ledger.json', '{}', { contentType: 'application/json' });
    await store.put('cache/index-pack.json.gz', 'x', { contentType: 'application/gzip' });

    const out = join(dir, 'out');
    expect(await exportResults(store, out)).toBe(REPORT_HISTORY_LIMIT + 3);
    expect((await readdir(out)).sort()).toEqual(['app', 'index.json', 'tiny']);
    const history = (await readdir(join(out, 'app', 'history'))).sort();
    expect(history).toHaveLength(REPORT_HISTORY_LIMIT);
    expect(history[0]).toBe(`${stem(2)}.json`);
    expect(history.at(-1)).toBe(`${stem(days - 1)}.json`);
    expect(await readFile(join(out, 'app', 'latest.json'), 'utf8')).toBe('{"latest":true}');
  });
});
