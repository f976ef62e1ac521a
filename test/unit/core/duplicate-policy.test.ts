import { describe, expect, it } from 'vitest';
import { applyDuplicatePolicy, type DuplicateAllowance } from '../../../functions/core/duplicate-policy.ts';
import { explainDuplicates } from '../../../functions/core/duplicates-explained.ts';
import { fixtureLockfile } from '../../helpers/fixtures.ts';

const TODAY = '2026-05-01';
const dup = (name: string, ...versions: string[]) => ({ name, versions: versions.map((version) => ({ version })) });
const WINDOWS_SYS = dup('windows-sys', '0.48.0', '0.52.0', '0.59.0');
const HTTP = dup('http', '0.2.12', '1.1.0');

describe('applyDuplicatePolicy', () => {
  it('allows a duplicate once the skipped versions leave one, keeping the reason', () => {
    const policy: DuplicateAllowance[] = [{ name: 'http', version: '0.2', reason: 'actix-web 4 is still on http 0.2', until: '2026-12-31', from: 'cratewatch.toml' }];
    const outcome = applyDuplicatePolicy([HTTP, WINDOWS_SYS], policy, TODAY);
    expect(outcome.allowed).toEqual([
      { duplicate: HTTP, allowedBy: [{ name: 'http', version: '0.2', reason: 'actix-web 4 is still on http 0.2', until: '2026-12-31', from: 'cratewatch.toml' }] },
    ]);
    expect(outcome.reported).toEqual([{ duplicate: WINDOWS_SYS, skipped: [], allowedBy: [] }]);
    expect(outcome.problems).toEqual([]);
  });

  it('still reports windows-sys when skipping 0.48 leaves 0.52 and 0.59, naming the skipped version', () => {
    const outcome = applyDuplicatePolicy([WINDOWS_SYS], [{ name: 'windows-sys', version: '0.48', reason: 'mio 0.8' }], TODAY);
    expect(outcome.allowed).toEqual([]);
    expect(outcome.reported).toEqual([{ duplicate: WINDOWS_SYS, skipped: ['0.48.0'], allowedBy: [{ name: 'windows-sys', version: '0.48', reason: 'mio 0.8', until: null, from: null }] }]);
    expect(outcome.problems).toEqual([]);
  });

  it('allows every version of a crate named without a version, matching - and _ alike', () => {
    const outcome = applyDuplicatePolicy([WINDOWS_SYS], [{ name: 'windows_sys', reason: 'the Windows crates move together' }], TODAY);
    expect(outcome.allowed.map((a) => a.duplicate.name)).toEqual(['windows-sys']);
  });

  it('applies an entry on its until day and flags it expired the day after, reporting the duplicate again', () => {
    const policy: DuplicateAllowance[] = [{ name: 'http', version: '0.2', reason: 'r', until: TODAY }];
    expect(applyDuplicatePolicy([HTTP], policy, TODAY).allowed).toHaveLength(1);
    const after = applyDuplicatePolicy([HTTP], policy, '2026-05-02');
    expect(after.allowed).toEqual([]);
    expect(after.reported.map((r) => r.duplicate)).toEqual([HTTP]);
    expect(after.problems).toEqual([{ problem: 'expired', name: 'http', version: '0.2', reason: 'r', until: TODAY, from: null }]);
  });

  it('flags entries that match no duplicated version: a crate not duplicated, or a version not locked', () => {
    const policy: DuplicateAllowance[] = [
      { name: 'syn', reason: 'syn 1 and 2' },
      { name: 'http', version: '0.1', reason: 'old hyper' },
    ];
    const outcome = applyDuplicatePolicy([HTTP], policy, TODAY);
    expect(outcome.problems.map((p) => [p.problem, p.name, p.version])).toEqual([
      ['unused', 'syn', null],
      ['unused', 'http', '0.1'],
    ]);
    expect(outcome.reported.map((r) => r.duplicate)).toEqual([HTTP]);
  });

  it('keeps reporting one version locked from two sources unless an entry skips it', () => {
    const twice = dup('bytes', '1.5.0', '1.5.0');
    expect(applyDuplicatePolicy([twice], [{ name: 'bytes', version: '=1.4.0', reason: 'r' }], TODAY).reported.map((r) => r.duplicate)).toEqual([twice]);
    expect(applyDuplicatePolicy([twice], [{ name: 'bytes', version: '=1.5.0', reason: 'r' }], TODAY).allowed.map((a) => a.duplicate)).toEqual([twice]);
  });

  it('works on explained duplicates, keeping their ranking', () => {
    const explained = explainDuplicates(fixtureLockfile('duplicates-workspace.Cargo.lock'), null);
    const outcome = applyDuplicatePolicy(explained, [{ name: 'smallvec', version: '~1.6', reason: 'test-only' }], TODAY);
    expect(outcome.reported.map((r) => r.duplicate.name)).toEqual(['http', 'syn']);
    expect(outcome.allowed.map((a) => [a.duplicate.name, a.duplicate.disappear])).toEqual([['smallvec', 1]]);
  });
});
