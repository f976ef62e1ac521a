// What fails a scan, as cargo-audit decides it: every vulnerability, and the warning
// kinds (unmaintained, unsound, notice, yanked) only when they are denied.

export const DENY_KINDS = ['warnings', 'unmaintained', 'unsound', 'notice', 'yanked'] as const;
export type DenyKind = (typeof DENY_KINDS)[number];

export type FindingKind = 'vulnerability' | 'unmaintained' | 'unsound' | 'notice' | 'yanked';

/** An advisory to leave out of the verdict, with why, until an optional date (`YYYY-MM-DD`). */
export interface Ignore {
  id: string;
  reason: string;
  until?: string;
}

export function isDenyKind(value: string): value is DenyKind {
  return (DENY_KINDS as readonly string[]).includes(value);
}

/** True when a finding of this kind fails the policy given the denied warning kinds. */
export function failsPolicy(kind: FindingKind, deny: readonly DenyKind[]): boolean {
  return kind === 'vulnerability' || deny.includes('warnings') || deny.includes(kind);
}
