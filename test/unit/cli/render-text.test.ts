import { describe, expect, it } from 'vitest';
import { plural } from '../../../functions/cli/render-text.ts';

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
