// Which newer tags a registry has for an image tag like `16.0-alpine`: the same variant
// suffix and the same number of version parts, newest first per kind of update.
//
// The kind of update follows the parts the tag pins. For `1.25.3-bookworm` (major.minor.patch)
// `1.25.4-bookworm` is a patch, `1.26.0-bookworm` a minor, `2.0.0-bookworm` a major update;
// for `16.0-alpine` (major.minor) `16.1-alpine` is a minor and `17.0-alpine` a major update;
// for `16-alpine` (major) `17-alpine` is a major update. A tag that is not a version
// (`latest`, `stable`, `alpine`) is never called up to date: it is not checked.

export type UpdateLevel = 'patch' | 'minor' | 'major';

export interface VersionTag {
  /** `v` for `v1.2.3`, else ''. */
  prefix: string;
  /** `[16, 0]` for `16.0-alpine`. */
  numbers: number[];
  /** Everything after the version: `-alpine`, `-bookworm`, ''. */
  suffix: string;
}

const MAX_TAG = 128;
const VERSION_TAG = /^(v?)(\d{1,9}(?:\.\d{1,9}){0,3})(.*)$/;

/** Reads a tag as version + variant; null when it does not start with a version (`latest`, `alpine`). */
export function parseVersionTag(tag: string): VersionTag | null {
  if (tag.length > MAX_TAG) return null;
  const m = VERSION_TAG.exec(tag);
  if (!m) return null;
  const suffix = m[3]!;
  // `1.2.3.4.5`: more version than the parts read, so not this version with a variant.
  if (suffix !== '' && /^[0-9.]/.test(suffix)) return null;
  return { prefix: m[1]!, numbers: m[2]!.split('.').map(Number), suffix };
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The kind of update from `current` to a newer `next` of the same precision. */
function levelOf(current: readonly number[], next: readonly number[]): UpdateLevel {
  if (next[0] !== current[0]) return 'major';
  if (current.length >= 2 && next[1] !== current[1]) return 'minor';
  return 'patch';
}

export type TagCheck =
  | {
      kind: 'checked';
      current: string;
      /** The newest tag of the same variant and precision; null when `current` is the newest. */
      newest: string | null;
      /** The kind of update `newest` is; null when there is none. */
      update: UpdateLevel | null;
      /** The newest tag of each kind of update (a smaller step than `newest`, when there is one). */
      steps: Record<UpdateLevel, string | null>;
    }
  | { kind: 'not-a-version'; current: string; reason: string };

/**
 * Compares `current` with a registry's tag list (in any order).
 *
 * @example findNewerTags('16.0-alpine', ['16.0-alpine', '16.1-alpine', '17.0-alpine', '17.0']) // newest '17.0-alpine' (major), steps.minor '16.1-alpine'
 */
export function findNewerTags(current: string, tags: readonly string[]): TagCheck {
  const mine = parseVersionTag(current);
  if (mine === null) return { kind: 'not-a-version', current, reason: `tag \`${current}\` is not a version: not checked` };
  const steps: Record<UpdateLevel, { tag: string; numbers: number[] } | null> = { patch: null, minor: null, major: null };
  for (const tag of tags) {
    const other = parseVersionTag(tag);
    if (other === null || other.prefix !== mine.prefix || other.suffix !== mine.suffix || other.numbers.length !== mine.numbers.length) continue;
    if (compare(other.numbers, mine.numbers) <= 0) continue;
    const level = levelOf(mine.numbers, other.numbers);
    const best = steps[level];
    if (best === null || compare(other.numbers, best.numbers) > 0) steps[level] = { tag, numbers: other.numbers };
  }
  const newest = steps.major ?? steps.minor ?? steps.patch;
  const update: UpdateLevel | null = steps.major ? 'major' : steps.minor ? 'minor' : steps.patch ? 'patch' : null;
  return {
    kind: 'checked',
    current,
    newest: newest?.tag ?? null,
    update,
    steps: { patch: steps.patch?.tag ?? null, minor: steps.minor?.tag ?? null, major: steps.major?.tag ?? null },
  };
}
