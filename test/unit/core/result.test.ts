import { describe, expect, it } from 'vitest';
import { auditRepository } from '../../../functions/app/audit-lockfile.ts';
import type { CrateLookup } from '../../../functions/core/ports.ts';
import { indexWasAsked, platformLimits, type AdvisoryInfo } from '../../../functions/core/result.ts';
import { CLEAN_LOCK, fixtureDb } from '../../helpers/fixtures.ts';
import { assertValidResult } from '../../helpers/result-schema.ts';

const affected = (os: string[], arch: string[]): Pick<AdvisoryInfo, 'affected'> => ({ affected: { os, arch, functions: {} } });

describe('platformLimits', () => {
  it.each([
    [['windows'], [], 'Windows only'],
    [['linux', 'macos'], [], 'Linux and macOS only'],
    [['linux', 'android', 'freebsd'], [], 'Linux, Android and FreeBSD only'],
    [[], ['x86_64'], 'x86_64 only'],
    [[], ['x86', 'x86_64'], 'x86 and x86_64 only'],
    [['windows'], ['x86', 'x86_64'], 'Windows on x86 and x86_64 only'],
    [['ios', 'dragonfly'], [], 'iOS and DragonFly BSD only'],
    [['plan9'], [], 'plan9 only'],
  ])('says the limits of os %j and arch %j as "%s"', (os, arch, text) => {
    expect(platformLimits(affected(os, arch))).toBe(text);
  });

  it('gives null when the advisory has no [affected] table or it names no os nor arch', () => {
    expect(platformLimits({ affected: null })).toBeNull();
    expect(platformLimits(affected([], []))).toBeNull();
  });
});

describe('indexWasAsked', () => {
  it('is false only when the lockfile says the index was not checked', () => {
    expect(indexWasAsked({ index: { checked: false, reason: 'offline' } })).toBe(false);
    expect(indexWasAsked({ index: { checked: true } })).toBe(true);
  });

  it('reads a lockfile written before the field existed as checked, as it was shown then', () => {
    expect(indexWasAsked({})).toBe(true);
  });
});

describe('the index field in result.schema.json', () => {
  const audit = async (index?: ReadonlyMap<string, CrateLookup>) =>
    auditRepository({
      repository: { name: 'x', source: 'local', ref: null, commit: null },
      lockfiles: [{ path: 'Cargo.lock', text: CLEAN_LOCK }],
      db: await fixtureDb(),
      dbLocation: 'db',
      ignores: [],
      deny: [],
      now: new Date('2099-06-01T00:00:00Z'),
      ...(index ? { index } : {}),
    });

  it('accepts a result with the index checked, not checked (offline), and without the field', async () => {
    const offline = await audit();
    expect(offline.lockfiles[0]!.index).toEqual({ checked: false, reason: 'offline' });
    assertValidResult(offline);
    const asked = await audit(new Map<string, CrateLookup>());
    expect(asked.lockfiles[0]!.index).toEqual({ checked: true });
    assertValidResult(asked);
    const { index: _index, ...older } = offline.lockfiles[0]!;
    assertValidResult({ ...offline, lockfiles: [older] });
  });

  it('rejects a not-checked index without its reason, and a reason on a checked one', async () => {
    const result = await audit();
    const withIndex = (index: unknown) => ({ ...result, lockfiles: [{ ...result.lockfiles[0]!, index }] });
    expect(() => assertValidResult(withIndex({ checked: false }))).toThrow(/does not match result\.schema\.json/);
    expect(() => assertValidResult(withIndex({ checked: true, reason: 'offline' }))).toThrow(/does not match result\.schema\.json/);
  });
});
