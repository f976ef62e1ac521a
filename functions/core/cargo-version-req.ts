// Cargo version requirements: parsing the syntax Cargo accepts into comparators (the
// advisory ranges are built from them), and Cargo's semver compatibility of two versions.
import type semver from 'semver';
import { VersionReqError } from './errors.ts';

/** `*` is a bare star (any version); `x` is a wildcard after a major (`1.*`, `1.2.x`). */
export type ComparatorOp = '=' | '>' | '>=' | '<' | '<=' | '~' | '^' | '*' | 'x';

/**
 * One comparator of a requirement. `minor`/`patch` are absent when the requirement
 * leaves them out (`1.2`, `1.*`); `pre` is the prerelease text without the dash.
 * A bare `*` has `major: 0` and no minor or patch.
 */
export interface Comparator {
  op: ComparatorOp;
  major: number;
  minor?: number;
  patch?: number;
  pre: string;
}

const COMPARATOR = /^(=|>=|>|<=|<|~|\^)?\s*(.*)$/;
const NUMBER = /^(0|[1-9]\d*)$/;
const WILDCARD = /^[*xX]$/;
const IDENTIFIERS = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;

function parseNumber(part: string, input: string): number {
  if (!NUMBER.test(part)) throw new VersionReqError(input, `"${part}" is not a version number`);
  const value = Number(part);
  if (!Number.isSafeInteger(value)) throw new VersionReqError(input, `"${part}" is too large`);
  return value;
}

function parseComparator(text: string, input: string): Comparator {
  const match = COMPARATOR.exec(text.trim());
  const [, opText, rest = ''] = match ?? [];
  if (rest === '') throw new VersionReqError(input, 'a comparator has no version');
  if (WILDCARD.test(rest)) {
    if (opText !== undefined && opText !== '=') throw new VersionReqError(input, `"${opText}" cannot be used with "*"`);
    return { op: '*', major: 0, pre: '' };
  }
  const withoutBuild = rest.split('+', 1)[0] ?? '';
  const dash = withoutBuild.indexOf('-');
  const core = dash === -1 ? withoutBuild : withoutBuild.slice(0, dash);
  const pre = dash === -1 ? '' : withoutBuild.slice(dash + 1);
  const parts = core.split('.');
  if (parts.length > 3) throw new VersionReqError(input, `"${rest}" has more than three version parts`);
  const [majorText = '', minorText, patchText] = parts;
  const major = parseNumber(majorText, input);
  let wildcard = false;
  let minor: number | undefined;
  let patch: number | undefined;
  if (minorText !== undefined) {
    if (WILDCARD.test(minorText)) wildcard = true;
    else minor = parseNumber(minorText, input);
  }
  if (patchText !== undefined) {
    if (WILDCARD.test(patchText)) wildcard = true;
    else if (wildcard) throw new VersionReqError(input, `"${rest}" has a number after a wildcard`);
    else patch = parseNumber(patchText, input);
  }
  if (pre !== '') {
    if (patch === undefined) throw new VersionReqError(input, `a prerelease needs a full version (major.minor.patch) in "${rest}"`);
    if (!IDENTIFIERS.test(pre)) throw new VersionReqError(input, `"${pre}" is not a valid prerelease`);
  }
  if (wildcard) {
    if (opText !== undefined && opText !== '=') throw new VersionReqError(input, `"${opText}" cannot be used with a wildcard`);
    return minor === undefined ? { op: 'x', major, pre: '' } : { op: 'x', major, minor, pre: '' };
  }
  const op: ComparatorOp = (opText as ComparatorOp | undefined) ?? '^';
  const comparator: Comparator = { op, major, pre };
  if (minor !== undefined) comparator.minor = minor;
  if (patch !== undefined) comparator.patch = patch;
  return comparator;
}

/**
 * Parses a Cargo requirement into its comparators. A bare version is a caret
 * requirement, as in Cargo: `parseCargoReq('1.2')` gives `[{ op: '^', major: 1, minor: 2 }]`.
 * Throws VersionReqError for syntax Cargo rejects.
 */
export function parseCargoReq(input: string): Comparator[] {
  const trimmed = input.trim();
  if (trimmed === '') throw new VersionReqError(input, 'it is empty');
  if (trimmed === '*') return [{ op: '*', major: 0, pre: '' }];
  return trimmed.split(',').map((part) => parseComparator(part, input));
}

/**
 * Whether two versions are semver-compatible in Cargo's sense (`^` of the first
 * admits the second's release line): same major, or same minor under 0.x, or the
 * same patch under 0.0.x.
 */
export function isCargoCompatible(a: semver.SemVer, b: semver.SemVer): boolean {
  if (a.major !== b.major) return false;
  if (a.major > 0) return true;
  if (a.minor !== b.minor) return false;
  if (a.minor > 0) return true;
  return a.patch === b.patch;
}
