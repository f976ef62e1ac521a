import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { affectedRanges } from '../../../functions/core/advisory-ranges.ts';
import { affectedAgainFrom, findFix, firstUnaffectedFrom, nearestUnaffected } from '../../../functions/core/fix.ts';

const v = (text: string) => new semver.SemVer(text);

describe('findFix', () => {
  it('gives the cargo update command when the fix is semver-compatible with the locked version', () => {
    const fix = findFix('hyper', v('0.14.27'), affectedRanges(['>= 0.14.28'], []));
    expect(fix).toEqual({
      status: 'compatible',
      version: '0.14.28',
      command: 'cargo update -p hyper@0.14.27 --precise 0.14.28',
      summary: expect.stringContaining('cargo update -p hyper@0.14.27 --precise 0.14.28'),
    });
  });

  it('asks for a manifest bump when the nearest fix is on another breaking line', () => {
    const fix = findFix('time', v('0.1.45'), affectedRanges(['>= 0.2.23'], ['= 0.2.0', '= 0.2.1']));
    expect(fix.status).toBe('manifest-bump');
    expect(fix.version).toBe('0.2.0');
    expect(fix.command).toBeNull();
    expect(fix.summary).toContain('Cargo.toml');
  });

  it('says "or later" only when no later release is affected again', () => {
    expect(findFix('time', v('0.1.45'), affectedRanges(['>= 0.2.23'], [])).summary).toContain('to 0.2.23 or later:');
    const tokio = findFix('tokio', v('0.2.18'), affectedRanges(['>= 1.8.4, < 1.9.0', '>= 1.13.1'], []));
    expect(tokio.version).toBe('1.8.4');
    expect(tokio.summary).toContain('to 1.8.4 (not later: 1.9.0 and up are affected again until a later fix)');
    const time = findFix('time', v('0.1.39'), affectedRanges(['>= 0.2.23'], ['= 0.2.0', '= 0.2.1']));
    // [0.2.1-0, 0.2.1) holds only prereleases; 0.2.2 is the first release affected again
    expect(time.summary).toContain('to 0.2.0 (not later: 0.2.2 and up');
  });

  it('picks the nearest patched line above the locked version', () => {
    const ranges = affectedRanges(['>= 1.18.4, < 1.19.0', '>= 1.20.3, < 1.21.0', '>= 1.38.1'], []);
    expect(findFix('tokio', v('1.19.0'), ranges).version).toBe('1.20.3');
    expect(findFix('tokio', v('1.38.0'), ranges).version).toBe('1.38.1');
    expect(findFix('tokio', v('1.18.0'), ranges).command).toBe('cargo update -p tokio@1.18.0 --precise 1.18.4');
  });

  it('says there is no fixed version when every later version is affected', () => {
    expect(findFix('base64', v('0.21.7'), affectedRanges([], []))).toEqual({
      status: 'none',
      version: null,
      command: null,
      summary: 'No fixed version of base64 is known: remove it or replace it.',
    });
    expect(findFix('x', v('2.0.0'), affectedRanges([], ['< 1.0.0'])).status).toBe('none');
  });

  it('reads "> 1.2.3" as fixed in the release 1.2.4, not the prerelease 1.2.4-0', () => {
    expect(nearestUnaffected(v('1.2.0'), affectedRanges(['> 1.2.3'], []))?.version).toBe('1.2.4');
  });

  it('keeps a patched prerelease as the fix when that is what the advisory names', () => {
    expect(nearestUnaffected(v('0.10.0-alpha.1'), affectedRanges(['^0.9.2', '>= 0.10.0-alpha.2'], []))?.version).toBe('0.10.0-alpha.2');
  });

  it('treats 0.x minor lines and 0.0.x patches as breaking, as Cargo does', () => {
    expect(findFix('a', v('0.3.1'), affectedRanges(['>= 0.4.0'], [])).status).toBe('manifest-bump');
    expect(findFix('a', v('0.0.3'), affectedRanges(['>= 0.0.4'], [])).status).toBe('manifest-bump');
    expect(findFix('a', v('0.3.1'), affectedRanges(['>= 0.3.2'], [])).status).toBe('compatible');
  });

  it('chooses the smallest published, unaffected release above the locked one when the index is known', () => {
    const ranges = affectedRanges(['>= 1.2.3'], []);
    expect(nearestUnaffected(v('1.2.0'), ranges, ['1.2.1', '1.2.5', '1.3.0', '1.2.4', 'not-a-version'])?.version).toBe('1.2.4');
    expect(nearestUnaffected(v('1.2.0'), ranges, ['1.2.1', '1.2.2'])).toBeUndefined();
  });
});

describe('firstUnaffectedFrom', () => {
  const smallvec = [...affectedRanges(['>= 0.6.10'], ['< 0.6.5']), ...affectedRanges(['>= 0.6.14, < 1.0.0', '>= 1.6.1'], ['< 0.6.3'])];

  it.each([
    ['0.6.10', '0.6.14'],
    ['0.6.14', '0.6.14'],
    ['1.0.0', '1.6.1'],
    ['0.6.1', '0.6.1'],
  ])('climbs from %s to %s over the ranges of two advisories', (start, expected) => {
    expect(firstUnaffectedFrom(v(start), smallvec)?.version).toBe(expected);
  });

  it('gives undefined when an unbounded range holds the start', () => {
    expect(firstUnaffectedFrom(v('1.0.0'), [...affectedRanges(['>= 1.2.0'], []), ...affectedRanges([], ['< 1.1.0'])])).toBeUndefined();
  });

  it('lands on the release 1.2.4 when a range ends at 1.2.4-0 (from "> 1.2.3")', () => {
    expect(firstUnaffectedFrom(v('1.2.0'), affectedRanges(['> 1.2.3'], []))?.version).toBe('1.2.4');
  });
});

describe('affectedAgainFrom', () => {
  it('gives the first release a later range affects again, and undefined when none does', () => {
    const ranges = affectedRanges(['>= 0.2.23'], ['= 0.2.0', '= 0.2.1']);
    expect(affectedAgainFrom(v('0.2.0'), ranges)?.version).toBe('0.2.2');
    expect(affectedAgainFrom(v('0.2.23'), ranges)).toBeUndefined();
  });
});
