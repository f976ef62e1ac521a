// The scan's stderr: off a terminal only lines that stay (stable for logs and tests); on a
// terminal one status line with the repository and the index lookups, cleared before each
// line that stays and drawn again under it.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ScanEvent } from '../../../functions/app/scan-pipeline.ts';
import { countingIndex, ScanProgress } from '../../../functions/cli/scan-progress.ts';
import type { CrateLookup, IndexSource } from '../../../functions/core/ports.ts';

function capture(): { io: ConstructorParameters<typeof ScanProgress>[0]; text: () => string } {
  let text = '';
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { io: { stdout: stderr, stderr, env: {}, now: () => new Date(0) }, text: () => text };
}

/** An index whose lookups resolve when the test says. */
function manualIndex(): { index: IndexSource; answer: (name: string, lookup: CrateLookup) => void; asked: string[] } {
  const pending = new Map<string, (lookup: CrateLookup) => void>();
  const asked: string[] = [];
  return {
    index: {
      lookup: (name) => {
        asked.push(name);
        return new Promise((resolve) => pending.set(name, resolve));
      },
    },
    answer: (name, lookup) => pending.get(name)!(lookup),
    asked,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const started = (name: string): ScanEvent => ({ kind: 'repository-started', name });

describe('countingIndex', () => {
  it('counts each crate once whatever its letter case, and the lookups that failed', async () => {
    const { index, answer, asked } = manualIndex();
    const progress = { asked: 0, answered: 0, failed: 0 };
    let changes = 0;
    const counted = countingIndex(index, progress, () => changes++);
    void counted.lookup('serde');
    void counted.lookup('Serde');
    void counted.lookup('tokio');
    expect(progress).toEqual({ asked: 2, answered: 0, failed: 0 });
    answer('serde', { kind: 'found', versions: [] });
    answer('tokio', { kind: 'failed', message: 'crate "tokio": not asked' });
    await tick();
    expect(progress).toEqual({ asked: 2, answered: 2, failed: 1 });
    expect(asked).toEqual(['serde', 'Serde', 'tokio']);
    expect(changes).toBe(4);
  });
});

describe('ScanProgress', () => {
  it('prints only lines that stay off a terminal, and says an index refresh failed rather than refreshed', async () => {
    const { io, text } = capture();
    const progress = new ScanProgress(io, 1);
    const { index, answer } = manualIndex();
    const counted = countingIndex(index, progress.index, progress.onIndex);
    void counted.lookup('serde');
    answer('serde', { kind: 'failed', message: 'crate "serde": not asked' });
    await tick();
    progress.onEvent({ kind: 'index-refreshed', crates: 1 });
    progress.onEvent(started('app'));
    progress.line('warning: index.crates.io (the index): cannot be reached (ENOTFOUND); not asking it again this run');
    progress.end();
    expect(text()).toBe('index: 1 crates asked, 1 could not be looked up\nwarning: index.crates.io (the index): cannot be reached (ENOTFOUND); not asking it again this run\n');
  });

  it('on a terminal keeps one status line with the repository and the index lookups, drawn again under each line that stays', async () => {
    const { io, text } = capture();
    let clock = 0;
    const progress = new ScanProgress(io, 2, { tty: true, now: () => clock });
    const { index, answer } = manualIndex();
    const counted = countingIndex(index, progress.index, progress.onIndex);
    progress.onEvent(started('mdBook'));
    clock += 1000;
    void counted.lookup('serde');
    clock += 1000;
    void counted.lookup('tokio');
    clock += 1000;
    answer('serde', { kind: 'found', versions: [] });
    await tick();
    progress.line('warning: something');
    answer('tokio', { kind: 'found', versions: [] });
    await tick();
    progress.end();
    const CLEAR = '\r\u001b[2K';
    expect(text().split(CLEAR)).toEqual([
      '',
      'scanning mdBook…',
      'scanning mdBook… index: 0/1 crates',
      'scanning mdBook… index: 0/2 crates',
      'scanning mdBook… index: 1/2 crates',
      'warning: something\nscanning mdBook… index: 1/2 crates',
      'scanning mdBook…',
      '',
    ]);
  });

  it('on a terminal redraws index counts at most every 100 ms, but always the last one', async () => {
    const { io, text } = capture();
    const progress = new ScanProgress(io, 1, { tty: true, now: () => 5_000 });
    const { index, answer } = manualIndex();
    const counted = countingIndex(index, progress.index, progress.onIndex);
    for (const name of ['a', 'b', 'c']) void counted.lookup(name);
    for (const name of ['a', 'b', 'c']) answer(name, { kind: 'found', versions: [] });
    await tick();
    // The first count is drawn; the clock stands still, so only the finished count (nothing outstanding: an empty line) follows.
    expect(text().split('\r\u001b[2K')).toEqual(['', 'index: 0/1 crates', '']);
  });
});
