// `cratewatch audit [LOCKFILE]`: audits one Cargo.lock against a RustSec database.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { FsObjectStore } from '../adapters/fs-object-store.ts';
import { describeHostDown, HttpClient } from '../adapters/http-client.ts';
import { LocalRepoSource } from '../adapters/local-repo-source.ts';
import { SparseIndexSource } from '../adapters/sparse-index.ts';
import { USER_AGENT } from '../app/version.ts';
import type { IndexSource, RepoFile } from '../core/ports.ts';
import { auditRepositoryFiles, emptyLockfileError, type RepositoryFiles } from '../app/audit-lockfile.ts';
import { ObjectHttpCache } from '../app/object-http-cache.ts';
import type { AdvisoryDb } from '../core/advisory.ts';
import type { TargetPlatform } from '../core/audit.ts';
import { AdvisoryDbError, ConfigError, errorMessage, LockfileParseError, RepoFetchError } from '../core/errors.ts';
import { parseLockfile } from '../core/lockfile.ts';
import { DENY_KINDS, isDenyKind, type DenyKind } from '../core/policy.ts';
import { POLICY_FILES } from '../core/repo-paths.ts';
import type { ScanResult } from '../core/result.ts';
import { cacheDir, loadAuditDb } from './audit-db.ts';
import type { SourceRole } from '../wiring/scan-sources.ts';
import { renderMarkdown } from './render-markdown.ts';
import { renderSarif } from './render-sarif.ts';
import { describeNotChecked } from './render-summary.ts';
import { renderTable } from './render-table.ts';
import { EXIT, UsageError } from './usage-error.ts';

export const AUDIT_HELP = `Usage: cratewatch audit [LOCKFILE | DIR] [options]

Audits a Cargo.lock (default ./Cargo.lock; a folder means the Cargo.lock in it) against
the RustSec advisory database, as \`cargo audit\` does, and the crates.io index for yanked
and outdated crates. With a Cargo.toml beside it, the workspace's manifests are read too:
each finding says whether dev-, build- or normal dependencies pull it in, rust-version
limits the outdated check, duplicates say who pins them, and the pinning check runs.

Options:
  -f, --file FILE         the Cargo.lock to audit (the same as the LOCKFILE argument)
  -d, --db DB             the advisory database: a directory, a .tar.gz archive, or an
                          http(s) URL of one (default: $CRATEWATCH_DB, else a fresh
                          ~/.cargo/advisory-db, else RustSec's, downloaded and cached)
  -n, --no-fetch          do not download the database: use the cached copy
      --format FORMAT     table (default), json, markdown or sarif
      --json              the same as --format json
  -D, --deny KIND         also fail on warnings of KIND: ${DENY_KINDS.join(', ')}
                          (repeatable; "warnings" denies them all)
      --ignore ID         ignore an advisory id or alias (repeatable)
      --target-os OS      only advisories that can affect OS (linux, windows, macos, ...)
      --target-arch ARCH  only advisories that can affect ARCH (x86_64, aarch64, ...)
      --index URL         the crates.io sparse index, for yanked and outdated crates
                          (default: $CRATEWATCH_INDEX or https://index.crates.io/)
      --offline           never use the network: cached database, no index (so no
                          yanked or outdated check)
      --no-repo-config    do not read .cargo/audit.toml and deny.toml beside the lockfile
  -q, --quiet             print only the report and errors
      --color WHEN        auto (default: on a terminal, unless NO_COLOR), always or never
  -h, --help              show this help

Exit codes: 0 nothing fails the policy, 1 findings fail it, 2 usage, input or
other error (the audit could not be completed).
`;

export interface CommandIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  now: () => Date;
}

const FORMATS = ['table', 'json', 'markdown', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

function render(result: ScanResult, format: Format, color: boolean): string {
  switch (format) {
    case 'json': return `${JSON.stringify(result, null, 2)}\n`;
    case 'sarif': return `${JSON.stringify(renderSarif(result), null, 2)}\n`;
    case 'markdown': return renderMarkdown(result);
    case 'table': return renderTable(result, { color });
  }
}

/** The most a manifest or policy file of the project may weigh, as `scan` reads them by default. */
const MAX_PROJECT_FILE_BYTES = 10 * 1024 * 1024;

/**
 * The folder part of the lockfile's path as results show it (`crates/app/`), so that paths in
 * the result (and SARIF) stay relative to where the command ran; '' when the path is not a
 * plain relative one (absolute, or climbing with `..`): then they are relative to the folder.
 */
function shownPrefix(lockfilePath: string): string {
  const dir = dirname(lockfilePath).split(sep).join('/');
  if (dir === '.' || isAbsolute(lockfilePath) || dir.split('/').some((part) => part === '' || part === '.' || part === '..')) return '';
  return `${dir}/`;
}

/**
 * The project around a lockfile that has a Cargo.toml beside it: every Cargo.toml under its
 * folder (the workspace's root and members) and its policy files, read as `scan` reads a local
 * repository; null when there is no Cargo.toml there (a lone lockfile is audited as it is).
 */
async function readProject(lockfilePath: string, text: string, withPolicy: boolean): Promise<RepositoryFiles | null> {
  const dir = dirname(lockfilePath);
  const manifest = await stat(join(dir, 'Cargo.toml')).catch(() => undefined);
  if (!manifest?.isFile()) return null;
  const source = new LocalRepoSource({ maxFileBytes: MAX_PROJECT_FILE_BYTES, configFile: 'the command line' });
  let snapshot;
  try {
    snapshot = await source.fetchRepository({ name: basename(resolve(dir)), location: { kind: 'path', path: dir }, ref: null, lockfiles: [], manifests: null, ignores: [], deny: [] });
  } catch (error) {
    if (error instanceof RepoFetchError) throw new UsageError(error.message);
    throw error;
  }
  const prefix = shownPrefix(lockfilePath);
  const shown = (file: RepoFile): RepoFile => ({ path: `${prefix}${file.path}`, text: file.text });
  return {
    lockfiles: [{ path: `${prefix}${basename(lockfilePath)}`, text }],
    manifests: snapshot.manifests.map(shown),
    policyFiles: withPolicy ? snapshot.policyFiles.map(shown) : [],
  };
}

/** The files the repository keeps for cargo-audit and cargo-deny (`.cargo/audit.toml`, `deny.toml`), those that are there. */
async function readPolicyFiles(dir: string): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  for (const path of POLICY_FILES.map((file) => join(dir, file))) {
    try {
      files.push({ path, text: await readFile(path, 'utf8') });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new UsageError(`cannot read ${path}: ${errorMessage(error)}`);
    }
  }
  return files;
}

const DEFAULT_INDEX = 'https://index.crates.io/';

/** The crates.io sparse index at `indexUrl`, with its cache. */
function openIndex(indexUrl: string, env: NodeJS.ProcessEnv, http: HttpClient): { source: IndexSource; cache: ObjectHttpCache } {
  // The same cache as `scan` keeps, in its own folder: index files packed in one file.
  const cache = new ObjectHttpCache(new FsObjectStore(cacheDir(env)), () => new Date());
  return { source: new SparseIndexSource({ baseUrl: indexUrl, cache, http, concurrency: 16 }), cache };
}

const COLORS = ['auto', 'always', 'never'] as const;

/** The lockfile the arguments name: `-f FILE` or the positional, a folder meaning its Cargo.lock. */
async function lockfileArgument(file: string | undefined, positionals: string[]): Promise<string> {
  if (positionals.length > 1) throw new UsageError(`audit takes one lockfile, got ${positionals.length}: ${positionals.join(' ')}`);
  if (file !== undefined && positionals.length === 1 && file !== positionals[0]) throw new UsageError(`two lockfiles given: --file ${file} and ${positionals[0]}; pass one`);
  const path = file ?? positionals[0] ?? 'Cargo.lock';
  try {
    if ((await stat(path)).isDirectory()) return join(path, 'Cargo.lock');
  } catch {
    // Not there: reading it says so, with the path.
  }
  return path;
}

interface AuditArguments {
  lockfilePath: string;
  format: Format;
  color: boolean;
  deny: DenyKind[];
  target: TargetPlatform | undefined;
}

function auditArguments(values: ReturnType<typeof parseAuditArgs>['values'], lockfilePath: string, io: CommandIo): AuditArguments {
  if (values.json && values.format !== undefined && values.format !== 'json') throw new UsageError(`--json and --format ${values.format} disagree; pass one`);
  const format = (values.json ? 'json' : (values.format ?? 'table')) as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${values.format}"`);
  const colorChoice = values.color as (typeof COLORS)[number];
  if (!COLORS.includes(colorChoice)) throw new UsageError(`--color must be one of ${COLORS.join(', ')}, not "${values.color}"`);
  const deny: DenyKind[] = [];
  for (const kind of values.deny) {
    if (!isDenyKind(kind)) throw new UsageError(`--deny must be one of ${DENY_KINDS.join(', ')}, not "${kind}"`);
    deny.push(kind);
  }
  for (const [option, value] of [['--target-os', values['target-os']], ['--target-arch', values['target-arch']]] as const) {
    if (value !== undefined && !/^[a-z0-9_]+$/.test(value)) throw new UsageError(`${option} takes a RustSec platform name such as ${option === '--target-os' ? 'linux or windows' : 'x86_64 or aarch64'}, not "${value}"`);
  }
  const target = values['target-os'] === undefined && values['target-arch'] === undefined ? undefined : {
    ...(values['target-os'] === undefined ? {} : { os: values['target-os'] }),
    ...(values['target-arch'] === undefined ? {} : { arch: values['target-arch'] }),
  };
  const tty = io.stdout.isTTY === true && !io.env.NO_COLOR;
  const color = format === 'table' && (colorChoice === 'always' || (colorChoice === 'auto' && tty));
  return { lockfilePath, format, color, deny, target };
}

function parseAuditArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      db: { type: 'string', short: 'd' },
      'no-fetch': { type: 'boolean', short: 'n', default: false },
      format: { type: 'string' },
      json: { type: 'boolean', default: false },
      deny: { type: 'string', short: 'D', multiple: true, default: [] },
      ignore: { type: 'string', multiple: true, default: [] },
      'target-os': { type: 'string' },
      'target-arch': { type: 'string' },
      offline: { type: 'boolean', default: false },
      index: { type: 'string' },
      'no-repo-config': { type: 'boolean', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
      color: { type: 'string', default: 'auto' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** The lockfile parsed before anything else is loaded: a broken one fails at once, said once. */
async function readLockfile(path: string): Promise<{ text: string; error?: LockfileParseError }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const hint = (error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (run it in a Rust project, or pass the lockfile: cratewatch audit path/to/Cargo.lock)' : '';
    throw new UsageError(`cannot read ${path}: ${errorMessage(error)}${hint}`);
  }
  try {
    if (parseLockfile(text, path).packages.length === 0) {
      return { text, error: emptyLockfileError(path) };
    }
  } catch (error) {
    if (error instanceof LockfileParseError) return { text, error };
    throw error;
  }
  return { text };
}

/** Runs `cratewatch audit` with the arguments after the command name; resolves to the exit code. */
export async function runAudit(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseAuditArgs(args);
  if (values.help) {
    io.stdout.write(AUDIT_HELP);
    return EXIT.ok;
  }
  const options = auditArguments(values, await lockfileArgument(values.file, positionals), io);
  const { lockfilePath, format } = options;
  const note = (line: string) => {
    if (!values.quiet) io.stderr.write(`${line}\n`);
  };
  const { text, error: inputError } = await readLockfile(lockfilePath);
  // A person reading a table needs the error once; a program reading JSON or SARIF still gets a document saying the run failed.
  if (inputError && (format === 'table' || format === 'markdown')) {
    io.stderr.write(`cratewatch: ${inputError.message}\n`);
    return EXIT.usage;
  }
  const indexUrl = values.index ?? io.env.CRATEWATCH_INDEX ?? DEFAULT_INDEX;
  // One client for the database download and the index: a host that cannot be reached is said once and not asked again.
  const http = new HttpClient({
    userAgent: USER_AGENT,
    timeoutMs: 30_000,
    retries: 3,
    onHostDown: (host) => io.stderr.write(`warning: ${describeHostDown(host, host.origin === new URL(indexUrl).origin ? 'the index' : 'the advisory database')}\n`),
  });
  const { db, location } = await loadDatabase(values, io, http, note);
  for (const d of db.diagnostics) note(`warning: skipped advisory ${d.message}`);

  const withPolicy = !values['no-repo-config'];
  const files = (await readProject(lockfilePath, text, withPolicy)) ?? { lockfiles: [{ path: lockfilePath, text }], manifests: [], policyFiles: withPolicy ? await readPolicyFiles(dirname(lockfilePath)) : [] };
  const index = values.offline || inputError ? null : openIndex(indexUrl, io.env, http);
  let result: ScanResult;
  try {
    result = await auditRepositoryFiles({
      repository: { name: basename(dirname(resolve(lockfilePath))), source: 'local', ref: null, commit: null },
      files,
      index: index?.source ?? null,
      db,
      dbLocation: location,
      ignores: values.ignore.map((id) => ({ id, reason: 'ignored with --ignore on the command line' })),
      deny: options.deny,
      now: io.now(),
      ...(options.target ? { target: options.target } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`${error.message} (or pass --no-repo-config)`);
    throw error;
  }
  // Only a cache, written when the index was asked (the lockfile parsed): the next run asks again.
  if (index && result.lockfiles.some((l) => l.status !== 'error')) await index.cache.compact().catch(() => undefined);
  io.stdout.write(render(result, format, options.color));
  for (const lockfile of result.lockfiles) {
    for (const error of lockfile.errors) io.stderr.write(`cratewatch: ${error.message}\n`);
  }
  // What could not be checked is said even with -q: it is never a pass.
  for (const host of http.unreachableHosts()) {
    const roles: SourceRole[] = host.origin === new URL(indexUrl).origin ? ['index'] : ['advisory-db'];
    io.stderr.write(`not checked: ${describeNotChecked({ ...host, roles, repositories: [] }, [result])}\n`);
  }
  if (result.status === 'error') return EXIT.usage;
  return result.status === 'failing' ? EXIT.findings : EXIT.ok;
}

/** The advisory database the options name, or the one `cargo audit` would use, or RustSec's, downloaded and cached. */
async function loadDatabase(values: ReturnType<typeof parseAuditArgs>['values'], io: CommandIo, http: HttpClient, note: (line: string) => void): Promise<{ db: AdvisoryDb; location: string }> {
  try {
    return await loadAuditDb({ db: values.db, noFetch: values['no-fetch'], offline: values.offline, env: io.env, now: io.now, http, warn: (line) => note(`warning: ${line}`) });
  } catch (error) {
    if (error instanceof AdvisoryDbError) throw new UsageError(error.message);
    throw error;
  }
}
