import { describe, expect, it } from 'vitest';
import { IndexParseError, indexPath, parseIndexFile } from '../../../functions/core/sparse-index.ts';

describe('indexPath', () => {
  it.each([
    ['a', '1/a'],
    ['Z', '1/z'],
    ['ab', '2/ab'],
    ['cc', '2/cc'],
    ['abc', '3/a/abc'],
    ['syn', '3/s/syn'],
    ['Url', '3/u/url'],
    ['abcd', 'ab/cd/abcd'],
    ['serde', 'se/rd/serde'],
    ['serde_json', 'se/rd/serde_json'],
    ['Inflector', 'in/fl/inflector'],
    ['FFTW-sys', 'ff/tw/fftw-sys'],
    ['a-b', '3/a/a-b'],
    ['_ab', '3/_/_ab'],
    ['x1_2', 'x1/_2/x1_2'],
  ])('puts %s at %s', (name, path) => {
    expect(indexPath(name)).toBe(path);
  });

  it.each([[''], ['../etc/passwd'], ['se rde'], ['serde/../x'], ['sérde']])('refuses %j, which is not a crate name', (name) => {
    expect(() => indexPath(name)).toThrow('is not a crate name');
  });
});

// Real index lines (shapes from index.crates.io), shortened: `deps`, `features`, `cksum`,
// `features2` with `v: 2`, `rust_version`, yanked versions.
const SMALLVEC = [
  '{"name":"smallvec","vers":"0.1.0","deps":[],"cksum":"5b8d9b8b8f1d6e5a0a5a5f8f1c3e0ad0d1b8e0f1a1f8b2c3d4e5f60718293a4b","features":{},"yanked":false}',
  '{"name":"smallvec","vers":"1.6.0","deps":[{"name":"serde","req":"^1","features":[],"optional":true,"default_features":false,"target":null,"kind":"normal"}],"cksum":"fe0f37c9e8f3c5a4a66ad655a93c74daac4ad00a00e2f8a1b5a55b1dbd1d8b2e","features":{"const_generics":[],"union":[],"write":[]},"yanked":true,"links":null}',
  '',
  '{"name":"SmallVec","vers":"1.13.2","deps":[{"name":"arbitrary","req":"^1","features":[],"optional":true,"default_features":true,"target":null,"kind":"normal"},{"name":"debugger_test","req":"^0.1.0","features":[],"optional":false,"default_features":true,"target":null,"kind":"dev"}],"cksum":"3c5e1a9a646d36c3599cd173a41282daf47c44583ad367b8e6837255952e5c67","features":{"const_generics":[],"write":[]},"features2":{"serde":["dep:serde"]},"yanked":false,"links":null,"v":2,"rust_version":"1.56"}',
  '{"name":"smallvec","vers":"2.0.0-alpha.10","deps":[],"cksum":"d44cfb396c3caf6fbfd0ab422af02631b69ddd96d2eff0b0f0724f9024051b9f","features":{},"yanked":false,"links":null,"rust_version":null}',
  '',
].join('\n');

describe('parseIndexFile', () => {
  it('reads every version line with its yanked flag and rust_version, skipping blank lines', () => {
    expect(parseIndexFile(SMALLVEC, 'smallvec')).toEqual([
      { version: '0.1.0', yanked: false, rustVersion: null },
      { version: '1.6.0', yanked: true, rustVersion: null },
      { version: '1.13.2', yanked: false, rustVersion: '1.56' },
      { version: '2.0.0-alpha.10', yanked: false, rustVersion: null },
    ]);
  });

  it('reads CRLF line endings and a file without a final newline', () => {
    const text = '{"name":"a","vers":"0.1.0","yanked":false}\r\n{"name":"a","vers":"0.2.0","yanked":true}';
    expect(parseIndexFile(text, 'a').map((v) => [v.version, v.yanked])).toEqual([
      ['0.1.0', false],
      ['0.2.0', true],
    ]);
  });

  it('gives no versions for an empty body', () => {
    expect(parseIndexFile('', 'empty')).toEqual([]);
    expect(parseIndexFile('\n\n', 'empty')).toEqual([]);
  });

  it('fails a truncated body naming the crate and the line', () => {
    const cut = SMALLVEC.slice(0, SMALLVEC.indexOf('"features2"'));
    expect(() => parseIndexFile(cut, 'smallvec')).toThrow(/^index file of crate "smallvec", line 4: not valid JSON .*: a cut-off body, or not an index file$/);
  });

  it('fails a line without `vers`', () => {
    const text = '{"name":"a","vers":"0.1.0","yanked":false}\n{"name":"a","yanked":false}\n';
    let thrown: unknown;
    try {
      parseIndexFile(text, 'a');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IndexParseError);
    expect(thrown).toMatchObject({ crate: 'a', line: 2, message: 'index file of crate "a", line 2: no `vers` string' });
  });

  it.each([
    ['an HTML page', '<html><body>Not Found</body></html>', 'not valid JSON'],
    ['a JSON array', '["0.1.0"]', 'expected a JSON object'],
    ['a number', '42', 'expected a JSON object'],
    ['a non-boolean yanked', '{"vers":"0.1.0","yanked":"no"}', '`yanked` is "no"'],
    ['a numeric rust_version', '{"vers":"0.1.0","yanked":false,"rust_version":1.56}', '`rust_version` is 1.56'],
  ])('fails %s on line 1', (_what, text, message) => {
    expect(() => parseIndexFile(text, 'demo')).toThrow(`index file of crate "demo", line 1: ${message}`);
  });
});
