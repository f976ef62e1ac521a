// What a Cargo requirement admits, with Cargo's matching rules: each comparator becomes a
// `semver` range (prereleases match only a comparator with the same major.minor.patch and a
// prerelease, as in Cargo), plus its lowest admitted version and whether it has a ceiling.
import semver from 'semver';
import { parseCargoReq, type Comparator } from './cargo-version-req.ts';

function lowest(c: Comparator): string {
  return `${c.major}.${c.minor ?? 0}.${c.patch ?? 0}${c.pre === '' ? '' : `-${c.pre}`}`;
}

/** The first version past the line a partial version names: `1` → `2.0.0`, `1.2` → `1.3.0`. */
function pastPartial(c: Comparator): string {
  if (c.minor === undefined) return `${c.major + 1}.0.0`;
  if (c.patch === undefined) return `${c.major}.${c.minor + 1}.0`;
  return `${c.major}.${c.minor}.${c.patch + 1}`;
}

function caretEnd(c: Comparator): string {
  if (c.major > 0 || c.minor === undefined) return `${c.major + 1}.0.0`;
  if (c.minor > 0 || c.patch === undefined) return `0.${c.minor + 1}.0`;
  return `0.0.${c.patch + 1}`;
}

function comparatorRange(c: Comparator): string {
  switch (c.op) {
    case '*':
      return '*';
    case 'x':
    case '=':
      return c.patch !== undefined && c.op === '=' ? `=${lowest(c)}` : `>=${lowest(c)} <${pastPartial(c)}`;
    case '^':
      return `>=${lowest(c)} <${caretEnd(c)}`;
    case '~':
      return `>=${lowest(c)} <${c.minor === undefined ? `${c.major + 1}.0.0` : `${c.major}.${c.minor + 1}.0`}`;
    case '>':
      return c.patch !== undefined ? `>${lowest(c)}` : `>=${pastPartial(c)}`;
    case '>=':
      return `>=${lowest(c)}`;
    case '<':
      return `<${lowest(c)}`;
    case '<=':
      return c.patch !== undefined ? `<=${lowest(c)}` : `<${pastPartial(c)}`;
  }
}

/**
 * The requirement as a `semver` range. Throws VersionReqError for syntax Cargo rejects.
 *
 * @example cargoReqRange('1.2').test('1.9.0') // true; cargoReqRange('0.4').test('0.5.0') // false
 */
export function cargoReqRange(requirement: string): semver.Range {
  return new semver.Range(parseCargoReq(requirement).map(comparatorRange).join(' '));
}

/** True when `version` satisfies the Cargo `requirement`. Throws VersionReqError on a bad requirement. */
export function admits(requirement: string, version: semver.SemVer | string): boolean {
  return cargoReqRange(requirement).test(version);
}

/** The lowest version the requirement admits (`>= 1.5, < 2` → 1.5.0; `*` and `< 2` → 0.0.0). */
export function lowerBound(requirement: string): semver.SemVer {
  let best = new semver.SemVer('0.0.0');
  for (const c of parseCargoReq(requirement)) {
    let at: string | undefined;
    if (c.op === '^' || c.op === '~' || c.op === '=' || c.op === '>=' || c.op === 'x') at = lowest(c);
    else if (c.op === '>') at = c.patch !== undefined ? `${c.major}.${c.minor}.${c.patch + 1}` : pastPartial(c);
    if (at !== undefined && semver.gt(at, best)) best = new semver.SemVer(at);
  }
  return best;
}

/** True when no comparator caps the requirement: `*`, `>= 1.2`, `> 0.3`. */
export function isUnbounded(requirement: string): boolean {
  return parseCargoReq(requirement).every((c) => c.op === '*' || c.op === '>' || c.op === '>=');
}

/** True when a comparator pins below the next compatible release (`=`, `~`, `<`, `<=`): a deliberate ceiling. */
export function hasTightCeiling(requirement: string): boolean {
  return parseCargoReq(requirement).some((c) => c.op === '=' || c.op === '~' || c.op === '<' || c.op === '<=');
}

/**
 * The caret requirement on a version's minor, as the "pin the workspace dependencies" runbook
 * writes it: 1.2.3 → "1.2", 0.4.7 → "0.4", 0.0.3 → "0.0.3" (under 0.0 the patch is the line).
 */
export function caretOnMinor(version: semver.SemVer): string {
  if (version.major === 0 && version.minor === 0) return `0.0.${version.patch}`;
  return `${version.major}.${version.minor}`;
}
