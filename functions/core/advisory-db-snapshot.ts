// A parsed advisory database as plain JSON, affected ranges already compiled, so that a run
// can load the database it compiled last time instead of parsing ~1,200 Markdown files again.
import semver from 'semver';
import type { Advisory, AdvisoryDb, AdvisoryDiagnostic, AffectedQualifiers } from './advisory.ts';
import type { AffectedRange } from './advisory-ranges.ts';
import type { CvssScore } from './severity.ts';

const { SemVer } = semver;
type SemVer = semver.SemVer;

export const SNAPSHOT_FORMAT = 'cratewatch-advisory-db';
/** Raised whenever the shape below changes: an older file is then refused and compiled again. */
export const SNAPSHOT_VERSION = 1;

/** An affected range with its ends as version strings (`1.2.4-0`). */
export interface SnapshotRange {
  introduced?: string;
  fixed?: string;
}

export type SnapshotAdvisory = Omit<Advisory, 'ranges'> & { ranges: SnapshotRange[] };

/** What a snapshot file holds: JSON all through. */
export interface AdvisoryDbSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** The cratewatch version that wrote it: another version compiles again rather than trust its parser's output. */
  producer: string;
  /** What the database was compiled from (a hash of its archive or files): the cache key. */
  fingerprint: string;
  revision: string;
  advisoryCount: number;
  diagnostics: AdvisoryDiagnostic[];
  /** `byPackage` in its order: package name, then its advisories. */
  packages: [string, SnapshotAdvisory[]][];
}

/** Who wrote a snapshot and from what: a snapshot is used only when both match. */
export interface SnapshotKey {
  producer: string;
  fingerprint: string;
}

/**
 * Keeps compiled databases between runs, one per place a database comes from (a path or
 * URL), under the fingerprint of the files or archive it was compiled from.
 */
export interface CompiledAdvisoryDbCache {
  /** The database compiled from `fingerprint` at `location`; undefined when there is none (or it is unusable). */
  get(location: string, fingerprint: string): Promise<AdvisoryDb | undefined>;
  /** Keeps `db`, compiled from `fingerprint`, in place of what `location` had. */
  put(location: string, fingerprint: string, db: AdvisoryDb): Promise<void>;
}

/** A snapshot that cannot be used: another format or version, another key, or a damaged file. */
export class AdvisoryDbSnapshotError extends Error {
  override name = 'AdvisoryDbSnapshotError';
}

/** Rust's `semver::Version` text: the precedence part and the build metadata. */
function versionText(v: SemVer): string {
  return v.build.length === 0 ? v.version : `${v.version}+${v.build.join('.')}`;
}

function snapshotRange(range: AffectedRange): SnapshotRange {
  const out: SnapshotRange = {};
  if (range.introduced !== undefined) out.introduced = versionText(range.introduced);
  if (range.fixed !== undefined) out.fixed = versionText(range.fixed);
  return out;
}

/** The database as plain JSON (`fetchedAt` is left out: it belongs to the copy, not its contents). */
export function snapshotAdvisoryDb(db: AdvisoryDb, key: SnapshotKey): AdvisoryDbSnapshot {
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    producer: key.producer,
    fingerprint: key.fingerprint,
    revision: db.revision,
    advisoryCount: db.advisoryCount,
    diagnostics: db.diagnostics.map((d) => ({ path: d.path, message: d.message })),
    packages: [...db.byPackage].map(([name, advisories]) => [name, advisories.map((a) => ({ ...a, ranges: a.ranges.map(snapshotRange) }))]),
  };
}

function fail(at: string, expected: string): never {
  throw new AdvisoryDbSnapshotError(`${at}: expected ${expected}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, at: string): Record<string, unknown> {
  return isObject(value) ? value : fail(at, 'an object');
}

function array(value: unknown, at: string): unknown[] {
  return Array.isArray(value) ? value : fail(at, 'a list');
}

function string(value: unknown, at: string): string {
  return typeof value === 'string' ? value : fail(at, 'a string');
}

function strings(value: unknown, at: string): string[] {
  if (!Array.isArray(value)) fail(at, 'a list of strings');
  for (const item of value) if (typeof item !== 'string') fail(at, 'a list of strings');
  return value as string[];
}

function version(value: unknown, at: string): SemVer {
  try {
    return new SemVer(string(value, at));
  } catch (error) {
    if (error instanceof AdvisoryDbSnapshotError) throw error;
    return fail(at, 'a semver version');
  }
}

const CVSS_VERSIONS: readonly string[] = ['3.0', '3.1', '4.0'] satisfies CvssScore['version'][];

function restoreCvss(value: unknown, at: string): CvssScore {
  const o = object(value, at);
  const v = string(o.version, `${at}.version`);
  if (!CVSS_VERSIONS.includes(v)) fail(`${at}.version`, `one of ${CVSS_VERSIONS.join(', ')}`);
  if (typeof o.score !== 'number' || !Number.isFinite(o.score)) fail(`${at}.score`, 'a number');
  return { vector: string(o.vector, `${at}.vector`), version: v as CvssScore['version'], score: o.score };
}

function restoreAffected(value: unknown, at: string): AffectedQualifiers {
  const o = object(value, at);
  const functions: Record<string, string[]> = {};
  for (const [name, reqs] of Object.entries(object(o.functions, `${at}.functions`))) functions[name] = strings(reqs, `${at}.functions.${name}`);
  return { arch: strings(o.arch, `${at}.arch`), os: strings(o.os, `${at}.os`), functions };
}

const OPTIONAL_STRINGS = ['url', 'informational', 'withdrawn', 'license', 'source'] as const;

/** One advisory, its keys in the order `parseAdvisory` gives them (results are serialised in that order). */
function restoreAdvisory(value: unknown, at: string): Advisory {
  const o = object(value, at);
  const ranges: AffectedRange[] = array(o.ranges, `${at}.ranges`).map((r, i) => {
    const range = object(r, `${at}.ranges[${i}]`);
    const out: AffectedRange = {};
    if (range.introduced !== undefined) out.introduced = version(range.introduced, `${at}.ranges[${i}].introduced`);
    if (range.fixed !== undefined) out.fixed = version(range.fixed, `${at}.ranges[${i}].fixed`);
    return out;
  });
  const advisory: Advisory = {
    id: string(o.id, `${at}.id`),
    package: string(o.package, `${at}.package`),
    date: string(o.date, `${at}.date`),
    references: strings(o.references, `${at}.references`),
    categories: strings(o.categories, `${at}.categories`),
    keywords: strings(o.keywords, `${at}.keywords`),
    aliases: strings(o.aliases, `${at}.aliases`),
    related: strings(o.related, `${at}.related`),
    patched: strings(o.patched, `${at}.patched`),
    unaffected: strings(o.unaffected, `${at}.unaffected`),
    ranges,
    title: string(o.title, `${at}.title`),
    description: string(o.description, `${at}.description`),
    path: string(o.path, `${at}.path`),
  };
  for (const key of OPTIONAL_STRINGS) {
    if (o[key] !== undefined) advisory[key] = string(o[key], `${at}.${key}`);
  }
  if (o.cvss !== undefined) advisory.cvss = restoreCvss(o.cvss, `${at}.cvss`);
  if (o.affected !== undefined) advisory.affected = restoreAffected(o.affected, `${at}.affected`);
  return advisory;
}

/**
 * The database a snapshot holds. Throws AdvisoryDbSnapshotError, naming the field, when it is
 * another format or version, was written by another cratewatch or from another fingerprint,
 * or is damaged: the caller then parses the database as if there were no snapshot.
 */
export function restoreAdvisoryDb(value: unknown, key: SnapshotKey): AdvisoryDb {
  const doc = object(value, 'snapshot');
  if (doc.format !== SNAPSHOT_FORMAT) fail('snapshot.format', JSON.stringify(SNAPSHOT_FORMAT));
  if (doc.version !== SNAPSHOT_VERSION) throw new AdvisoryDbSnapshotError(`snapshot.version: ${JSON.stringify(doc.version)}, this cratewatch reads version ${SNAPSHOT_VERSION}`);
  if (doc.producer !== key.producer) throw new AdvisoryDbSnapshotError(`snapshot.producer: written by cratewatch ${JSON.stringify(doc.producer)}, this is ${key.producer}`);
  if (doc.fingerprint !== key.fingerprint) throw new AdvisoryDbSnapshotError(`snapshot.fingerprint: compiled from ${JSON.stringify(doc.fingerprint)}, the database is now ${key.fingerprint}`);
  const advisoryCount = doc.advisoryCount;
  if (typeof advisoryCount !== 'number' || !Number.isInteger(advisoryCount) || advisoryCount < 0) fail('snapshot.advisoryCount', 'a whole number');
  const diagnostics = array(doc.diagnostics, 'snapshot.diagnostics').map((d, i) => {
    const o = object(d, `snapshot.diagnostics[${i}]`);
    return { path: string(o.path, `snapshot.diagnostics[${i}].path`), message: string(o.message, `snapshot.diagnostics[${i}].message`) };
  });
  const byPackage = new Map<string, Advisory[]>();
  let crateAdvisories = 0;
  array(doc.packages, 'snapshot.packages').forEach((entry, i) => {
    const at = `snapshot.packages[${i}]`;
    const pair = array(entry, at);
    if (pair.length !== 2) fail(at, 'a [name, advisories] pair');
    const name = string(pair[0], `${at}[0]`);
    if (byPackage.has(name)) fail(`${at}[0]`, `a package named once, not "${name}" again`);
    const advisories = array(pair[1], `${at}[1]`).map((a, j) => restoreAdvisory(a, `${at}[1][${j}]`));
    for (const [j, a] of advisories.entries()) if (a.package !== name) fail(`${at}[1][${j}].package`, `"${name}"`);
    crateAdvisories += advisories.length;
    byPackage.set(name, advisories);
  });
  if (crateAdvisories > advisoryCount) fail('snapshot.advisoryCount', `at least the ${crateAdvisories} crate advisories listed`);
  return { revision: string(doc.revision, 'snapshot.revision'), byPackage, advisoryCount, diagnostics, fetchedAt: null };
}
