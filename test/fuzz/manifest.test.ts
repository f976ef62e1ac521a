// Property tests of the Cargo.toml reader: manifests damaged in random ways give the MSRV or a
// ConfigError naming the file and a line, never another exception or a hang; the MSRV read is
// the one the TOML says (the package's, else the workspace's).
import fc from 'fast-check';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { startBoundedParser } from './bounded-parse.ts';
import { expectReadOrTypedError } from './expect-outcome.ts';
import { fuzzParameters, mutated } from './mutations.ts';

const SEEDS = [
  '[package]\nname = "my-app"\nversion = "0.1.0"\nedition = "2021"\nrust-version = "1.70"\n\n[dependencies]\nhyper = { version = "0.14", features = ["client"] }\ntokio = "1"\n\n[dev-dependencies]\nserde_json = "1"\n',
  '[workspace]\nmembers = ["my-app", "my-lib"]\nresolver = "2"\n\n[workspace.package]\nrust-version = "1.74"\nedition = "2021"\n\n[workspace.dependencies]\nserde = { version = "1", default-features = false }\n',
  '[package]\nname = "my-lib"\nversion.workspace = true\nrust-version = { workspace = true }\n\n[target.\'cfg(unix)\'.dependencies]\nlibc = "0.2"\n\n[features]\ndefault = ["std"]\nstd = []\n',
];
const parser = startBoundedParser();
afterAll(() => parser.close());

function tomlRustVersion(text: string): string | null {
  const doc = parse(text) as { package?: Record<string, unknown>; workspace?: { package?: Record<string, unknown> } };
  const own = doc.package?.['rust-version'];
  const workspace = doc.workspace?.package?.['rust-version'];
  return typeof own === 'string' ? own : typeof workspace === 'string' ? workspace : null;
}

describe('parseManifest on damaged manifests', () => {
  it('gives the rust-version the TOML says, or a ConfigError with the file and a line', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(SEEDS), async (input) => {
        const outcome = await parser.parse('manifest', input.text, 'my-app/Cargo.toml');
        expectReadOrTypedError(outcome, input, { file: 'my-app/Cargo.toml', errors: ['ConfigError'], lineRequired: true });
        if (outcome.kind !== 'result') return;
        expect((outcome.value as { rustVersion: string | null }).rustVersion).toBe(tomlRustVersion(input.text));
      }),
      fuzzParameters(300),
    );
  }, 120_000);
});
