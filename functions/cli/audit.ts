// `cratewatch audit [LOCKFILE]`: audits one Cargo.lock against a RustSec database.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { FsObjectStore } from '../adapters/fs-object-store.ts';
import { HttpClient } from '../adapters/http-client.ts';
import { LocalAdvisoryDbSource } from '../adapters/rustsec-archive.ts';
import { SparseIndexSource } from '../adapters/sparse-index.ts';
import { USER_AGENT } from '../app/version.ts';
import type { IndexSource, RepoFile } from '../core/ports.ts';
import { auditRepositoryFiles } from '../app/audit-lockfile.ts';
import { ObjectHttpCache } from '../app/object-http-cache.ts';
import { AdvisoryDbError, ConfigError, errorMessage } from '../core/errors.ts';
import { DENY_KINDS, isDenyKind, type DenyKind } from '../core/policy.ts';
import { POLICY_FILES } from '../core/repo-paths.ts';
import type { ScanResult } from '../core/result.ts';
import { renderMarkdown } from './render-markdown.ts';
import { renderSarif } from './render-sarif.ts';
import { renderTable } from './render-table.ts';
import { EXIT, UsageError } from './usage-error.ts';

export const AUDIT_HELP = `Usage: cratewatch audit [LOCKFILE] [options]

Audits a Cargo.lock (default ./Cargo.lock) against the RustSec advisory database.

Options:
  --db PATH           advisory database: a directory or a .tar.gz archive
                      (default: $CRATEWATCH_DB)
  --format FORMAT     table (default), json, markdown or sarif
  --deny KIND         also fail on warnings of KIND: ${DENY_KINDS.join(', ')}
                      (repeatable; "warnings" denies them all)
  --ignore ID         ignore an advisory id or alias (repeatable)
  --index URL         the crates.io sparse index, for yanked and outdated crates
                      (default: $CRATEWATCH_INDEX or https://index.crates.io/)
  --offline           never use the network: no index, so no yanked or outdated
  --no-repo-config    do not read .cargo/audit.toml and deny.toml beside the lockfile
  -h, --help          show this help

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

/** Where index files are cached between runs: $CRATEWATCH_CACHE, else the user's cache folder. */
function cacheDir(env: NodeJS.ProcessEnv): string {
  return env.CRATEWATCH_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cratewatch');
}

/** The crates.io sparse index at `indexUrl`, with its cache. */
function openIndex(indexUrl: string, env: NodeJS.ProcessEnv): { source: IndexSource; cache: ObjectHttpCache } {
  const http = new HttpClient({ userAgent: USER_AGENT, timeoutMs: 30_000, retries: 3 });
  // The same cache as `scan` keeps, in its own folder: index files packed in one file.
  const cache = new ObjectHttpCache(new FsObjectStore(cacheDir(env)), () => new Date());
  return { source: new SparseIndexSource({ baseUrl: indexUrl, cache, http, concurrency: 16 }), cache };
}

/** Runs `cratewatch audit` with the arguments after the command name; resolves to the exit code. */
export async function runAudit(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      format: { type: 'string', default: 'table' },
      deny: { type: 'string', multiple: true, default: [] },
      ignore: { type: 'string', multiple: true, default: [] },
      offline: { type: 'boolean', default: false },
      index: { type: 'string' },
      'no-repo-config': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(AUDIT_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError(`audit takes one lockfile, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${values.format}"`);
  const deny: DenyKind[] = [];
  for (const kind of values.deny) {
    if (!isDenyKind(kind)) throw new UsageError(`--deny must be one of ${DENY_KINDS.join(', ')}, not "${kind}"`);
    deny.push(kind);
  }
  const dbPath = values.db ?? io.env.CRATEWATCH_DB;
  if (!dbPath) throw new UsageError('no advisory database: pass --db PATH (a directory or .tar.gz) or set CRATEWATCH_DB');
  const lockfilePath = positionals[0] ?? 'Cargo.lock';

  let text: string;
  try {
    text = await readFile(lockfilePath, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${lockfilePath}: ${errorMessage(error)}`);
  }
  const source = new LocalAdvisoryDbSource(dbPath);
  let db;
  try {
    db = await source.load();
  } catch (error) {
    if (error instanceof AdvisoryDbError) throw new UsageError(error.message);
    throw error;
  }
  for (const d of db.diagnostics) io.stderr.write(`warning: skipped advisory ${d.message}\n`);

  const policyFiles = values['no-repo-config'] ? [] : await readPolicyFiles(dirname(lockfilePath));
  const index = values.offline ? null : openIndex(values.index ?? io.env.CRATEWATCH_INDEX ?? DEFAULT_INDEX, io.env);
  let result: ScanResult;
  try {
    result = await auditRepositoryFiles({
      repository: { name: basename(dirname(resolve(lockfilePath))), source: 'local', ref: null, commit: null },
      files: { lockfiles: [{ path: lockfilePath, text }], manifests: [], policyFiles },
      index: index?.source ?? null,
      db,
      dbLocation: source.location,
      ignores: values.ignore.map((id) => ({ id, reason: 'ignored with --ignore on the command line' })),
      deny,
      now: io.now(),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`${error.message} (or pass --no-repo-config)`);
    throw error;
  }
  // Only a cache, written when the index was asked (the lockfile parsed): the next run asks again.
  if (index && result.lockfiles.some((l) => l.status !== 'error')) await index.cache.compact().catch(() => undefined);
  const color = format === 'table' && io.stdout.isTTY === true && !io.env.NO_COLOR;
  io.stdout.write(render(result, format, color));
  for (const lockfile of result.lockfiles) {
    for (const error of lockfile.errors) io.stderr.write(`error: ${error.message}\n`);
  }
  if (result.status === 'error') return EXIT.usage;
  return result.status === 'failing' ? EXIT.findings : EXIT.ok;
}
