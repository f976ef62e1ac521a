// The ignores a repository already declares for cargo-audit (`.cargo/audit.toml`) and
// cargo-deny (`deny.toml`), so cratewatch honours the decisions its team has made.
import type { Ignore } from './policy.ts';
import { parseCargoReq } from './cargo-version-req.ts';
import type { DuplicateAllowance } from './duplicate-policy.ts';
import { ConfigError, errorMessage, type SourceLocation } from './errors.ts';
import { isDenyKind, type DenyKind } from './policy.ts';
import { indexTomlLines, parseTomlIn } from './toml.ts';

export interface RepoPolicy {
  ignores: Ignore[];
  deny: DenyKind[];
}

function parse(text: string, file: string): Record<string, unknown> {
  return parseTomlIn(text, file, (message, location, options) => new ConfigError(message, location, options));
}

/** Where `field` (`advisories.ignore`) is: its file, and its line when the text has it on one. */
function located(file: string, text: string, field: string): SourceLocation {
  const line = indexTomlLines(text).get(field);
  return line === undefined ? { file, field } : { file, line, field };
}

function table(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Reads cargo-audit's `.cargo/audit.toml`: `[advisories] ignore` (ids) and
 * `[output] deny` (warning kinds that fail the audit).
 */
export function parseCargoAuditToml(text: string, file: string): RepoPolicy {
  const doc = parse(text, file);
  const { ignore = [] } = table(doc.advisories);
  if (!Array.isArray(ignore) || !ignore.every((id) => typeof id === 'string')) {
    throw new ConfigError('expected a list of advisory ids', located(file, text, 'advisories.ignore'));
  }
  const { deny = [] } = table(doc.output);
  if (!Array.isArray(deny) || !deny.every((kind) => typeof kind === 'string' && isDenyKind(kind))) {
    throw new ConfigError('expected a list of warnings, unmaintained, unsound, notice or yanked', located(file, text, 'output.deny'));
  }
  return { ignores: ignore.map((id: string) => ({ id, reason: `ignored in ${file}` })), deny: deny as DenyKind[] };
}

/**
 * Reads cargo-deny's `deny.toml` `[advisories] ignore`: ids, or tables with `id` and an
 * optional `reason`. Entries that ignore a whole crate (`crate = …`) are not advisory
 * ignores and are left to cargo-deny.
 */
export function parseDenyToml(text: string, file: string): RepoPolicy {
  const doc = parse(text, file);
  const { ignore = [] } = table(doc.advisories);
  const fail = (): never => {
    throw new ConfigError('expected a list of advisory ids or { id, reason } tables', located(file, text, 'advisories.ignore'));
  };
  if (!Array.isArray(ignore)) fail();
  const ignores: Ignore[] = [];
  for (const entry of ignore as unknown[]) {
    if (typeof entry === 'string') {
      ignores.push({ id: entry, reason: `ignored in ${file}` });
      continue;
    }
    const { id, reason } = table(entry);
    if (id === undefined && 'crate' in table(entry)) continue;
    if (typeof id !== 'string' || (reason !== undefined && typeof reason !== 'string')) fail();
    ignores.push({ id: id as string, reason: (reason as string | undefined) ?? `ignored in ${file}` });
  }
  return { ignores, deny: [] };
}

/**
 * The policy of a repository's `.cargo/audit.toml` and `deny.toml` files (given with their
 * paths), merged. Throws ConfigError naming the file of the first one that is malformed.
 */
export function policyFromFiles(files: readonly { path: string; text: string }[]): RepoPolicy {
  const policy: RepoPolicy = { ignores: [], deny: [] };
  for (const file of files) {
    const parsed = file.path.endsWith('deny.toml') ? parseDenyToml(file.text, file.path) : parseCargoAuditToml(file.text, file.path);
    policy.ignores.push(...parsed.ignores);
    policy.deny.push(...parsed.deny);
  }
  return policy;
}

/** A `[bans] skip` spec string: `name`, `name@1.2.3` (that version) or `name:<requirement>`. */
function skipSpec(spec: string): { name: string; version?: string } {
  const at = spec.indexOf('@');
  if (at > 0) return { name: spec.slice(0, at), version: `=${spec.slice(at + 1)}` };
  const colon = spec.indexOf(':');
  if (colon > 0) return { name: spec.slice(0, colon), version: spec.slice(colon + 1) };
  return { name: spec };
}

/**
 * Reads cargo-deny's `deny.toml` `[bans] skip`: the duplicate versions the repository
 * accepts. Entries are spec strings (`"windows-sys"`, `"windows-sys@0.48.0"`,
 * `"windows-sys:<0.52"`), `{ name, version, reason }` tables or `{ crate = spec, reason }`
 * tables. Throws ConfigError naming the file, line and entry of a malformed one.
 */
export function parseDenySkips(text: string, file: string): DuplicateAllowance[] {
  const doc = parse(text, file);
  const { skip = [] } = table(doc.bans);
  const where = (i: number) => {
    const entry = located(file, text, `bans.skip[${i}]`);
    return entry.line === undefined ? { ...located(file, text, 'bans.skip'), field: `bans.skip[${i}]` } : entry;
  };
  if (!Array.isArray(skip)) throw new ConfigError('expected a list of crate specs or { name, version, reason } tables', located(file, text, 'bans.skip'));
  return (skip as unknown[]).map((entry, i): DuplicateAllowance => {
    let spec: { name: string; version?: string };
    let reason: unknown;
    if (typeof entry === 'string') spec = skipSpec(entry);
    else {
      const t = table(entry);
      reason = t.reason;
      if (typeof t.crate === 'string') spec = skipSpec(t.crate);
      else if (typeof t.name === 'string') spec = t.version === undefined ? { name: t.name } : { name: t.name, version: t.version as string };
      else throw new ConfigError('expected a crate spec string, or a table with `crate` or `name`', where(i));
      if (t.version !== undefined && typeof t.version !== 'string') throw new ConfigError('expected `version` to be a version requirement string', where(i));
      if (reason !== undefined && typeof reason !== 'string') throw new ConfigError('expected `reason` to be a string', where(i));
    }
    if (!/^[A-Za-z0-9_-]+$/.test(spec.name)) throw new ConfigError(`"${spec.name}" is not a crate name`, where(i));
    if (spec.version !== undefined) {
      try {
        parseCargoReq(spec.version);
      } catch (error) {
        throw new ConfigError(`the version of ${spec.name} is not a requirement Cargo accepts: ${errorMessage(error)}`, where(i), { cause: error });
      }
    }
    return { ...spec, reason: typeof reason === 'string' && reason !== '' ? reason : `skipped in ${file}`, from: file };
  });
}

/** The `[bans] skip` entries of a repository's `deny.toml` files (given with their paths); other files are passed over. */
export function duplicateAllowancesFromFiles(files: readonly { path: string; text: string }[]): DuplicateAllowance[] {
  return files.filter((f) => f.path === 'deny.toml' || f.path.endsWith('/deny.toml')).flatMap((f) => parseDenySkips(f.text, f.path));
}
