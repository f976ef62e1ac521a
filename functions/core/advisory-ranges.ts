// Affected version ranges with the semantics of the `rustsec` crate: the `patched` and
// `unaffected` requirements of an advisory become non-overlapping unaffected intervals,
// padded and ordered by plain semver precedence, and everything outside them is affected.
// Prereleases are ordinary points on that line: they are not excluded as in Cargo matching.
import semver from 'semver';
import { parseCargoReq, type Comparator } from './cargo-version-req.ts';
import { VersionReqError } from './errors.ts';

const { SemVer } = semver;
type SemVer = semver.SemVer;

interface Bound {
  version: SemVer;
  inclusive: boolean;
}

/** An unaffected interval; `undefined` bounds are unbounded. */
interface UnaffectedRange {
  requirement: string;
  start: Bound | undefined;
  end: Bound | undefined;
}

/** A `[introduced, fixed)` interval of affected versions; absent ends are unbounded. */
export interface AffectedRange {
  introduced?: SemVer;
  fixed?: SemVer;
}

/**
 * Total order of versions as Rust's `semver::Version` has it: precedence first,
 * then build metadata (none sorts before any).
 */
export function compareVersions(a: SemVer, b: SemVer): number {
  const byPrecedence = a.compare(b);
  if (byPrecedence !== 0) return byPrecedence;
  if (a.build.length === 0 && b.build.length === 0) return 0;
  if (a.build.length === 0) return -1;
  if (b.build.length === 0) return 1;
  return a.compareBuild(b);
}

function padded(c: Comparator): SemVer {
  const text = `${c.major}.${c.minor ?? 0}.${c.patch ?? 0}${c.pre === '' ? '' : `-${c.pre}`}`;
  return new SemVer(text);
}

/** The first version of the next breaking line, as its lowest prerelease (`2.0.0-0`). */
function caretEnd(c: Comparator): SemVer {
  let text: string;
  if (c.major > 0) text = `${c.major + 1}.0.0`;
  else if (c.minor === undefined) text = '1.0.0';
  else if (c.minor === 0 && c.patch !== undefined) text = `0.0.${c.patch + 1}`;
  else text = `0.${c.minor + 1}.0`;
  return new SemVer(`${text}-0`);
}

function tildeEnd(c: Comparator): SemVer {
  const text = c.minor === undefined ? `${c.major + 1}.0.0` : `${c.major}.${c.minor + 1}.0`;
  return new SemVer(`${text}-0`);
}

/** `start <= end` for a start bound and an end bound, as rustsec defines it. */
function startNotAfterEnd(start: Bound | undefined, end: Bound | undefined): boolean {
  if (start === undefined || end === undefined) return true;
  const order = compareVersions(start.version, end.version);
  if (order < 0) return true;
  return order === 0 && start.inclusive && end.inclusive;
}

function toUnaffectedRange(requirement: string): UnaffectedRange {
  const comparators = parseCargoReq(requirement);
  if (comparators.length > 2) throw new VersionReqError(requirement, 'more than two comparators in one requirement');
  const range: UnaffectedRange = { requirement, start: undefined, end: undefined };
  const alone = (what: string): void => {
    if (comparators.length !== 1) throw new VersionReqError(requirement, `${what} must be alone in its requirement`);
  };
  const setStart = (bound: Bound): void => {
    if (range.start !== undefined) throw new VersionReqError(requirement, 'more than one lower bound');
    range.start = bound;
  };
  const setEnd = (bound: Bound): void => {
    if (range.end !== undefined) throw new VersionReqError(requirement, 'more than one upper bound');
    range.end = bound;
  };
  for (const c of comparators) {
    switch (c.op) {
      case '>': setStart({ version: padded(c), inclusive: false }); break;
      case '>=': setStart({ version: padded(c), inclusive: true }); break;
      case '<': setEnd({ version: padded(c), inclusive: false }); break;
      case '<=': setEnd({ version: padded(c), inclusive: true }); break;
      case '=':
        alone('an exact version (=)');
        range.start = { version: padded(c), inclusive: true };
        range.end = { version: padded(c), inclusive: true };
        break;
      case '^':
        alone('a caret requirement (^)');
        range.start = { version: padded(c), inclusive: true };
        range.end = { version: caretEnd(c), inclusive: false };
        break;
      case '~':
        alone('a tilde requirement (~)');
        range.start = { version: padded(c), inclusive: true };
        range.end = { version: tildeEnd(c), inclusive: false };
        break;
      case '*':
        break;
      case 'x':
        throw new VersionReqError(requirement, 'wildcards are not supported in advisories');
    }
  }
  if (!startNotAfterEnd(range.start, range.end)) throw new VersionReqError(requirement, 'its lower bound is above its upper bound');
  return range;
}

/** The lowest version above `v` in semver precedence: `1.2.3` → `1.2.4-0`, `1.0.0-rc.1` → `1.0.0-rc.1.0`. */
function successor(v: SemVer): SemVer {
  const base = `${v.major}.${v.minor}.${v.patch}`;
  if (v.prerelease.length === 0) return new SemVer(`${v.major}.${v.minor}.${v.patch + 1}-0`);
  return new SemVer(`${base}-${v.prerelease.join('.')}.0`);
}

/**
 * Turns an advisory's `patched` and `unaffected` requirements into the affected ranges.
 * Both empty: every version is affected. Throws VersionReqError on syntax rustsec
 * rejects or on overlapping requirements (rustsec rejects such advisories).
 */
export function affectedRanges(patched: readonly string[], unaffected: readonly string[]): AffectedRange[] {
  const ranges = [...unaffected, ...patched].map(toUnaffectedRange);
  if (ranges.length === 0) return [{}];
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (startNotAfterEnd(a.start, b.end) && startNotAfterEnd(b.start, a.end)) {
        throw new VersionReqError(`${a.requirement}" and "${b.requirement}`, 'the requirements overlap');
      }
    }
  }
  ranges.sort((a, b) => {
    if (a.start === undefined) return -1;
    if (b.start === undefined) return 1;
    return compareVersions(a.start.version, b.start.version);
  });
  const result: AffectedRange[] = [];
  const first = ranges[0]!;
  if (first.start !== undefined) {
    result.push({ fixed: first.start.inclusive ? first.start.version : successor(first.start.version) });
  }
  for (let i = 0; i + 1 < ranges.length; i++) {
    const end = ranges[i]!.end!;
    const nextStart = ranges[i + 1]!.start!;
    result.push({
      introduced: end.inclusive ? successor(end.version) : end.version,
      fixed: nextStart.inclusive ? nextStart.version : successor(nextStart.version),
    });
  }
  const last = ranges[ranges.length - 1]!;
  if (last.end !== undefined) {
    result.push({ introduced: last.end.inclusive ? successor(last.end.version) : last.end.version });
  }
  return result;
}

/** True when `version` lies in `[introduced, fixed)`. */
export function rangeContains(range: AffectedRange, version: SemVer): boolean {
  return (
    (range.introduced === undefined || compareVersions(version, range.introduced) >= 0) &&
    (range.fixed === undefined || compareVersions(version, range.fixed) < 0)
  );
}

/** True when `version` falls inside one of the affected ranges. */
export function isAffected(version: SemVer, ranges: readonly AffectedRange[]): boolean {
  return ranges.some((r) => rangeContains(r, version));
}
