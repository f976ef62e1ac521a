// Property tests of the sparse-index file parser: real-format NDJSON damaged in random ways gives
// the versions or an IndexParseError naming the crate and a line, never another exception or a
// hang; what it reads is one version per non-blank line, each the line's own `vers`, so a body
// it could not read never passes as a crate with fewer versions. Generated files read back.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { startBoundedParser } from './bounded-parse.ts';
import { expectReadOrTypedError } from './expect-outcome.ts';
import { fuzzParameters, mutated, NASTY_STRINGS } from './mutations.ts';

// Lines in the shapes index.crates.io serves: `deps`, `features`, `features2` with `v: 2`, `rust_version`, yanked ones.
const SEEDS = [
  [
    '{"name":"hyper","vers":"0.14.27","deps":[{"name":"bytes","req":"^1","features":[],"optional":false,"default_features":true,"target":null,"kind":"normal"}],"cksum":"ffb1cfd654a8219eaef89881fdb3bb3b1cdc5fa75ded05d6933b2b382e395468","features":{"client":[],"http1":[]},"yanked":false,"links":null}',
    '{"name":"hyper","vers":"0.14.28","deps":[],"cksum":"bf96e135eb83a2a8ddf766e9e1d8ec2d17a0a6e3d8f2a0a1b0d7c3f3f0a1b2c3","features":{},"yanked":true}',
    '{"name":"hyper","vers":"1.0.0","deps":[],"cksum":"5aa753686b8e2c2a0e3c2c0e0c9d8f7e6d5c4b3a29180706050403020100fedc","features":{},"features2":{"full":["dep:tokio"]},"yanked":false,"links":null,"v":2,"rust_version":"1.63"}',
    '',
  ].join('\n'),
  '{"name":"a","vers":"0.1.0","yanked":false}\r\n{"name":"a","vers":"0.2.0","yanked":true,"rust_version":null}',
  '',
];
const parser = startBoundedParser();
afterAll(() => parser.close());

interface IndexVersion {
  version: string;
  yanked: boolean;
  rustVersion: string | null;
}

describe('parseIndexFile on damaged index files', () => {
  it('gives one version per non-blank line, each its own vers, or an IndexParseError with the crate and line', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(SEEDS), async (input) => {
        const outcome = await parser.parse('index', input.text, 'hyper');
        expectReadOrTypedError(outcome, input, { file: 'hyper', errors: ['IndexParseError'], lineRequired: true });
        if (outcome.kind !== 'result') return;
        const lines = input.text.split('\n').filter((l) => l.trim() !== '');
        expect((outcome.value as IndexVersion[]).map((v) => v.version)).toEqual(lines.map((l) => (JSON.parse(l.trim()) as { vers: string }).vers));
      }),
      fuzzParameters(400),
    );
  }, 120_000);

  it('reads generated index files back: version, yanked and rust_version of every line', async () => {
    const entry = fc.record({
      vers: fc.oneof(fc.constantFrom('0.1.0', '1.0.0-rc.1', '2.0.0+meta'), fc.constantFrom(...NASTY_STRINGS).filter((s) => s !== '')),
      yanked: fc.option(fc.boolean(), { nil: undefined }),
      rust_version: fc.option(fc.constantFrom('1.56', '1.70.0'), { nil: null }),
      extra: fc.dictionary(fc.constantFrom('deps', 'features', 'cksum', 'links', 'v', 'features2', 'pubtime'), fc.jsonValue({ maxDepth: 2 })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), async (entries, eol) => {
        const text = entries.map(({ extra, ...e }) => JSON.stringify({ name: 'hyper', ...extra, ...e })).join(eol);
        const outcome = await parser.parse('index', text, 'hyper');
        expect(outcome).toEqual({ kind: 'result', value: entries.map((e) => ({ version: e.vers, yanked: e.yanked ?? false, rustVersion: e.rust_version })) });
      }),
      fuzzParameters(200),
    );
  }, 120_000);
});
