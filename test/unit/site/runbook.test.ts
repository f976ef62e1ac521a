import { describe, expect, it } from 'vitest';
import type { ToolchainFinding } from '../../../functions/core/result.ts';
import { behindText, duplicatesByGain, pinnedText, requirementsWorstFirst, scopeText, toolchainGroups } from '../../../site/src/lib/runbook.ts';

describe('scopeText', () => {
  it.each([
    [{ scope: 'normal', members: ['app'], targets: null }, 'normal (app)'],
    [{ scope: 'dev', members: ['app'], targets: null }, 'dev only (app)'],
    [{ scope: 'build', members: ['app', 'cli'], targets: null }, 'build only (app, cli)'],
    [{ scope: 'normal', members: ['app'], targets: ['cfg(windows)'] }, 'normal (app); cfg(windows) only'],
    [{ scope: 'dev', members: [], targets: ['cfg(unix)', 'x86_64-pc-windows-msvc'] }, 'dev only; cfg(unix) or x86_64-pc-windows-msvc only'],
  ] as const)('says %j as %s', (scope, text) => {
    expect(scopeText({ ...scope, members: [...scope.members], targets: scope.targets ? [...scope.targets] : null })).toBe(text);
  });

  it('says a null scope is not known rather than normal, and gives nothing for a result without the field', () => {
    expect(scopeText(null)).toBe('not known (no Cargo.toml was read beside the lockfile)');
    expect(scopeText(undefined)).toBeNull();
  });
});

const pin = (extra: Partial<ToolchainFinding>): ToolchainFinding => ({
  kind: 'base-image', file: 'compose.yaml', line: 1, image: 'postgres', current: '16.0', latest: '16.0', behind: null, update: null, flagged: false, newValue: null, edit: null, message: '', ...extra,
});

describe('toolchainGroups', () => {
  it('puts flagged pins first, most releases behind, then major before minor before patch, then by place', () => {
    const report = {
      latestStable: { version: '1.95.0', date: '2099-05-28' },
      findings: [
        pin({ file: 'b.yaml', update: 'patch', flagged: true }),
        pin({ file: 'a.yaml', update: 'minor', flagged: true }),
        pin({ kind: 'rust-image', image: 'rust', behind: 3, flagged: true, file: 'Dockerfile' }),
        pin({ kind: 'rust-image', image: 'rust', behind: 20, flagged: true, file: 'Dockerfile.ci' }),
        pin({ file: 'c.yaml', line: 9 }),
        pin({ file: 'c.yaml', line: 2 }),
      ],
      notChecked: [],
    };
    const groups = toolchainGroups(report);
    expect(groups.flagged.map((f) => f.file)).toEqual(['Dockerfile.ci', 'Dockerfile', 'a.yaml', 'b.yaml']);
    expect(groups.current.map((f) => f.line)).toEqual([2, 9]);
    expect(groups.nothingChecked).toBe(false);
  });

  it('says nothing was checked when there is no pin but something could not be checked', () => {
    const notChecked = [{ file: 'Dockerfile', line: 1, subject: 'rust:1.80', reason: 'HTTP 503' }];
    expect(toolchainGroups({ latestStable: null, findings: [], notChecked }).nothingChecked).toBe(true);
    expect(toolchainGroups({ latestStable: null, findings: [], notChecked: [] }).nothingChecked).toBe(false);
  });
});

describe('behindText and pinnedText', () => {
  it.each([
    [{ behind: 20, update: null }, '20 releases behind'],
    [{ behind: 1, update: null }, '1 release behind'],
    [{ behind: 0, update: null }, 'current'],
    [{ behind: null, update: 'major' }, 'major update'],
    [{ behind: null, update: null }, 'current'],
  ] as const)('says %j as %s', (finding, text) => {
    expect(behindText(finding)).toBe(text);
  });

  it('names an image with its tag, a channel and a rust-version by what they are', () => {
    expect(pinnedText({ kind: 'base-image', image: 'postgres', current: '16.0-alpine' })).toBe('postgres:16.0-alpine');
    expect(pinnedText({ kind: 'rust-toolchain', image: null, current: '1.93.0' })).toBe('channel 1.93.0');
    expect(pinnedText({ kind: 'rust-version', image: null, current: '1.70' })).toBe('rust-version 1.70');
  });
});

describe('orders', () => {
  it('ranks duplicates by the packages that disappear, then by name', () => {
    const ranked = duplicatesByGain([{ name: 'syn', disappear: 1 }, { name: 'http', disappear: 2 }, { name: 'base64', disappear: 1 }]);
    expect(ranked.map((d) => d.name)).toEqual(['http', 'base64', 'syn']);
  });

  it('sorts requirements worst status first, then by file and line', () => {
    const req = (status: 'ok' | 'vulnerable' | 'maybe-vulnerable' | 'not-covered', file: string, line: number) => ({ status, file, line }) as Parameters<typeof requirementsWorstFirst>[0][number];
    const sorted = requirementsWorstFirst([req('ok', 'a', 1), req('not-covered', 'a', 2), req('maybe-vulnerable', 'b', 1), req('vulnerable', 'b', 9), req('vulnerable', 'a', 5)]);
    expect(sorted.map((r) => `${r.status} ${r.file}:${r.line}`)).toEqual(['vulnerable a:5', 'vulnerable b:9', 'maybe-vulnerable b:1', 'not-covered a:2', 'ok a:1']);
  });
});
