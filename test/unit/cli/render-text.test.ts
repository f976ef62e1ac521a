import { describe, expect, it } from 'vitest';
import { notCoveredLines, plural } from '../../../functions/cli/render-text.ts';
import type { NotCovered } from '../../../functions/core/result.ts';

const failed = (name: string, message: string): NotCovered => ({ name, version: '1.0.0', source: 'registry+https://github.com/rust-lang/crates.io-index', reason: 'index-failed', message });

describe('notCoveredLines', () => {
  it('says the failed lookups of an outage in one line, naming four crates and the first reason', () => {
    const notCovered: NotCovered[] = [
      { name: 'gix', version: '0.1.0', source: 'git+https://example.com/gix', reason: 'git', message: 'a git dependency' },
      failed('base64', 'the index could not be read: index.crates.io cannot be reached (ENOTFOUND)'),
      ...['bytes', 'h2', 'hyper', 'log', 'mio'].map((name) => failed(name, 'the index could not be read: not asked')),
    ];
    expect(notCoveredLines(notCovered)).toEqual([
      'gix 0.1.0: a git dependency',
      'index lookup failed for 6 crates (base64, bytes, h2, hyper and 2 more): the index could not be read: index.crates.io cannot be reached (ENOTFOUND)',
    ]);
  });

  it('keeps a single failed lookup on its own line with its version', () => {
    expect(notCoveredLines([failed('hyper', 'the index could not be read: HTTP 503')])).toEqual(['hyper 1.0.0: the index could not be read: HTTP 503']);
  });
});

describe('plural', () => {
  it.each([
    [1, 'advisory', '1 advisory'],
    [2, 'advisory', '2 advisories'],
    [3, 'day', '3 days'],
    [0, 'key', '0 keys'],
    [2, 'finding', '2 findings'],
  ])('writes %i %s as "%s"', (count, word, expected) => {
    expect(plural(count, word)).toBe(expected);
  });
});
