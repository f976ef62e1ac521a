import { beforeAll, describe, expect, it } from 'vitest';
import { auditRepository } from '../../../functions/app/audit-lockfile.ts';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import {
  alertableFindings,
  checkLedger,
  claimAlerts,
  dropDeadClaims,
  dueAlerts,
  emptyLedger,
  pruneLedger,
  recordDelivered,
  seedLegacyAlerts,
  type AlertLedger,
} from '../../../functions/core/alert-ledger.ts';
import type { ScanResult } from '../../../functions/core/result.ts';
import { fixtureDb, fixtureText } from '../../helpers/fixtures.ts';

let db: AdvisoryDb;
beforeAll(async () => {
  db = await fixtureDb();
});

const NOW = new Date('2099-06-02T00:00:00Z');
const HYPER = 'demo\u0000Cargo.lock\u0000vulnerability\u0000RUSTSEC-2099-0001\u0000hyper';

function scan(text: string, now: string, previous?: ScanResult, name = 'demo'): ScanResult {
  return auditRepository({
    repository: { name, source: `path:/${name}`, ref: null, commit: null },
    lockfiles: [{ path: 'Cargo.lock', text }],
    db,
    dbLocation: 'fixture',
    ignores: [],
    deny: [],
    now: new Date(now),
    ...(previous ? { previous } : {}),
  });
}

const critical = { threshold: 'critical', unscored: false } as const;

describe('alertableFindings', () => {
  it('picks the vulnerabilities at or above the threshold, one per identity', () => {
    const result = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z');
    expect(alertableFindings([result], critical).map((a) => a.key)).toEqual([HYPER]);
    const high = alertableFindings([result], { threshold: 'high', unscored: false }).map((a) => `${a.finding.package.name} ${a.finding.severity}`);
    expect(high).toEqual(['hyper critical', 'h2 high']);
  });
});

describe('due alerts', () => {
  it('are the alertable findings not delivered and not claimed', () => {
    const alertable = alertableFindings([scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z')], critical);
    const ledger = emptyLedger(NOW);
    expect(dueAlerts(ledger, alertable).map((a) => a.key)).toEqual([HYPER]);
    const claimed = claimAlerts(ledger, { runId: 'r1', owner: 'h:1', claimedAt: NOW.toISOString(), keys: [HYPER] }, NOW);
    expect(dueAlerts(claimed, alertable)).toEqual([]);
    const delivered = recordDelivered(claimed, 'r1', alertable, NOW);
    expect(delivered.claims).toEqual([]);
    expect(delivered.delivered[HYPER]).toEqual({
      repository: 'demo',
      lockfile: 'Cargo.lock',
      kind: 'vulnerability',
      id: 'RUSTSEC-2099-0001',
      crate: 'hyper',
      version: '0.14.27',
      severity: 'critical',
      deliveredAt: '2099-06-02T00:00:00.000Z',
    });
    expect(dueAlerts(delivered, alertable)).toEqual([]);
  });

  it('come back when the claiming run is declared dead', () => {
    const alertable = alertableFindings([scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z')], critical);
    const claimed = claimAlerts(emptyLedger(NOW), { runId: 'r1', owner: 'h:1', claimedAt: NOW.toISOString(), keys: [HYPER] }, NOW);
    expect(dueAlerts(dropDeadClaims(claimed, () => true), alertable)).toEqual([]);
    expect(dueAlerts(dropDeadClaims(claimed, (c) => c.owner !== 'h:1'), alertable).map((a) => a.key)).toEqual([HYPER]);
  });
});

describe('pruneLedger', () => {
  const delivered = (): AlertLedger => {
    const result = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z');
    return recordDelivered(emptyLedger(NOW), 'r', alertableFindings([result], critical), NOW);
  };

  it('forgets a finding that is resolved, so that it alerts again if it returns', () => {
    const fixed = scan(fixtureText('v3.Cargo.lock').replace('version = "0.14.27"', 'version = "0.14.28"'), '2099-06-02T00:00:00Z');
    expect(pruneLedger(delivered(), [fixed], new Set(['demo'])).delivered).toEqual({});
  });

  it('keeps findings of repositories without a readable result, and of lockfiles that failed to parse', () => {
    expect(Object.keys(pruneLedger(delivered(), [], new Set(['demo'])).delivered)).toEqual([HYPER]);
    const broken = scan('[[package]\n', '2099-06-02T00:00:00Z');
    expect(Object.keys(pruneLedger(delivered(), [broken], new Set(['demo'])).delivered)).toEqual([HYPER]);
  });

  it('forgets repositories that are no longer configured', () => {
    expect(pruneLedger(delivered(), [], new Set(['other'])).delivered).toEqual({});
  });

  it('keeps a finding whose crate moved to another affected version', () => {
    const moved = scan(fixtureText('v3.Cargo.lock').replace('version = "0.14.27"', 'version = "0.14.26"'), '2099-06-02T00:00:00Z');
    expect(Object.keys(pruneLedger(delivered(), [moved], new Set(['demo'])).delivered)).toEqual([HYPER]);
  });
});

describe('seedLegacyAlerts', () => {
  it('counts the alertable findings of results from before the ledger as delivered at their scan, and nothing of newer results', () => {
    const legacy = { ...scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z'), tool: { name: 'cratewatch' as const, version: '0.1.0' } };
    const current = scan(fixtureText('v3.Cargo.lock'), '2099-06-02T00:00:00Z', undefined, 'fresh');
    const seeded = seedLegacyAlerts(emptyLedger(NOW), [legacy, current], critical, NOW)!;
    expect(Object.values(seeded.delivered).map((e) => [e.repository, e.crate, e.deliveredAt])).toEqual([['demo', 'hyper', '2099-06-01T00:00:00.000Z']]);
    expect(seedLegacyAlerts(seeded, [legacy], critical, NOW)).toBeNull();
    expect(seedLegacyAlerts(emptyLedger(NOW), [current], critical, NOW)).toBeNull();
  });
});

describe('checkLedger', () => {
  it.each([
    [[], 'is not a JSON object'],
    [{ ledgerVersion: 2, delivered: {}, claims: [] }, 'has ledgerVersion 2, but this cratewatch reads 1'],
    [{ ledgerVersion: 1, claims: [] }, 'has no delivered map or claims list'],
    [{ ledgerVersion: 1, updatedAt: 'x', delivered: {}, claims: [] }, undefined],
  ])('says what is wrong with %j', (doc, problem) => {
    expect(checkLedger(doc)).toBe(problem);
  });
});
