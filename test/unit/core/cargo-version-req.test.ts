import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { isCargoCompatible, parseCargoReq, type Comparator } from '../../../functions/core/cargo-version-req.ts';
import { VersionReqError } from '../../../functions/core/errors.ts';

/** A comparator as parseCargoReq gives it: the parts a requirement leaves out stay absent. */
function c(op: Comparator['op'], major: number, minor?: number, patch?: number, pre = ''): Comparator {
  return { op, major, ...(minor === undefined ? {} : { minor }), ...(patch === undefined ? {} : { patch }), pre };
}

describe('parseCargoReq', () => {
  it.each([
    ['1.2.3', [c('^', 1, 2, 3)]],
    ['1.2', [c('^', 1, 2)]],
    ['1', [c('^', 1)]],
    ['^1.2.3', [c('^', 1, 2, 3)]],
    ['^ 0.30.2', [c('^', 0, 30, 2)]],
    ['=1.2.3', [c('=', 1, 2, 3)]],
    ['= 1.2', [c('=', 1, 2)]],
    ['>1.2', [c('>', 1, 2)]],
    ['>=1.2.3, <1.5', [c('>=', 1, 2, 3), c('<', 1, 5)]],
    ['>= 0.8.26 , < 1.0.0', [c('>=', 0, 8, 26), c('<', 1, 0, 0)]],
    ['<=1.2', [c('<=', 1, 2)]],
    ['~1.2.3', [c('~', 1, 2, 3)]],
    ['~1', [c('~', 1)]],
    ['*', [c('*', 0)]],
    ['1.*', [c('x', 1)]],
    ['1.2.*', [c('x', 1, 2)]],
    ['1.2.x', [c('x', 1, 2)]],
    ['>= 0.10.0-alpha.2', [c('>=', 0, 10, 0, 'alpha.2')]],
    ['1.0.0+build.5', [c('^', 1, 0, 0)]],
  ])('reads "%s" as %j', (req, expected) => {
    expect(parseCargoReq(req)).toEqual(expected);
  });

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
