import { describe, expect, it } from 'vitest';
import { admits, caretOnMinor, hasTightCeiling, isUnbounded, lowerBound } from '../../../functions/core/cargo-req-range.ts';
import semver from 'semver';

describe('Cargo requirement matching', () => {
  it.each([
    ['1.2', '1.9.0', true],
    ['1.2', '2.0.0', false],
    ['1.2.3', '1.2.2', false],
    ['0.4', '0.4.28', true],
    ['0.4', '0.5.0', false],
    ['0.0.3', '0.0.4', false],
    ['~1.2', '1.3.0', false],
    ['~1', '1.9.0', true],
    ['=1.2', '1.2.9', true],
    ['>1.2', '1.2.9', false],
    ['>1.2', '1.3.0', true],
    ['<=1.2', '1.2.9', true],
    ['>= 1.4', '7.0.0', true],
    ['>= 1.2, < 2', '2.0.0', false],
    ['1.*', '1.5.0', true],
    ['*', '0.1.0', true],
    ['1', '2.0.0-alpha', false],
    ['1.0.0-rc.1', '1.0.0-rc.2', true],
  ])('%s admits %s: %s', (req, version, expected) => {
    expect(admits(req, version)).toBe(expected);
  });

  it.each([
    ['1.2.3', '1.2.3'],
    ['>= 1.5, < 2', '1.5.0'],
    ['*', '0.0.0'],
    ['< 2', '0.0.0'],
    ['>1.2', '1.3.0'],
    ['>1.2.3', '1.2.4'],
  ])('the lower bound of %s is %s', (req, expected) => {
    expect(lowerBound(req).version).toBe(expected);
  });

  it.each([
    ['*', true],
    ['>= 1.2', true],
    ['> 0.3', true],
    ['>= 1.2, < 2', false],
    ['1', false],
  ])('%s is unbounded: %s', (req, expected) => {
    expect(isUnbounded(req)).toBe(expected);
  });

  it.each([
    ['=1.2.3', true],
    ['~1.2', true],
    ['>= 1, < 1.5', true],
    ['1.2', false],
    ['>= 1', false],
  ])('%s has a tight ceiling: %s', (req, expected) => {
    expect(hasTightCeiling(req)).toBe(expected);
  });

  it.each([
    ['1.2.3', '1.2'],
    ['0.4.7', '0.4'],
    ['0.0.3', '0.0.3'],
  ])('caret on the minor of %s is %s', (version, expected) => {
    expect(caretOnMinor(new semver.SemVer(version))).toBe(expected);
  });
});
