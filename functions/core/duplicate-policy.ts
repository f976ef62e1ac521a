// Duplicates a repository has decided to live with, as cargo-deny's `[bans] skip` records
// them: a crate (and optionally which versions) with a reason and an optional expiry.
// Skipped versions do not count; a crate left with one version is no longer reported.
import { admits } from './cargo-req-range.ts';

/** One accepted duplicate: `{ name = "windows-sys", version = "0.48", reason = "…", until = "2027-01-01" }`. */
export interface DuplicateAllowance {
  name: string;
  /** A Cargo requirement selecting the versions skipped (`0.48` is 0.48.x); absent: every version. */
  version?: string;
  reason: string;
  /** `YYYY-MM-DD`: the entry applies up to and including this day. */
  until?: string;
  /** Where the entry is written (`cratewatch.toml`, `deny.toml`), for messages. */
  from?: string;
}

/** An entry as results show it. */
export interface AppliedAllowance {
  name: string;
  version: string | null;
  reason: string;
  until: string | null;
  from: string | null;
}

/** An entry that did not do what was meant: past its date (no longer applied) or matching no duplicated version. */
export interface AllowanceProblem extends AppliedAllowance {
  problem: 'expired' | 'unused';
}

/** The least a duplicate needs to carry for the policy: its name and locked versions. */
export interface DuplicateLike {
  name: string;
  versions: readonly { version: string }[];
}

export interface DuplicatePolicyOutcome<D extends DuplicateLike> {
  /** Duplicates still reported, in the order given, with the versions entries skipped. */
  reported: { duplicate: D; skipped: string[]; allowedBy: AppliedAllowance[] }[];
  /** Duplicates the entries account for: at most one version left once the skipped ones are set aside. */
  allowed: { duplicate: D; allowedBy: AppliedAllowance[] }[];
  problems: AllowanceProblem[];
}

function applied(entry: DuplicateAllowance): AppliedAllowance {
  return { name: entry.name, version: entry.version ?? null, reason: entry.reason, until: entry.until ?? null, from: entry.from ?? null };
}

/** Cargo treats `-` and `_` in crate names alike when it looks them up, and so do the entries. */
function sameCrate(a: string, b: string): boolean {
  return a.replaceAll('_', '-').toLowerCase() === b.replaceAll('_', '-').toLowerCase();
}

function matches(entry: DuplicateAllowance, version: string): boolean {
  if (entry.version === undefined) return true;
  try {
    return admits(entry.version, version);
  } catch {
    return false;
  }
}

/**
 * Splits duplicates into those still reported and those the policy allows, as of `today`
 * (`YYYY-MM-DD`; an entry whose `until` is before it has expired and is not applied).
 * Works on plain `Duplicate`s and on `ExplainedDuplicate`s alike.
 *
 * @example applyDuplicatePolicy(explained, [{ name: 'windows-sys', version: '0.48', reason: 'mio 0.8' }], '2026-05-01')
 */
export function applyDuplicatePolicy<D extends DuplicateLike>(duplicates: readonly D[], policy: readonly DuplicateAllowance[], today: string): DuplicatePolicyOutcome<D> {
  const expired = policy.filter((e) => e.until !== undefined && e.until < today);
  const active = policy.filter((e) => !expired.includes(e));
  const used = new Set<DuplicateAllowance>();
  const outcome: DuplicatePolicyOutcome<D> = { reported: [], allowed: [], problems: [] };
  for (const duplicate of duplicates) {
    const entries = active.filter((e) => sameCrate(e.name, duplicate.name));
    const by = new Set<DuplicateAllowance>();
    const skipped: string[] = [];
    for (const { version } of duplicate.versions) {
      const entry = entries.find((e) => matches(e, version));
      if (!entry) continue;
      by.add(entry);
      used.add(entry);
      if (!skipped.includes(version)) skipped.push(version);
    }
    const allowedBy = [...by].map(applied);
    // The same version twice (two sources) stays a duplicate unless an entry skips it.
    const remaining = duplicate.versions.filter((v) => !skipped.includes(v.version)).length;
    if (by.size > 0 && remaining <= 1) outcome.allowed.push({ duplicate, allowedBy });
    else outcome.reported.push({ duplicate, skipped, allowedBy });
  }
  outcome.problems = [
    ...expired.map((e) => ({ problem: 'expired' as const, ...applied(e) })),
    ...active.filter((e) => !used.has(e)).map((e) => ({ problem: 'unused' as const, ...applied(e) })),
  ];
  return outcome;
}
