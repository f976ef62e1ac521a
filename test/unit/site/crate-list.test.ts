import { describe, expect, it } from 'vitest';
import { crateLetter, crateRows, letters, needsAttention } from '../../../site/src/lib/crate-list.ts';
import type { CrateView } from '../../../site/src/lib/data.ts';

const view = (name: string, versions: string[], extra: Partial<CrateView> = {}): CrateView => ({
  name,
  occurrences: versions.map((version) => ({ repository: 'app', lockfile: 'Cargo.lock', version })),
  advisories: [],
  ...extra,
});

describe('crateLetter', () => {
  it.each([
    ['serde', 's'],
    ['Inflector', 'i'],
    ['_private', 'other'],
    ['7zip', 'other'],
  ])('files %s under %s', (name, letter) => {
    expect(crateLetter(name)).toBe(letter);
  });
});

describe('letters', () => {
  it('counts the crates of each letter, in order, with other last', () => {
    const rows = crateRows([view('tokio', ['1.0.0']), view('_x', ['1.0.0']), view('serde', ['1.0.0']), view('syn', ['2.0.0'])], []);
    expect(letters(rows)).toEqual([
      { letter: 's', count: 2 },
      { letter: 't', count: 1 },
      { letter: 'other', count: 1 },
    ]);
  });
});

describe('needsAttention', () => {
  it('picks a crate with an advisory or locked twice in one lockfile, never one no longer locked', () => {
    const advisory = { id: 'RUSTSEC-2099-0001' } as CrateView['advisories'][number];
    const repo = { name: 'app', history: [], latest: { lockfiles: [{ duplicates: [{ name: 'syn', versions: [] }], outdated: [] }] } } as never;
    const rows = crateRows(
      [
        view('hyper', ['0.14.27'], { advisories: [advisory] }),
        view('syn', ['1.0.0', '2.0.0']),
        view('itoa', ['1.0.0']),
        view('time', [], { advisories: [advisory], gone: { scannedAt: '2099-06-01T06:00:00Z', repositories: ['app'], versions: ['0.1.45'] } }),
      ],
      [repo],
    );
    expect(rows.filter(needsAttention).map((r) => r.name)).toEqual(['hyper', 'syn']);
    expect(rows.find((r) => r.name === 'time')).toMatchObject({ goneSince: '2099-06-01', advisories: 0, versions: 0 });
  });
});
