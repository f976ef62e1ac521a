import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IndexParseError, parseIndexDeps } from '../../../functions/core/sparse-index.ts';
import { FIXTURES } from '../../helpers/fixtures.ts';

const OLD_CLIENT = readFileSync(join(FIXTURES, 'duplicates-index/ol/d-/old-client'), 'utf8');

function line(vers: string, deps: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ name: 'demo', vers, deps, cksum: 'c'.repeat(64), features: {}, yanked: false, ...extra });
}

describe('parseIndexDeps', () => {
  it('keeps, per release, only the entries on the crate asked about, renamed ones included', () => {
    expect(parseIndexDeps(OLD_CLIENT, 'old-client', 'http')).toEqual([
      { version: '0.3.0', yanked: false, deps: [{ name: 'http', package: null, req: '^0.2', kind: 'normal', target: null, optional: false }] },
      { version: '0.3.1', yanked: false, deps: [{ name: 'http', package: null, req: '^0.2.9', kind: 'normal', target: null, optional: false }] },
      {
        version: '0.4.0',
        yanked: false,
        deps: [
          { name: 'http', package: null, req: '^1', kind: 'normal', target: null, optional: false },
          { name: 'http02', package: 'http', req: '^0.2', kind: 'normal', target: 'cfg(unix)', optional: false },
        ],
      },
    ]);
  });

  it('gives every release with no entries when the crate is not a dependency, matching names without regard to case', () => {
    const text = `${line('1.0.0', [{ name: 'Serde', req: '^1', kind: 'dev', optional: true, target: null }])}\n\n${line('1.1.0', [], { yanked: true })}\n`;
    expect(parseIndexDeps(text, 'demo', 'serde')).toEqual([
      { version: '1.0.0', yanked: false, deps: [{ name: 'Serde', package: null, req: '^1', kind: 'dev', target: null, optional: true }] },
      { version: '1.1.0', yanked: true, deps: [] },
    ]);
    expect(parseIndexDeps(text, 'demo', 'tokio').map((r) => r.deps)).toEqual([[], []]);
  });

  it('reads a line without `deps` and an entry without `kind` (older index lines) as normal', () => {
    const text = `${JSON.stringify({ name: 'demo', vers: '0.1.0', cksum: 'c'.repeat(64) })}\n${line('0.2.0', [{ name: 'http', req: '^0.1' }])}\n`;
    expect(parseIndexDeps(text, 'demo', 'http')).toEqual([
      { version: '0.1.0', yanked: false, deps: [] },
      { version: '0.2.0', yanked: false, deps: [{ name: 'http', package: null, req: '^0.1', kind: 'normal', target: null, optional: false }] },
    ]);
  });

  it.each([
    ['a `deps` that is not a list', line('1.0.0', {}), 1, '`deps` of 1.0.0 is not a list'],
    ['an entry without a name', line('1.0.0', [{ req: '^1' }]), 1, 'a `deps` entry of 1.0.0 has no `name` string'],
    ['a matching entry without req', line('1.0.0', [{ name: 'http' }]), 1, 'a `deps` entry of 1.0.0 on "http" has no `req` string'],
    ['a matching entry with an unknown kind', line('1.0.0', [{ name: 'http', req: '^1', kind: 'test' }]), 1, 'has `kind` "test", expected "normal", "dev" or "build"'],
    ['a cut-off second line', `${line('1.0.0', [])}\n{"name":"demo","vers":"1.1`, 2, 'not valid JSON'],
  ])('throws IndexParseError with the line for %s', (_what, text, number, message) => {
    let error: unknown;
    try {
      parseIndexDeps(text, 'demo', 'http');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IndexParseError);
    expect((error as IndexParseError).line).toBe(number);
    expect((error as IndexParseError).message).toContain(message);
  });

  it('leaves a malformed entry on another crate alone', () => {
    expect(parseIndexDeps(line('1.0.0', [{ name: 'libc', req: 7 }]), 'demo', 'http')).toEqual([{ version: '1.0.0', yanked: false, deps: [] }]);
  });
});
