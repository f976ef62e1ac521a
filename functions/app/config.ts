// Loads and validates cratewatch.toml: one declarative schema, every problem reported at
// once with its file, line and field, so a person fixes the whole file in one go.
import { TomlDate } from 'smol-toml';
import { parseCargoReq } from '../core/cargo-version-req.ts';
import type { DuplicateAllowance } from '../core/duplicate-policy.ts';
import { ConfigError, type SourceLocation } from '../core/errors.ts';
import { DENY_KINDS, type Ignore } from '../core/policy.ts';
import type { RepoConfig, RepoLocation } from '../core/ports.ts';
import { DEFAULT_ADVISORY_DB_MAX_AGE_DAYS } from '../core/result.ts';
import type { Severity } from '../core/severity.ts';
import { formatTomlPath, indexTomlLines, parseTomlIn } from '../core/toml.ts';
import { DEFAULT_SOURCES } from './default-sources.ts';

export { DEFAULT_SOURCES };

export interface Config {
  /** The configuration file, as given; `path` repositories are relative to its directory. */
  file: string;
  repositories: RepoConfig[];
  /** `includeDev` (`[alerts] include_dev`): whether dev-only findings alert; absent means true. */
  alerts: { threshold: Severity; unscored: boolean; recipients: string[]; includeDev?: boolean };
  schedule: { expression: string; timezone: string };
  /** The report site: its public address (links in alerts and the feed) and, on AWS, how it is served. */
  site: { url: string | null; domain: string | null; certificateArn: string | null; allowCidrs: string[] };
  /** AWS-only settings: when history moves to cheaper storage and when it expires. */
  aws: { historyTransitionDays: number; historyExpirationDays: number };
  /** `advisoryDbMaxAgeDays`: a database older than this (a cached copy standing in for a failed download) makes results warn. */
  /**
   * `rustChannel`: the stable channel manifest the latest Rust is read from. `registries`:
   * container registry host (`docker.io`, `ghcr.io`, `registry.example.com:5000`) → the base
   * URL of its Docker Registry HTTP API v2, for mirrors; hosts not listed are asked at their own address.
   */
  sources: { advisoryDb: string; advisoryDbMaxAgeDays: number; index: string; githubApi: string; gitlabApi: string; rustChannel: string; registries: Record<string, string> };
  /** The toolchain check: Rust pins more than `maxReleasesBehind` stable releases behind are flagged; `baseImages`: check other base images' tags too. */
  toolchains: { maxReleasesBehind: number; baseImages: boolean };
  /** Never printed: `JSON.stringify` and `console.log` show `***` instead. */
  tokens: { github: string | null; gitlab: string | null };
  concurrency: number;
  indexConcurrency: number;
  timeoutMs: number;
  maxFileBytes: number;
}

export interface ConfigEnv {
  GITHUB_TOKEN?: string | undefined;
  GITLAB_TOKEN?: string | undefined;
}

/** Every problem found in a configuration; the message lists each as `file:line (field …): …`. */
export class ConfigErrors extends Error {
  override name = 'ConfigErrors';
  readonly problems: ConfigError[];
  constructor(problems: ConfigError[]) {
    const file = problems[0]?.location.file ?? 'configuration';
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    super(`${file} has ${count}:\n${problems.map((p) => `  ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}


/** Rust pins more than this many stable releases (six weeks each) behind are flagged, unless configured. */
export const DEFAULT_MAX_RELEASES_BEHIND = 6;

// ---------------------------------------------------------------------------------------
// A compact schema language: each rule checks one value, reports problems by path and
// returns the value or INVALID, so that one pass finds every problem in the file.

type Path = readonly (string | number)[];
interface Problem {
  path: Path;
  message: string;
}
const INVALID = Symbol('invalid');
type Checked<T> = T | typeof INVALID;

interface Rule<T> {
  /** What a valid value looks like, for "expected …" messages. */
  expected: string;
  check(value: unknown, path: Path, problems: Problem[]): Checked<T>;
}

interface Field<T> {
  rule: Rule<T>;
  presence: 'required' | 'optional';
}

function required<T>(rule: Rule<T>): Field<T> {
  return { rule, presence: 'required' };
}
function optional<T>(rule: Rule<T>): Field<T | undefined> {
  return { rule, presence: 'optional' } as Field<T | undefined>;
}

function describe(value: unknown, secret = false): string {
  if (value instanceof TomlDate) return value.isDate() ? `the date ${value.toISOString()}` : `the date-time ${value.toISOString()}`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object' && value !== null) return 'a table';
  if (typeof value === 'string') return secret ? 'a string' : JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  return `${typeof value} ${String(value)}`;
}

function mismatch(problems: Problem[], path: Path, expected: string, value: unknown, secret = false): typeof INVALID {
  problems.push({ path, message: `expected ${expected}, got ${describe(value, secret)}` });
  return INVALID;
}

function rule<T>(expected: string, test: (value: unknown) => value is T, secret = false): Rule<T> {
  return { expected, check: (value, path, problems) => (test(value) ? value : mismatch(problems, path, expected, value, secret)) };
}

/** A non-empty string, optionally one that passes `test`. */
function text(expected = 'a non-empty string', test: (s: string) => boolean = () => true, secret = false): Rule<string> {
  return rule(expected, (v): v is string => typeof v === 'string' && v.length > 0 && test(v), secret);
}

function integer(min: number, max: number): Rule<number> {
  return rule(`an integer from ${min} to ${max}`, (v): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max);
}

const bool: Rule<boolean> = rule('true or false', (v): v is boolean => typeof v === 'boolean');

function oneOf<const T extends string>(values: readonly T[]): Rule<T> {
  return rule(values.map((v) => `"${v}"`).join(', ').replace(/, ([^,]*)$/, ' or $1'), (v): v is T => values.includes(v as T));
}

function list<T>(item: Rule<T>, expected: string, minItems = 0): Rule<T[]> {
  return {
    expected,
    check(value, path, problems) {
      if (!Array.isArray(value) || value.length < minItems) return mismatch(problems, path, expected, value);
      const items = value.map((v, i) => item.check(v, [...path, i], problems));
      return items.includes(INVALID) ? INVALID : (items as T[]);
    },
  };
}

/** A TOML table of any keys that pass `keyTest`, each value checked by `value`. */
function record<T>(expected: string, keyExpected: string, keyTest: (key: string) => boolean, value: Rule<T>): Rule<Record<string, T>> {
  return {
    expected,
    check(raw, path, problems) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Date) return mismatch(problems, path, expected, raw);
      const out: Record<string, T> = {};
      let valid = true;
      for (const [key, item] of Object.entries(raw as Record<string, unknown>)) {
        if (!keyTest(key)) {
          problems.push({ path: [...path, key], message: `expected ${keyExpected}, got the key ${JSON.stringify(key)}` });
          valid = false;
          continue;
        }
        const checked = value.check(item, [...path, key], problems);
        if (checked === INVALID) valid = false;
        else out[key] = checked;
      }
      return valid ? out : INVALID;
    },
  };
}

const DATE = 'a date like 2026-12-31 (a TOML date or a "YYYY-MM-DD" string)';
/** A TOML date (`2026-12-31`) or the same as a string; gives `YYYY-MM-DD`. */
const date: Rule<string> = {
  expected: DATE,
  check(value, path, problems) {
    if (value instanceof TomlDate && value.isDate()) return value.toISOString();
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
      // Round-trips only when the day exists: 2026-02-30 does not.
      const parsed = new Date(`${value}T00:00:00Z`);
      if (!Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value)) return value;
    }
    return mismatch(problems, path, DATE, value);
  },
};

type Shape = Record<string, Field<unknown>>;
type Output<S extends Shape> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/**
 * A TOML table with exactly these keys. Unknown keys are problems (with a suggestion when
 * one is close); `refine` sees the raw table, so it runs even when a field is invalid.
 */
function table<S extends Shape>(
  expected: string,
  shape: S,
  refine?: (raw: Record<string, unknown>, path: Path, problems: Problem[]) => void,
): Rule<Output<S>> {
  const known = Object.keys(shape);
  return {
    expected,
    check(value, path, problems) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
        return mismatch(problems, path, expected, value);
      }
      const raw = value as Record<string, unknown>;
      let valid = true;
      for (const key of Object.keys(raw)) {
        if (known.includes(key)) continue;
        const close = suggest(key, known);
        problems.push({
          path: [...path, key],
          message: close ? `unknown key \`${key}\`; did you mean \`${close}\`?` : `unknown key \`${key}\`; expected one of ${known.join(', ')}`,
        });
        valid = false;
      }
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(shape)) {
        if (raw[key] === undefined) {
          if (field.presence === 'required') {
            problems.push({ path: [...path, key], message: `expected ${field.rule.expected} (required)` });
            valid = false;
          }
          continue;
        }
        const checked = field.rule.check(raw[key], [...path, key], problems);
        if (checked === INVALID) valid = false;
        else out[key] = checked;
      }
      const before = problems.length;
      refine?.(raw, path, problems);
      return valid && problems.length === before ? (out as Output<S>) : INVALID;
    },
  };
}

/** The known key closest to a mistyped one, if any is close (typos, transpositions, `camelCase` for `snake_case`). */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const scored = known.map((k) => ({ k, d: squash(k) === squash(key) ? 0 : editDistance(key.toLowerCase(), k.toLowerCase()) }));
  const best = scored.sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(1, Math.floor(key.length / 3)) ? best.k : undefined;
}

/** Optimal string alignment distance: Levenshtein where swapping two neighbours costs 1. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

// ---------------------------------------------------------------------------------------
// The schema of cratewatch.toml (cratewatch.example.toml documents it for people).

const httpUrl = (s: string) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol);
/** A path inside a repository: relative, `/`-separated, never climbing out. */
const repoPath = (s: string) => !s.startsWith('/') && !s.includes('\\') && s.split('/').every((seg) => seg !== '' && seg !== '..');
const noSpace = (s: string) => !/\s/.test(s);
const timeZone = (s: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: s });
    return true;
  } catch {
    return false;
  }
};
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\/(?:3[0-2]|[12]?\d)$/;
const IPV6 = /^[0-9a-f:]*:[0-9a-f:]*\/(?:12[0-8]|1[01]\d|\d?\d)$/i;
const cidr = (s: string) => IPV4.test(s) || IPV6.test(s);

const LOCATION_KEYS = ['github', 'gitlab', 'url', 'path'] as const;

const ignoreSchema = table('an ignore table with id and reason', {
  id: required(text('an advisory id like "RUSTSEC-2024-0436" (or one of its aliases)', noSpace)),
  reason: required(text('a reason (why this advisory does not apply, for the next reader)')),
  until: optional(date),
});

/** A requirement Cargo accepts (`0.48`, `=0.48.5`, `>=0.45, <0.52`). */
const cargoRequirement = (s: string) => {
  try {
    parseCargoReq(s);
    return true;
  } catch {
    return false;
  }
};

const duplicateSchema = table('a duplicates table with name and reason', {
  name: required(text('a crate name like "windows-sys" (letters, digits, "-" and "_")', (s) => /^[A-Za-z0-9_-]+$/.test(s))),
  version: optional(text('a Cargo version requirement like "0.48" or "=0.48.5" (leave it out for every version)', cargoRequirement)),
  reason: required(text('a reason (why this duplicate stays, for the next reader)')),
  until: optional(date),
});

function presentKeys(raw: Record<string, unknown>, keys: readonly string[]): string[] {
  return Object.keys(raw).filter((k) => keys.includes(k) && raw[k] !== undefined);
}

const repositorySchema = table(
  'a repository table',
  {
    name: required(text('a name of letters, digits, ".", "_" or "-" (it is used in file paths and URLs)', (s) => /^[A-Za-z0-9._-]+$/.test(s) && s !== '.' && s !== '..')),
    github: optional(text('"owner/repo"', (s) => /^[A-Za-z0-9](?:[A-Za-z0-9-]*)\/[A-Za-z0-9._-]+$/.test(s) && !s.endsWith('/.') && !s.endsWith('/..'))),
    gitlab: optional(text('"group/subgroup/project"', (s) => /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/.test(s) && repoPath(s) && !s.split('/').includes('.'))),
    url: optional(text('an http(s) URL of a Cargo.lock', httpUrl)),
    path: optional(text('a local directory (relative to the configuration file)')),
    branch: optional(text('a branch name', noSpace)),
    ref: optional(text('a branch, tag or commit', noSpace)),
    lockfiles: optional(list(text('a relative path inside the repository', repoPath), 'a list of Cargo.lock paths (at least one; leave it out to discover them)', 1)),
    manifests: optional(list(text('a relative path inside the repository', repoPath), 'a list of Cargo.toml paths (at least one; leave it out to discover them)', 1)),
    deny: optional(list(oneOf(DENY_KINDS), `a list of ${oneOf(DENY_KINDS).expected}`)),
    ignore: optional(list(ignoreSchema, '[[repositories.ignore]] tables')),
    duplicates: optional(list(duplicateSchema, '[[repositories.duplicates]] tables')),
  },
  (raw, path, problems) => {
    const locations = presentKeys(raw, LOCATION_KEYS);
    if (locations.length === 0) {
      problems.push({ path, message: 'expected one of github = "owner/repo", gitlab = "group/project", url = "https://…/Cargo.lock" or path = "dir"' });
    }
    for (const extra of locations.slice(1)) {
      problems.push({ path: [...path, extra], message: `expected only one of github, gitlab, url or path; \`${locations[0]}\` is set too` });
    }
    const refs = presentKeys(raw, ['branch', 'ref']);
    if (refs.length === 2) problems.push({ path: [...path, refs[1]!], message: `expected branch or ref, not both; \`${refs[0]}\` is set too` });
  },
);

const configSchema = table(
  'a configuration',
  {
    concurrency: optional(integer(1, 64)),
    index_concurrency: optional(integer(1, 256)),
    timeout_seconds: optional(integer(1, 600)),
    max_file_bytes: optional(integer(1, 1024 ** 3)),
    sources: optional(
      table('a [sources] table', {
        advisory_db: optional(text('a URL or local path of the RustSec advisory database')),
        index: optional(text('an http(s) URL of a sparse index', httpUrl)),
        github_api: optional(text('an http(s) URL of the GitHub API', httpUrl)),
        gitlab_api: optional(text('an http(s) URL of the GitLab API', httpUrl)),
        github_token: optional(text('a non-empty token (leave it out for none)', () => true, true)),
        gitlab_token: optional(text('a non-empty token (leave it out for none)', () => true, true)),
        advisory_db_max_age_days: optional(integer(1, 365)),
        rust_channel: optional(text('an http(s) URL of a Rust channel manifest like channel-rust-stable.toml', httpUrl)),
        registries: optional(
          record(
            'a [sources.registries] table of registry host = "API base URL"',
            'a registry host as image names write it, like "docker.io", "ghcr.io" or "registry.example.com:5000"',
            (key) => /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/i.test(key) && (key.includes('.') || key.includes(':') || key === 'localhost'),
            text('an http(s) URL of a registry\'s Docker Registry HTTP API v2, like "https://mirror.example.com"', httpUrl),
          ),
        ),
      }),
    ),
    toolchains: optional(
      table('a [toolchains] table', {
        max_releases_behind: optional(integer(0, 100)),
        base_images: optional(bool),
      }),
    ),
    alerts: optional(
      table('an [alerts] table', {
        threshold: optional(oneOf(['critical', 'high', 'medium', 'low'])),
        unscored: optional(bool),
        recipients: optional(list(text('an email address', (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)), 'a list of email addresses')),
        include_dev: optional(bool),
      }),
    ),
    schedule: optional(
      table('a [schedule] table', {
        expression: optional(
          text('an EventBridge schedule expression like "rate(1 day)", "cron(0 6 * * ? *)" or "at(2030-01-01T00:00:00)"', (s) =>
            /^(?:rate\(\d+ (?:minute|hour|day)s?\)|cron\([^()]+\)|at\([^()]+\))$/.test(s),
          ),
        ),
        timezone: optional(text('an IANA time zone such as "UTC" or "Europe/Berlin"', timeZone)),
      }),
    ),
    site: optional(
      table('a [site] table', {
        url: optional(text('the http(s) address the report is served at', httpUrl)),
        domain: optional(text('a domain name such as "deps.example.com"', (s) => /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(s))),
        certificate_arn: optional(text('an ACM certificate ARN in us-east-1 (CloudFront needs it there)', (s) => /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(s))),
        allow_cidrs: optional(list(text('an IPv4 or IPv6 CIDR such as "203.0.113.0/24"', cidr), 'a list of CIDR ranges allowed to see the site')),
      }),
    ),
    aws: optional(
      table('an [aws] table', {
        history_transition_days: optional(integer(30, 3650)),
        history_expiration_days: optional(integer(1, 36500)),
      }),
    ),
    repositories: required(list(repositorySchema, 'one or more [[repositories]] tables', 1)),
  },
  (raw, _path, problems) => {
    const site = raw.site as Record<string, unknown> | undefined;
    if (site && (site.domain === undefined) !== (site.certificate_arn === undefined)) {
      problems.push({ path: ['site', site.domain === undefined ? 'certificate_arn' : 'domain'], message: 'expected domain and certificate_arn together (a custom domain needs its certificate)' });
    }
    const aws = raw.aws as Record<string, unknown> | undefined;
    const transition = typeof aws?.history_transition_days === 'number' ? aws.history_transition_days : 30;
    if (typeof aws?.history_expiration_days === 'number' && aws.history_expiration_days <= transition) {
      problems.push({ path: ['aws', 'history_expiration_days'], message: `expected more days than history_transition_days (${transition}): history expires after it moves` });
    }
    if (!Array.isArray(raw.repositories)) return;
    const seen = new Map<string, number>();
    raw.repositories.forEach((repo: unknown, i) => {
      const name = typeof repo === 'object' && repo !== null ? (repo as Record<string, unknown>).name : undefined;
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, i);
      else problems.push({ path: ['repositories', i, 'name'], message: `expected a unique name; "${name}" is also the name of repositories[${first}]` });
    });
  },
);

// ---------------------------------------------------------------------------------------
// Lines: each problem at the line of its field (indexTomlLines finds them), or of the
// nearest table or key around it.

/** The line of a path, or of its nearest enclosing key or table that has one. */
function lineOf(lines: Map<string, number>, path: Path): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = lines.get(formatTomlPath(path.slice(0, n)));
    if (line !== undefined) return line;
  }
  return undefined;
}

function toConfigErrors(problems: Problem[], text: string, file: string): ConfigErrors {
  const lines = indexTomlLines(text);
  const located = problems.map((p) => {
    const location: SourceLocation = { file };
    const line = lineOf(lines, p.path);
    if (line !== undefined) location.line = line;
    if (p.path.length > 0) location.field = formatTomlPath(p.path);
    return { line: line ?? Number.MAX_SAFE_INTEGER, error: new ConfigError(p.message, location) };
  });
  // Stable sort: problems on the same line keep the schema's order.
  return new ConfigErrors(located.sort((a, b) => a.line - b.line).map((l) => l.error));
}

// ---------------------------------------------------------------------------------------

type RepositoryTable = typeof repositorySchema extends Rule<infer T> ? T : never;

function locationOf(repo: RepositoryTable): RepoLocation {
  if (repo.github !== undefined) return { kind: 'github', repo: repo.github };
  if (repo.gitlab !== undefined) return { kind: 'gitlab', project: repo.gitlab };
  if (repo.url !== undefined) return { kind: 'url', url: repo.url };
  return { kind: 'path', path: repo.path! };
}

function duplicateAllowance({ name, version, reason, until }: { name: string; version?: string | undefined; reason: string; until?: string | undefined }, file: string): DuplicateAllowance {
  return { name, ...(version === undefined ? {} : { version }), reason, ...(until === undefined ? {} : { until }), from: file };
}

/** Token values stay out of logs: printing or serialising the tokens shows `***`. */
function redacted(tokens: Config['tokens']): Config['tokens'] {
  const shown = () => ({ github: tokens.github === null ? null : '***', gitlab: tokens.gitlab === null ? null : '***' });
  return Object.defineProperties(tokens, {
    toJSON: { value: shown, enumerable: false },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: shown, enumerable: false },
  });
}

function envToken(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Parses and validates the text of cratewatch.toml. Throws ConfigErrors listing every
 * problem (a TOML syntax error is its one problem). `GITHUB_TOKEN` and `GITLAB_TOKEN` in
 * `env` win over the file's tokens. `path` repositories keep the raw string: the caller
 * resolves it against the configuration file's directory.
 *
 * @example loadConfig(await readFile('cratewatch.toml', 'utf8'), 'cratewatch.toml', process.env)
 */
export function loadConfig(text: string, file: string, env: ConfigEnv = {}): Config {
  let doc: Record<string, unknown>;
  try {
    doc = parseTomlIn(text, file, (message, location, options) => new ConfigError(message, location, options));
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigErrors([error]);
    throw error;
  }
  const problems: Problem[] = [];
  const checked = configSchema.check(doc, [], problems);
  if (checked === INVALID || problems.length > 0) throw toConfigErrors(problems, text, file);

  const { sources, alerts, schedule, site, aws, toolchains } = checked;
  return {
    file,
    repositories: checked.repositories.map(
      (repo): RepoConfig => ({
        name: repo.name,
        location: locationOf(repo),
        ref: repo.branch ?? repo.ref ?? null,
        lockfiles: repo.lockfiles ?? null,
        manifests: repo.manifests ?? null,
        ignores: (repo.ignore ?? []).map(({ id, reason, until }): Ignore => (until === undefined ? { id, reason } : { id, reason, until })),
        deny: repo.deny ?? [],
        ...(repo.duplicates === undefined ? {} : { duplicates: repo.duplicates.map((d) => duplicateAllowance(d, file)) }),
      }),
    ),
    alerts: {
      threshold: alerts?.threshold ?? 'critical',
      unscored: alerts?.unscored ?? false,
      recipients: alerts?.recipients ?? [],
      ...(alerts?.include_dev === undefined ? {} : { includeDev: alerts.include_dev }),
    },
    schedule: { expression: schedule?.expression ?? 'rate(1 day)', timezone: schedule?.timezone ?? 'UTC' },
    site: { url: site?.url?.replace(/\/+$/, '') ?? null, domain: site?.domain ?? null, certificateArn: site?.certificate_arn ?? null, allowCidrs: site?.allow_cidrs ?? [] },
    aws: { historyTransitionDays: aws?.history_transition_days ?? 30, historyExpirationDays: aws?.history_expiration_days ?? 730 },
    sources: {
      advisoryDb: sources?.advisory_db ?? DEFAULT_SOURCES.advisoryDb,
      advisoryDbMaxAgeDays: sources?.advisory_db_max_age_days ?? DEFAULT_ADVISORY_DB_MAX_AGE_DAYS,
      index: sources?.index ?? DEFAULT_SOURCES.index,
      githubApi: sources?.github_api ?? DEFAULT_SOURCES.githubApi,
      gitlabApi: sources?.gitlab_api ?? DEFAULT_SOURCES.gitlabApi,
      rustChannel: sources?.rust_channel ?? DEFAULT_SOURCES.rustChannel,
      registries: sources?.registries ?? {},
    },
    toolchains: { maxReleasesBehind: toolchains?.max_releases_behind ?? DEFAULT_MAX_RELEASES_BEHIND, baseImages: toolchains?.base_images ?? true },
    tokens: redacted({
      github: envToken(env.GITHUB_TOKEN) ?? sources?.github_token ?? null,
      gitlab: envToken(env.GITLAB_TOKEN) ?? sources?.gitlab_token ?? null,
    }),
    concurrency: checked.concurrency ?? 4,
    indexConcurrency: checked.index_concurrency ?? 16,
    timeoutMs: (checked.timeout_seconds ?? 30) * 1000,
    maxFileBytes: checked.max_file_bytes ?? 10 * 1024 * 1024,
  };
}

/** The 1-based line of a field (`repositories[2].path`) in a configuration's text, when it is there. */
export function fieldLine(text: string, field: string): number | undefined {
  return indexTomlLines(text).get(field);
}

/**
 * The named repositories (all of them when `names` is empty), in the file's order.
 * Throws ConfigErrors naming each unknown name, with a close one when there is.
 */
export function filterRepositories(config: Config, names: readonly string[]): RepoConfig[] {
  if (names.length === 0) return config.repositories;
  const known = config.repositories.map((r) => r.name);
  const unknown = [...new Set(names)].filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new ConfigErrors(
      unknown.map((name) => {
        const close = suggest(name, known);
        const hint = close ? `; did you mean "${close}"?` : `; the configured ones are ${known.join(', ')}`;
        return new ConfigError(`no repository is named "${name}"${hint}`, { file: config.file, field: 'repositories' });
      }),
    );
  }
  return config.repositories.filter((r) => names.includes(r.name));
}

