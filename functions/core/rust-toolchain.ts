// What a `rust-toolchain` / `rust-toolchain.toml` file pins: a Rust release (`1.75`, `1.75.0`),
// a channel (`stable`, `nightly-2024-01-01`), or a custom toolchain, with the line of the value.
import { indexTomlLines, parseTomlIn } from './toml.ts';
import { MAX_TOOLCHAIN_FILE_BYTES, ToolchainFileError } from './toolchain-files.ts';

export type ToolchainChannel =
  /** A release: `1.75` (the newest 1.75.x) or `1.75.0`. */
  | { kind: 'version'; version: string; date: null; host: string | null }
  /** A channel, dated (`nightly-2024-01-01`) or following its newest build (`date: null`). */
  | { kind: 'stable' | 'beta' | 'nightly'; version: null; date: string | null; host: string | null }
  /** A name rustup links to a local build (`rustup toolchain link`), or a `path = …` toolchain. */
  | { kind: 'custom'; version: null; date: null; host: null };

export interface RustToolchainPin {
  file: string;
  format: 'legacy' | 'toml';
  /** The value as written: `1.75.0`, `nightly-2024-01-01`, or the path of a `path` toolchain. */
  value: string;
  channel: ToolchainChannel;
  /** Where the value starts (1-based), for the edit. */
  line: number;
  column: number;
}

const MAX_VALUE = 200;
/** `<channel>[-<date>][-<host triple>]`, as rustup reads a toolchain name. */
const TOOLCHAIN_NAME = /^(stable|beta|nightly|\d{1,4}\.\d{1,4}(?:\.\d{1,4})?)(?:-(\d{4}-\d{2}-\d{2}))?(?:-([a-z0-9_]+(?:-[a-z0-9_.]+){1,4}))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDate(date: string): boolean {
  const m = DATE.exec(date);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day;
}

/**
 * Reads a toolchain name as rustup does.
 *
 * @example parseToolchainName('nightly-2024-01-01') // { kind: 'nightly', date: '2024-01-01', version: null, host: null }
 */
export function parseToolchainName(name: string): ToolchainChannel {
  const m = name.length <= MAX_VALUE ? TOOLCHAIN_NAME.exec(name) : null;
  if (!m || (m[2] !== undefined && !isRealDate(m[2]))) return { kind: 'custom', version: null, date: null, host: null };
  const channel = m[1]!;
  const host = m[3] ?? null;
  if (channel === 'stable' || channel === 'beta' || channel === 'nightly') return { kind: channel, version: null, date: m[2] ?? null, host };
  // A dated release (`1.75.0-2024-01-01`) is not a toolchain name rustup accepts.
  if (m[2] !== undefined) return { kind: 'custom', version: null, date: null, host: null };
  return { kind: 'version', version: channel, date: null, host };
}

function table(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Reads `rust-toolchain` (one toolchain name, the legacy form, or the TOML form rustup also
 * accepts under that name) or `rust-toolchain.toml` (`[toolchain] channel = "1.75"`).
 * Throws ToolchainFileError (file:line) when the file says nothing rustup would use.
 */
export function parseRustToolchain(text: string, file: string): RustToolchainPin {
  if (text.length > MAX_TOOLCHAIN_FILE_BYTES) throw new ToolchainFileError(`larger than ${MAX_TOOLCHAIN_FILE_BYTES} bytes: not a toolchain file`, { file });
  const body = text.replace(/^\uFEFF/, '');
  const lines = body.split(/\r?\n/);
  const meaningful = lines.map((line, i) => ({ line, at: i + 1 })).filter(({ line }) => line.trim() !== '');
  const legacy = !file.endsWith('.toml') && meaningful.length === 1 && !/[=[]/.test(meaningful[0]!.line);
  if (legacy) {
    const { line, at } = meaningful[0]!;
    const value = line.trim();
    if (value.length > MAX_VALUE || /\s/.test(value)) throw new ToolchainFileError('not a toolchain name (one word like `1.75.0`, `stable` or `nightly-2024-01-01`)', { file, line: at });
    return { file, format: 'legacy', value, channel: parseToolchainName(value), line: at, column: line.indexOf(value) + 1 };
  }
  if (meaningful.length === 0) throw new ToolchainFileError('empty: write a toolchain name like `1.75.0` or a `[toolchain]` table with `channel`', { file, line: 1 });

  const doc = parseTomlIn(body, file, (message, location, options) => new ToolchainFileError(message, location, options));
  const toolchain = table(doc.toolchain);
  if (toolchain === undefined) throw new ToolchainFileError('no `[toolchain]` table: add `[toolchain]` with `channel = "…"`', { file, line: 1, field: 'toolchain' });
  const positions = indexTomlLines(body);
  const field = typeof toolchain.channel === 'string' ? 'channel' : typeof toolchain.path === 'string' ? 'path' : null;
  if (field === null) {
    const line = positions.get('toolchain.channel') ?? positions.get('toolchain') ?? 1;
    const what = toolchain.channel === undefined ? 'has no `channel`' : '`channel` is not a string';
    throw new ToolchainFileError(`\`[toolchain]\` ${what}: set \`channel = "1.75.0"\` (or \`path\` for a local toolchain)`, { file, line, field: 'toolchain.channel' });
  }
  const value = toolchain[field] as string;
  const line = positions.get(`toolchain.${field}`) ?? positions.get('toolchain') ?? 1;
  const written = lines[line - 1] ?? '';
  const equals = written.indexOf('=');
  const start = equals === -1 ? -1 : written.indexOf(value, equals);
  const channel: ToolchainChannel = field === 'path' ? { kind: 'custom', version: null, date: null, host: null } : parseToolchainName(value);
  return { file, format: 'toml', value, channel, line, column: start === -1 ? 1 : start + 1 };
}
