import { describe, expect, it } from 'vitest';
import type { Finding, LockfileStatus, ScanResult } from '../../../functions/core/result.ts';
import { countFindings, emptyCounts } from '../../../functions/core/result.ts';
import type { DenyKind, FindingKind } from '../../../functions/core/policy.ts';
import type { Severity } from '../../../functions/core/severity.ts';
import { badgeFor, renderBadgeSvg, shieldsEndpoint, textWidth } from '../../../site/src/lib/badge.ts';

function finding(kind: FindingKind, severity: Severity): Finding {
  return {
    kind,
    severity,
    package: { name: 'hyper', version: '0.14.27', source: 'registry+https://github.com/rust-lang/crates.io-index' },
    fix: { status: 'none', version: null, command: null, summary: 'No fixed version of hyper is known.' },
    paths: [],
    line: 1,
  };
}

function result(status: LockfileStatus, findings: Finding[] = [], deny: DenyKind[] = []): ScanResult {
  const counts = countFindings(findings, 0, 0);
  return {
    schemaVersion: 1,
    tool: { name: 'cratewatch', version: '0.1.0' },
    repository: { name: 'app', source: 'path:/app', ref: null, commit: null },
    scannedAt: '2026-01-02T03:04:05.000Z',
    advisoryDb: { revision: 'abc', location: 'db', fetchedAt: null, advisoryCount: 1, diagnostics: [] },
    policy: { deny },
    status,
    errors: [],
    carriedFrom: null,
    lockfiles: [
      {
        path: 'Cargo.lock',
        format: 3,
        packageCount: 1,
        rustVersion: null,
        status,
        packages: [],
        findings,
        ignored: [],
        ignoreProblems: [],
        duplicates: [],
        outdated: [],
        notCovered: [],
        errors: [],
        counts,
      },
    ],
    counts: findings.length > 0 ? counts : emptyCounts(),
    diff: { previousScanAt: null, new: [], resolved: [] },
  };
}

describe('badgeFor', () => {
  it.each([
    ['2 critical', 'red', result('failing', [finding('vulnerability', 'critical'), finding('vulnerability', 'critical'), finding('vulnerability', 'low')])],
    ['1 high', 'orange', result('failing', [finding('vulnerability', 'high'), finding('unmaintained', 'informational')])],
    ['1 medium', 'yellow', result('failing', [finding('vulnerability', 'medium')])],
    ['1 low', 'yellowgreen', result('failing', [finding('vulnerability', 'low'), finding('vulnerability', 'unscored')])],
    ['insecure', 'orange', result('failing', [finding('vulnerability', 'unscored')])],
    ['insecure', 'orange', result('failing', [finding('unmaintained', 'informational')], ['unmaintained'])],
    ['1 warning', 'yellow', result('warnings', [finding('unsound', 'informational')])],
    ['3 warnings', 'yellow', result('warnings', [finding('unsound', 'informational'), finding('notice', 'informational'), finding('yanked', 'informational')])],
    ['up to date', 'brightgreen', result('clean')],
    ['no lockfile', 'lightgrey', result('scanned-nothing')],
    ['error', 'lightgrey', result('error')],
  ] as const)('says "%s" in %s', (message, color, scan) => {
    expect(badgeFor(scan)).toEqual({ label: 'dependencies', message, color });
  });

  it('counts only the findings that fail the policy, at the worst severity among them', () => {
    const scan = result('failing', [finding('vulnerability', 'medium'), finding('unsound', 'informational'), finding('vulnerability', 'medium')]);
    expect(badgeFor(scan).message).toBe('2 medium');
  });
});

describe('badge colours', () => {
  // WCAG relative luminance of a #rrggbb colour.
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const contrast = (a: string, b: string) => (Math.max(luminance(a), luminance(b)) + 0.05) / (Math.min(luminance(a), luminance(b)) + 0.05);

  it.each(['brightgreen', 'yellowgreen', 'yellow', 'orange', 'red', 'lightgrey'] as const)('draws %s with message text of at least 4.5:1 contrast', (color) => {
    const svg = renderBadgeSvg({ label: 'dependencies', message: '1 medium', color });
    const fill = [...svg.matchAll(/<rect x="\d+" width="\d+" height="20" fill="(#[0-9a-f]{6})"/g)][0]![1]!;
    const ink = [...svg.matchAll(/<text [^>]*fill="(#[0-9a-f]{6})">/g)][1]![1]!;
    expect(contrast(fill, ink)).toBeGreaterThanOrEqual(4.5);
  });
});

describe('shieldsEndpoint', () => {
  it('has the fields shields.io reads', () => {
    expect(shieldsEndpoint({ label: 'dependencies', message: 'up to date', color: 'brightgreen' })).toEqual({
      schemaVersion: 1,
      label: 'dependencies',
      message: 'up to date',
      color: 'brightgreen',
    });
  });
});

describe('renderBadgeSvg', () => {
  const svg = renderBadgeSvg({ label: 'dependencies', message: '2 critical', color: 'red' });

  it('is a standalone SVG image with a title and an accessible name', () => {
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-label="dependencies: 2 critical"');
    expect(svg).toContain('<title>dependencies: 2 critical</title>');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('is exactly as wide as its two parts', () => {
    const total = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);
    const rects = [...svg.matchAll(/<rect (?:x="\d+(?:\.\d+)?" )?width="(\d+)" height="20" fill=/g)].map((m) => Number(m[1]));
    expect(rects).toHaveLength(2);
    expect(rects[0]! + rects[1]!).toBe(total);
  });

  it('grows with its text', () => {
    const width = (message: string) => Number(/width="(\d+)"/.exec(renderBadgeSvg({ label: 'dependencies', message, color: 'yellow' }))![1]);
    expect(width('12 warnings')).toBeGreaterThan(width('1 warning'));
    expect(width('up to date')).toBeGreaterThan(width('error'));
  });

  it('escapes markup in its text', () => {
    const hostile = renderBadgeSvg({ label: 'a<b>&"\'', message: '</text><script>alert(1)</script>', color: 'lightgrey' });
    expect(hostile).not.toContain('<script>');
    expect(hostile).not.toContain('<b>');
    expect(hostile).toContain('&lt;/text&gt;&lt;script&gt;');
    expect(hostile).toContain('aria-label="a&lt;b&gt;&amp;&quot;&apos;: ');
  });
});

describe('textWidth', () => {
  it('measures narrow letters narrower than wide ones and counts unknown characters as wide', () => {
    expect(textWidth('iiii')).toBeLessThan(textWidth('mmmm'));
    expect(textWidth('é')).toBeGreaterThan(textWidth('e'));
    expect(textWidth('')).toBe(0);
  });
});
