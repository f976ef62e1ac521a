// Alerts built from real findings: the fixture lockfile v3.Cargo.lock audited against the
// fixture advisory database, so alert tests see exactly the shapes a scan produces.
import { auditRepository } from '../../functions/app/audit-lockfile.ts';
import type { Alert } from '../../functions/core/ports.ts';
import type { Finding } from '../../functions/core/result.ts';
import { fixtureDb, fixtureText } from './fixtures.ts';

/**
 * The findings of v3.Cargo.lock by crate: hyper (critical, CVSS 9.8), h2 (high, 7.5), tokio
 * (medium, 6.9), reqwest (low, 3.1), time (low, 3.7, fix needs a manifest bump so no command),
 * smallvec and thiserror-impl (unscored, no CVSS), base64 (unmaintained), bytes (notice, two
 * paths), mio (unsound).
 */
export async function fixtureFindings(): Promise<Map<string, Finding>> {
  const result = auditRepository({
    repository: { name: 'fixtures', source: 'local', ref: null, commit: null },
    lockfiles: [{ path: 'Cargo.lock', text: fixtureText('v3.Cargo.lock') }],
    db: await fixtureDb(),
    dbLocation: 'test/fixtures/advisory-db',
    ignores: [],
    deny: [],
    now: new Date('2099-06-01T00:00:00Z'),
  });
  return new Map(result.lockfiles[0]!.findings.map((f) => [f.package.name, f]));
}

/** `count` distinct alerts over `repositories`, each a fixture finding under its own crate name (`crate-0007`). */
export function manyAlerts(findings: ReadonlyMap<string, Finding>, count: number, repositories: readonly string[]): Alert[] {
  const all = [...findings.values()];
  return Array.from({ length: count }, (_, i) => {
    const finding = all[i % all.length]!;
    const name = `crate-${String(i).padStart(4, '0')}`;
    return {
      repository: repositories[i % repositories.length]!,
      lockfile: 'Cargo.lock',
      finding: { ...finding, package: { ...finding.package, name }, paths: finding.paths.map((p) => p.map((step, j) => (j === p.length - 1 ? { ...step, name } : step))) },
    };
  });
}

/**
 * The alerts an alert body lists, read back from each entry's first line
 * (`12. [high (CVSS 7.5)] billing Cargo.lock: h2 0.3.20 RUSTSEC-2099-0002`), as
 * `repository lockfile crate version id`.
 */
export function listedAlerts(body: string): string[] {
  return [...body.matchAll(/^\d+\. \[[^\]]+\] (\S+) (\S+): (\S+) (\S+) (\S+)$/gm)].map((m) => m.slice(1).join(' '));
}

/** How `listedAlerts` names an alert. */
export function alertName(alert: Alert): string {
  return [alert.repository, alert.lockfile, alert.finding.package.name, alert.finding.package.version, alert.finding.advisory?.id ?? 'yanked'].join(' ');
}
