// How far a pinned Rust release (`1.75`, `1.75.0`, the `rust:1.75-alpine` image's tag, a
// manifest's `rust-version`) is behind the latest stable, and the value to move to; and the
// latest stable itself, read from the official channel manifest (`channel-rust-stable.toml`).
import { LocatedError } from './errors.ts';

/** Rust ships a stable release every six weeks. */
export const RELEASE_CYCLE_DAYS = 42;
const DAY_MS = 86_400_000;

/** The latest stable release, as the channel manifest gives it. */
export interface StableRelease {
  /** `1.95.0`. */
  version: string;
  /** The manifest's date, `2026-04-16`. */
  date: string;
}

/** A channel manifest without the fields cratewatch reads. */
export class ChannelManifestError extends LocatedError {
  override name = 'ChannelManifestError';
}

const VERSION_PREFIX = /^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?/;
const RELEASE = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `1.75-alpine` → version `1.75` (precision 2) and variant `-alpine`; null when it does not start with major.minor. */
export function splitRustTag(tag: string): { major: number; minor: number; patch: number | null; version: string; variant: string } | null {
  const m = VERSION_PREFIX.exec(tag);
  if (!m) return null;
  const variant = tag.slice(m[0].length);
  // `1.75.0.1` or `1.75beta`: a version followed by more version, not a variant.
  if (variant !== '' && !variant.startsWith('-')) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] === undefined ? null : Number(m[3]), version: m[0], variant };
}

export type RustReleaseCheck =
  | {
      kind: 'checked';
      /** As given: `1.75-alpine`. */
      current: string;
      /** The latest stable: `1.95.0`. */
      latest: string;
      /** Stable releases (minor versions) since the pinned one; 0 when current or ahead. */
      behind: number;
      /** True past `maxBehind` releases. */
      flagged: boolean;
      /** True when the pin is newer than the latest stable (a beta, or a stale manifest). */
      ahead: boolean;
      /** The same precision and variant at the latest stable (`1.95-alpine`, `1.95.0`); null when already there. */
      newValue: string | null;
    }
  /** `latest`, `slim`, `1-alpine` (follows the newest 1.x), `nightly`: nothing pinned to count from. */
  | { kind: 'not-a-version'; current: string; reason: string };

function parseRelease(version: string): { major: number; minor: number; patch: number } {
  const m = RELEASE.exec(version.trim());
  if (!m) throw new Error(`latest stable "${version}" is not major.minor.patch`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/**
 * Compares a pinned release with the latest stable. `pinned` is a version or an image tag
 * (`1.75`, `1.75.0`, `1.75-alpine`, `1.75.0-slim-bookworm`); the new value keeps its
 * precision and variant.
 *
 * @example checkRustRelease('1.75-alpine', '1.95.0', 6) // { kind: 'checked', behind: 20, flagged: true, newValue: '1.95-alpine', … }
 */
export function checkRustRelease(pinned: string, latestStable: string, maxBehind: number): RustReleaseCheck {
  const latest = parseRelease(latestStable);
  const tag = splitRustTag(pinned);
  if (tag === null) {
    const reason = /^\d{1,4}(?:-|$)/.test(pinned) ? `\`${pinned}\` follows the newest ${pinned.split('-')[0]}.x release: nothing pinned to compare` : `\`${pinned}\` is not a version: nothing pinned to compare`;
    return { kind: 'not-a-version', current: pinned, reason };
  }
  if (tag.major !== latest.major) {
    return { kind: 'not-a-version', current: pinned, reason: `\`${pinned}\` is not on the ${latest.major}.x line of the latest stable ${latestStable}` };
  }
  const ahead = tag.minor > latest.minor || (tag.minor === latest.minor && tag.patch !== null && tag.patch > latest.patch);
  const behind = Math.max(0, latest.minor - tag.minor);
  const target = tag.patch === null ? `${latest.major}.${latest.minor}` : latestStable.trim();
  const newValue = ahead || target === tag.version ? null : `${target}${tag.variant}`;
  return { kind: 'checked', current: pinned, latest: latestStable.trim(), behind, flagged: behind > maxBehind, ahead, newValue };
}

/**
 * About how many stable releases came out between `date` (a dated nightly or beta,
 * `2024-01-01`) and the latest stable's date: whole six-week cycles, never below 0.
 */
export function releasesSince(date: string, latest: StableRelease): number | null {
  if (!DATE.test(date) || !DATE.test(latest.date)) return null;
  const days = (Date.parse(`${latest.date}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / DAY_MS;
  if (!Number.isFinite(days)) return null;
  return Math.max(0, Math.floor(days / RELEASE_CYCLE_DAYS));
}

/** The string value of `key = "…"` on a line, or undefined. */
function stringValue(line: string, key: string): string | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith(key)) return undefined;
  const rest = trimmed.slice(key.length).trimStart();
  if (!rest.startsWith('=')) return undefined;
  const value = rest.slice(1).trim();
  if (value.length < 2 || !value.startsWith('"')) return undefined;
  const end = value.indexOf('"', 1);
  return end === -1 ? undefined : value.slice(1, end);
}

/**
 * Reads the latest stable from a channel manifest (`channel-rust-stable.toml`): the top-level
 * `date` and `[pkg.rust] version = "1.95.0 (hash 2026-04-14)"`. Reads it line by line (the
 * manifest is about a megabyte of per-target tables cratewatch does not need). Throws
 * ChannelManifestError naming `source` and the line when a field is missing or malformed.
 */
export function parseStableChannel(text: string, source: string): StableRelease {
  let date: { value: string; line: number } | undefined;
  let version: { value: string; line: number } | undefined;
  let table = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && version === undefined; i++) {
    const line = lines[i]!;
    const header = /^\s*\[([^\]]{1,200})\]\s*$/.exec(line);
    if (header) {
      table = header[1]!.trim();
      continue;
    }
    if (table === '' && date === undefined) {
      const value = stringValue(line, 'date');
      if (value !== undefined) date = { value, line: i + 1 };
    } else if (table === 'pkg.rust') {
      const value = stringValue(line, 'version');
      if (value !== undefined) version = { value, line: i + 1 };
    }
  }
  if (version === undefined) throw new ChannelManifestError('no `[pkg.rust] version`: is this a Rust channel manifest (channel-rust-stable.toml)?', { file: source, field: 'pkg.rust.version' });
  const release = /^(\d{1,4}\.\d{1,4}\.\d{1,4})(?:\s|$)/.exec(version.value)?.[1];
  if (release === undefined) throw new ChannelManifestError(`\`[pkg.rust] version = "${version.value.slice(0, 80)}"\` does not start with a release (1.95.0)`, { file: source, line: version.line, field: 'pkg.rust.version' });
  if (date === undefined) throw new ChannelManifestError('no top-level `date`: is this a Rust channel manifest (channel-rust-stable.toml)?', { file: source, field: 'date' });
  if (!DATE.test(date.value)) throw new ChannelManifestError(`\`date = "${date.value.slice(0, 40)}"\` is not a date (YYYY-MM-DD)`, { file: source, line: date.line, field: 'date' });
  return { version: release, date: date.value };
}
