import { describe, expect, it } from 'vitest';
import { findDuplicates } from '../../../functions/core/duplicates.ts';
import { CRATES_IO_REGISTRY, CRATES_IO_SPARSE, parseLockfile } from '../../../functions/core/lockfile.ts';
import { fixtureLockfile } from '../../helpers/fixtures.ts';

const BYTES_GIT = 'git+https://github.com/example/bytes?branch=master#5f2c6a1e9b8d7c4a3f2e1d0c9b8a7f6e5d4c3b2a';

describe('findDuplicates keeps cargo tree -d: a name locked as more than one package', () => {
  it.each(['vendored-v1.Cargo.lock', 'vendored-v2.Cargo.lock', 'vendored-v3.Cargo.lock', 'vendored-v4.Cargo.lock'])(
    'lists bytes and smallvec, each locked at one version from two sources, in %s',
    (file) => {
      expect(findDuplicates(fixtureLockfile(file))).toEqual([
        {
          name: 'bytes',
          versions: [
            { version: '1.5.0', source: CRATES_IO_REGISTRY, dependents: [{ name: 'h2', version: '0.3.20' }, { name: 'hyper', version: '0.14.27' }] },
            { version: '1.5.0', source: BYTES_GIT, dependents: [{ name: 'app', version: '0.1.0' }] },
          ],
        },
        {
          name: 'smallvec',
          versions: [
            { version: '0.6.13', source: null, dependents: [{ name: 'app', version: '0.1.0' }] },
            { version: '0.6.13', source: CRATES_IO_REGISTRY, dependents: [{ name: 'hyper', version: '0.14.27' }] },
          ],
        },
      ]);
    },
  );

  it('does not count the [[patch.unused]] hyper 0.14.28 and h2 0.3.26 as second packages of hyper and h2', () => {
    const names = findDuplicates(fixtureLockfile('vendored-v3.Cargo.lock')).map((d) => d.name);
    expect(names).not.toContain('hyper');
    expect(names).not.toContain('h2');
  });

  it('lists two versions of one source (thiserror 1.0.69 and 2.0.12) in ascending order', () => {
    const thiserror = findDuplicates(fixtureLockfile('v3.Cargo.lock')).find((d) => d.name === 'thiserror')!;
    expect(thiserror.versions.map((v) => [v.version, v.dependents.map((d) => d.name)])).toEqual([
      ['1.0.69', ['my-app']],
      ['2.0.12', ['my-lib']],
    ]);
  });

  it('lists packages nothing depends on as well, since they are locked (syn and bytes in unmatched-entries)', () => {
    const duplicates = findDuplicates(fixtureLockfile('unmatched-entries.Cargo.lock'));
    expect(duplicates.map((d) => [d.name, d.versions.map((v) => `${v.version} ${v.dependents.length}`)])).toEqual([
      ['bytes', ['1.5.0 1', '1.5.0 0']],
      ['syn', ['1.0.109 0', '2.0.48 0']],
    ]);
  });

  it('orders one version from several sources as Cargo orders sources: path, registry, sparse registry, git', () => {
    const text = [
      ['foo', '1.0.0', 'git+https://git.example.com/foo#0123'],
      ['foo', '1.0.0', CRATES_IO_SPARSE],
      ['foo', '1.0.0', CRATES_IO_REGISTRY],
      ['foo', '1.0.0', undefined],
      ['foo', '0.9.0', 'git+https://git.example.com/foo?tag=v0.9.0#4567'],
    ]
      .map(([name, version, source]) => `[[package]]\nname = "${name}"\nversion = "${version}"\n${source ? `source = "${source}"\n` : ''}`)
      .join('\n');
    expect(findDuplicates(parseLockfile(text, 'Cargo.lock'))[0]!.versions.map((v) => `${v.version} ${v.source ?? 'path'}`)).toEqual([
      '0.9.0 git+https://git.example.com/foo?tag=v0.9.0#4567',
      '1.0.0 path',
      `1.0.0 ${CRATES_IO_REGISTRY}`,
      `1.0.0 ${CRATES_IO_SPARSE}`,
      '1.0.0 git+https://git.example.com/foo#0123',
    ]);
  });

  it('reports nothing for a lockfile where every name is locked once (root-v1)', () => {
    expect(findDuplicates(fixtureLockfile('root-v1.Cargo.lock'))).toEqual([]);
  });
});
