// Status badges for READMEs, in the look of deps.rs and shields.io: an SVG to embed and
// the same words as shields.io endpoint JSON, so shields can restyle them.
import { failsPolicy } from '../../../functions/core/policy.ts';
import type { ScanResult } from '../../../functions/core/result.ts';
import type { Severity } from '../../../functions/core/severity.ts';
import { escapeXml } from './atom.ts';
import { plural } from './format.ts';

/** shields.io's named colours for the JSON; the SVG uses close shades. */
export type BadgeColor = 'brightgreen' | 'yellowgreen' | 'yellow' | 'orange' | 'red' | 'lightgrey';

// Shields' shades, except a darker red: its text must reach 4.5:1 contrast (WCAG AA).
const HEX: Record<BadgeColor, string> = {
  brightgreen: '#44cc11',
  yellowgreen: '#a4a61d',
  yellow: '#dfb317',
  orange: '#fe7d37',
  red: '#c9301c',
  lightgrey: '#9f9f9f',
};

export interface Badge {
  label: string;
  message: string;
  color: BadgeColor;
}

/** The shields.io endpoint schema (https://shields.io/badges/endpoint-badge). */
export interface ShieldsEndpoint {
  schemaVersion: 1;
  label: string;
  message: string;
  color: BadgeColor;
}

const LABEL = 'dependencies';
const SCORED: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** A failing badge's colour by the worst severity on it: "1 medium" must not look like "1 critical". */
const SEVERITY_COLOR: Readonly<Record<Severity, BadgeColor>> = {
  critical: 'red',
  high: 'orange',
  medium: 'yellow',
  low: 'yellowgreen',
  unscored: 'orange',
  informational: 'orange',
};

/**
 * What a repository's latest result says on its badge: "2 critical" (the count at the
 * worst severity among the findings that fail the policy, coloured by that severity),
 * "insecure" when those carry no score, "3 warnings", "up to date", "no lockfile" or "error".
 */
export function badgeFor(result: ScanResult): Badge {
  switch (result.status) {
    case 'error':
      return { label: LABEL, message: 'error', color: 'lightgrey' };
    case 'scanned-nothing':
      return { label: LABEL, message: 'no lockfile', color: 'lightgrey' };
    case 'clean':
      return { label: LABEL, message: 'up to date', color: 'brightgreen' };
    case 'warnings':
      return { label: LABEL, message: plural(result.counts.findings, 'warning'), color: 'yellow' };
    case 'failing': {
      const failing = result.lockfiles.flatMap((l) => l.findings).filter((f) => failsPolicy(f.kind, result.policy.deny));
      const worst = SCORED.find((s) => failing.some((f) => f.severity === s));
      if (worst === undefined) return { label: LABEL, message: 'insecure', color: SEVERITY_COLOR.unscored };
      return { label: LABEL, message: `${failing.filter((f) => f.severity === worst).length} ${worst}`, color: SEVERITY_COLOR[worst] };
    }
  }
}

export function shieldsEndpoint(badge: Badge): ShieldsEndpoint {
  return { schemaVersion: 1, label: badge.label, message: badge.message, color: badge.color };
}

// Advance widths of Verdana at 11px (the badge font), rounded to tenths; other characters
// count as a wide letter so a badge is never too narrow for its text.
const NARROW = { width: 3.4, chars: "ijl.,:;!|'" };
const WIDTHS: readonly { width: number; chars: string }[] = [
  NARROW,
  { width: 3.9, chars: ' ' },
  { width: 4.3, chars: 'frt()[]-/' },
  { width: 5.7, chars: 'sczJI' },
  { width: 6.2, chars: 'abdeghknopquvxy' },
  { width: 7.0, chars: '0123456789#$?+=<>_' },
  { width: 7.5, chars: 'ABCEFKLPRSTVXYZ' },
  { width: 8.4, chars: 'DGHNOQU&%' },
  { width: 9.9, chars: 'mw' },
  { width: 11.2, chars: 'MW@' },
];
const WIDE = 9.9;

/** The width in pixels that `text` takes in 11px Verdana, roughly. */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDTHS.find((w) => w.chars.includes(char))?.width ?? WIDE;
  return Math.round(width * 10) / 10;
}

/** The message's text colour: at least 4.5:1 against its background (WCAG AA). */
function textColor(color: BadgeColor): string {
  return color === 'red' ? '#ffffff' : '#1b1f24';
}

const PADDING = 6;

/** A standalone SVG badge: role="img", a <title> and an aria-label for screen readers, text escaped. */
export function renderBadgeSvg(badge: Badge): string {
  const labelWidth = Math.ceil(textWidth(badge.label)) + 2 * PADDING;
  const messageWidth = Math.ceil(textWidth(badge.message)) + 2 * PADDING;
  const width = labelWidth + messageWidth;
  const text = escapeXml(`${badge.label}: ${badge.message}`);
  const label = escapeXml(badge.label);
  const message = escapeXml(badge.message);
  const ink = textColor(badge.color);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" viewBox="0 0 ${width} 20" role="img" aria-label="${text}">`,
    `<title>${text}</title>`,
    `<clipPath id="round"><rect width="${width}" height="20" rx="3"/></clipPath>`,
    `<g clip-path="url(#round)">`,
    `<rect width="${labelWidth}" height="20" fill="#555"/>`,
    `<rect x="${labelWidth}" width="${messageWidth}" height="20" fill="${HEX[badge.color]}"/>`,
    `</g>`,
    `<g text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11" aria-hidden="true">`,
    `<text x="${labelWidth / 2}" y="14" fill="#ffffff">${label}</text>`,
    `<text x="${labelWidth + messageWidth / 2}" y="14" fill="${ink}">${message}</text>`,
    `</g>`,
    `</svg>`,
  ].join('\n');
}
