import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { affectedRanges, compareVersions, isAffected } from '../../../functions/core/advisory-ranges.ts';
import { VersionReqError } from '../../../functions/core/errors.ts';

const affected = (version: string, patched: string[], unaffected: string[] = []) =>
  isAffected(new semver.SemVer(version), affectedRanges(patched, unaffected));

const show = (patched: string[], unaffected: string[] = []) =>
  affectedRanges(patched, unaffected).map((r) => `[${r.introduced?.version ?? '0'}, ${r.fixed?.version ?? '∞'})`);

describe('affectedRanges (rustsec semantics)', () => {
  it('affects every version when patched and unaffected are both empty', () => {
    expect(show([])).toEqual(['[0, ∞)']);
    expect(affected('0.0.1', [])).toBe(true);
    expect(affected('99.0.0-rc.1', [])).toBe(true);
  });

  it('ends a caret interval just before the next breaking version\'s first prerelease', () => {
    expect(show(['^0.7.1', '>= 0.8.1'])).toEqual(['[0, 0.7.1)', '[0.8.0-0, 0.8.1)']);
    expect(show(['^1.2.3'])).toEqual(['[0, 1.2.3)', '[2.0.0-0, ∞)']);
    expect(show(['^0.0.3'])).toEqual(['[0, 0.0.3)', '[0.0.4-0, ∞)']);
  });

  it('pads partial versions with zeros for every operator', () => {
    expect(show(['>= 0.10'])).toEqual(['[0, 0.10.0)']);
    // rustsec reads "> 1.2" as "> 1.2.0", unlike Cargo, where 1.2.5 would not match "> 1.2"
    expect(show(['> 1.2'])).toEqual(['[0, 1.2.1-0)']);
    expect(affected('1.2.5', ['> 1.2'])).toBe(false);
    expect(show(['=1.0'], [])).toEqual(['[0, 1.0.0)', '[1.0.1-0, ∞)']);
    expect(show(['^0'])).toEqual(['[0, 0.0.0)', '[1.0.0-0, ∞)']);
    expect(show(['~1'])).toEqual(['[0, 1.0.0)', '[2.0.0-0, ∞)']);
    expect(show(['~1.2'])).toEqual(['[0, 1.2.0)', '[1.3.0-0, ∞)']);
  });

  it('turns inclusive upper bounds into the successor and exclusive lower bounds likewise', () => {
    expect(show(['>= 1.2.3'], ['<= 0.1.2'])).toEqual(['[0.1.3-0, 1.2.3)']);
    expect(show(['> 1.2.3'], ['< 0.5.0'])).toEqual(['[0.5.0, 1.2.4-0)']);
  });

  it('orders the example advisory\'s ranges by their start', () => {
    expect(show(['>= 1.2.3, < 1.3.0', '>= 1.3.4'], ['<= 0.1.2'])).toEqual(['[0.1.3-0, 1.2.3)', '[1.3.0, 1.3.4)']);
  });

  it.each([
    // prereleases are plain points on the precedence line: not excluded as in Cargo or npm
    ['0.11.0-rc.6', ['>= 0.8.1'], [], false],
    ['0.8.1-alpha', ['>= 0.8.1'], [], true],
    ['0.10.0-alpha.1', ['^0.9.2', '>= 0.10.0-alpha.2'], [], true],
    ['0.10.0-alpha.2', ['^0.9.2', '>= 0.10.0-alpha.2'], [], false],
    ['0.10.0-beta', ['^0.9.2', '>= 0.10.0-alpha.2'], [], false],
    ['1.0.0-alpha.1', ['>= 0.9.0'], [], false],
    // a prerelease of the next breaking line is outside "^0.9.2": affected
    ['0.10.0-0', ['^0.9.2', '>= 0.10.1'], [], true],
    ['0.9.5', ['^0.9.2', '>= 0.10.1'], [], false],
    ['0.9.1', ['^0.9.2', '>= 0.10.1'], [], true],
    // unaffected-only
    ['1.0.69', [], ['< 1.0.50', '>= 2.0.0'], true],
    ['2.0.12', [], ['< 1.0.50', '>= 2.0.0'], false],
    ['1.0.49', [], ['< 1.0.50', '>= 2.0.0'], false],
    // exact unaffected versions
    ['0.2.3', ['>= 0.2.23'], ['= 0.2.0', '= 0.2.1', '= 0.2.3'], false],
    ['0.2.2', ['>= 0.2.23'], ['= 0.2.0', '= 0.2.1', '= 0.2.3'], true],
    ['0.1.45', ['>= 0.2.23'], ['= 0.2.0'], true],
    // "*" leaves nothing affected
    ['5.0.0', ['*'], [], false],
  ])('%s with patched %j and unaffected %j is affected: %s', (version, patched, unaffected, expected) => {
    expect(affected(version, patched, unaffected)).toBe(expected);
  });

  it.each([
    [['>= 1.0.0', '>= 1.2.0'], 'overlap'],
    [['^1.2', '>= 1.5.0'], 'overlap'],
    [['<= 1.0.0', '>= 1.0.0'], 'overlap'],
    [['>= 1.0, >= 2.0'], 'more than one lower bound'],
    [['< 1.0, <= 2.0'], 'more than one upper bound'],
    [['^1.2, < 1.5'], 'must be alone'],
    [['>= 1.0, < 2.0, < 3.0'], 'more than two comparators'],
    [['1.*'], 'wildcards are not supported'],
    [['>= 2.0.0, < 1.0.0'], 'lower bound is above'],
  ])('rejects %j (%s), as rustsec does', (patched, reason) => {
    expect(() => affectedRanges(patched, [])).toThrow(VersionReqError);
    expect(() => affectedRanges(patched, [])).toThrow(reason);
  });

  it('accepts back-to-back ranges that touch, leaving an empty interval between them as rustsec does', () => {
    expect(show(['>= 1.2.3'], ['< 1.2.3'])).toEqual(['[1.2.3, 1.2.3)']);
    expect(affected('1.2.2', ['>= 1.2.3'], ['< 1.2.3'])).toBe(false);
    expect(affected('1.2.3', ['>= 1.2.3'], ['< 1.2.3'])).toBe(false);
  });
});

describe('compareVersions', () => {
  it.each([
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0', '1.0.0+build', -1],
    ['1.0.0+a', '1.0.0+b', -1],
    ['1.2.3', '1.2.3', 0],
  ])('orders %s before %s (%i) by precedence, then build metadata', (a, b, sign) => {
    expect(Math.sign(compareVersions(new semver.SemVer(a), new semver.SemVer(b)))).toBe(sign);
    expect(Math.sign(compareVersions(new semver.SemVer(b), new semver.SemVer(a)))).toBe(-sign + 0);
  });
});
