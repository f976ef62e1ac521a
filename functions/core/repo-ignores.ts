// The ignores a repository already declares for cargo-audit (`.cargo/audit.toml`) and
// cargo-deny (`deny.toml`), so cratewatch honours the decisions its team has made.
import type { Ignore } from './policy.ts';
import { ConfigError, type SourceLocation } from './errors.ts';
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
