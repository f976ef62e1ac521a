// What cratewatch reads from a Cargo.toml: the `rust-version` (MSRV) of a package or workspace.
import { ConfigError } from './errors.ts';
import { parseTomlIn } from './toml.ts';

export interface ManifestInfo {
  /** `package.rust-version`, or `workspace.package.rust-version` for a workspace root. */
  rustVersion: string | null;
  /** True when `package.rust-version` is `{ workspace = true }`: the workspace root's applies. */
  inheritsRustVersion: boolean;
}

function table(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Reads a Cargo.toml; throws ConfigError (file and line) when it is not valid TOML. */
export function parseManifest(text: string, file: string): ManifestInfo {
  const doc = parseTomlIn(text, file, (message, location, options) => new ConfigError(message, location, options));
  const own = table(doc.package)['rust-version'];
  const workspace = table(table(doc.workspace).package)['rust-version'];
  const inherits = table(own).workspace === true;
  const rustVersion = typeof own === 'string' ? own : typeof workspace === 'string' ? workspace : null;
  return { rustVersion, inheritsRustVersion: inherits };
}
