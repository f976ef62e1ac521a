import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { cargoReqToNpmRange, isCargoCompatible, parseCargoReq, satisfiesCargoReq } from '../../../functions/core/cargo-version-req.ts';
import { VersionReqError } from '../../../functions/core/errors.ts';

describe('cargoReqToNpmRange', () => {
  it.each([
    ['1.2.3', '^1.2.3'],
    ['1.2', '^1.2'],
    ['1', '^1'],
    ['^1.2.3', '^1.2.3'],
    ['^ 0.30.2', '^0.30.2'],
    ['=1.2.3', '=1.2.3'],
    ['= 1.2', '=1.2'],
    ['>1.2', '>1.2'],
    ['>=1.2.3, <1.5', '>=1.2.3 <1.5'],
    ['>= 0.8.26 , < 1.0.0', '>=0.8.26 <1.0.0'],
    ['<=1.2', '<=1.2'],
    ['~1.2.3', '~1.2.3'],
    ['~1', '~1'],
    ['*', '*'],
    ['1.*', '1.x'],
    ['1.2.*', '1.2.x'],
    ['1.2.x', '1.2.x'],
    ['>= 0.10.0-alpha.2', '>=0.10.0-alpha.2'],
    ['1.0.0+build.5', '^1.0.0'],
  ])('turns "%s" into "%s"', (req, expected) => {
    expect(cargoReqToNpmRange(req)).toBe(expected);
  });
});

describe('satisfiesCargoReq (Cargo meaning)', () => {
  it.each([
    // bare and caret requirements
    ['1.2.3', '1.2.3', true],
    ['1.9.0', '1.2.3', true],
    ['2.0.0', '1.2.3', false],
    ['1.2.2', '1.2.3', false],
    ['0.2.9', '0.2.3', true],
    ['0.3.0', '0.2.3', false],
    ['0.0.3', '0.0.3', true],
    ['0.0.4', '0.0.3', false],
    ['0.0.9', '0.0', true],
    ['0.1.0', '0.0', false],
    ['0.9.9', '0', true],
    ['1.0.0', '0', false],
    // tilde
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.9.0', '~1', true],
    ['2.0.0', '~1', false],
    // comparators with partial versions
    ['1.3.0', '>1.2', true],
    ['1.2.9', '>1.2', false],
    ['1.2.9', '<=1.2', true],
    ['1.3.0', '<=1.2', false],
    ['1.2.7', '=1.2', true],
    ['1.3.0', '=1.2', false],
    ['1.4.0', '>=1.2.3, <1.5', true],
    ['1.5.0', '>=1.2.3, <1.5', false],
    // wildcards
    ['1.7.0', '1.*', true],
    ['2.0.0', '1.*', false],
    ['1.2.9', '1.2.*', true],
    ['123.4.5', '*', true],
    // prereleases match only a comparator naming the same major.minor.patch with a prerelease
    ['1.0.0-alpha.1', '1.0.0', false],
    ['1.0.0-beta', '1.0.0-alpha', true],
    ['1.1.0-beta', '1.0.0-alpha', false],
    ['1.0.0-rc.1', '>=0.9', false],
  ])('%s satisfies "%s": %s', (version, req, expected) => {
    expect(satisfiesCargoReq(version, req)).toBe(expected);
  });
});

describe('parseCargoReq', () => {
  it('keeps partial versions partial so callers can pad or not', () => {
    expect(parseCargoReq('>= 1.2')).toEqual([{ op: '>=', major: 1, minor: 2, pre: '' }]);
    expect(parseCargoReq('~0.3.1-rc.2')).toEqual([{ op: '~', major: 0, minor: 3, patch: 1, pre: 'rc.2' }]);
  });

  it.each([
    ['', 'empty'],
    ['abc', 'not a version number'],
    ['1.2.3.4', 'more than three'],
    ['>=1.2,', 'no version'],
    ['01.2.3', 'not a version number'],
    ['1.2-beta', 'full version'],
    ['>1.*', 'cannot be used with a wildcard'],
    ['1.*.3', 'number after a wildcard'],
  ])('rejects "%s" (%s)', (req, reason) => {
    expect(() => parseCargoReq(req)).toThrow(VersionReqError);
    expect(() => parseCargoReq(req)).toThrow(reason);
  });
});

describe('isCargoCompatible', () => {
  it.each([
    ['1.2.3', '1.9.0', true],
    ['1.2.3', '2.0.0', false],
    ['0.2.3', '0.2.9', true],
    ['0.2.3', '0.3.0', false],
    ['0.0.3', '0.0.4', false],
    ['0.0.3', '0.0.3', true],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(isCargoCompatible(new semver.SemVer(a), new semver.SemVer(b))).toBe(expected);
  });
});
