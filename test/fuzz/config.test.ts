// Property tests of the cratewatch.toml loader: the example configuration and smaller real ones
// damaged in random ways give a configuration or ConfigErrors (every problem naming the file),
// never another exception or a hang; a configuration read has exactly the repositories the
// TOML lists. Generated configurations with valid names read back.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/run-cli.ts';
import { startBoundedParser } from './bounded-parse.ts';
import { expectReadOrTypedError } from './expect-outcome.ts';
import { fuzzParameters, mutated } from './mutations.ts';

const SEEDS = [
  readFileSync(`${PROJECT_ROOT}cratewatch.example.toml`, 'utf8'),
  `concurrency = 2\ntimeout_seconds = 5\n\n[sources]\nadvisory_db = "http://127.0.0.1:9/db.tar.gz"\nindex = "http://127.0.0.1:9/"\ngithub_api = "http://127.0.0.1:9"\ngithub_token = "ghp_example"\n\n[alerts]\nthreshold = "high"\n\n[[repositories]]\nname = "app"\ngithub = "acme/app"\nlockfiles = ["Cargo.lock", "tools/Cargo.lock"]\n\n[[repositories.ignore]]\nid = "RUSTSEC-2099-0001"\nreason = "not reachable"\nuntil = 2099-12-31\n\n[[repositories]]\nname = "local"\npath = "../local"\nbranch = "main"\ndeny = ["yanked", "unmaintained"]\n`,
  `[[repositories]]\nname = "one"\nurl = "https://example.com/Cargo.lock"\n\n[[repositories]]\nname = "two"\ngitlab = "group/sub/project"\nref = "v1.0.0"\n`,
];
const parser = startBoundedParser();
afterAll(() => parser.close());

function tomlRepositoryNames(text: string): unknown[] {
  const doc = parse(text) as { repositories?: { name?: unknown }[] };
  return (doc.repositories ?? []).map((r) => r.name);
}

describe('loadConfig on damaged configurations', () => {
  it('gives exactly the repositories the TOML lists, or ConfigErrors naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(SEEDS), async (input) => {
        const outcome = await parser.parse('config', input.text, 'cratewatch.toml');
        expectReadOrTypedError(outcome, input, { file: 'cratewatch.toml', errors: ['ConfigErrors'] });
        if (outcome.kind !== 'result') return;
        expect((outcome.value as { repositories: string[] }).repositories).toEqual(tomlRepositoryNames(input.text));
      }),
      fuzzParameters(400),
    );
  }, 120_000);

  it('reads generated configurations back, and refuses names that would leave a folder or a URL', async () => {
    const name = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,30}$/), fc.constantFrom('..', '.', '../x', 'a/b', 'a\\b', '<b>', 'a b', '%2e%2e', 'é'));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { minLength: 1, maxLength: 8 }), async (names) => {
        const text = names.map((n) => `[[repositories]]\nname = ${JSON.stringify(n)}\ngithub = "acme/app"\n`).join('\n');
        const outcome = await parser.parse('config', text, 'cratewatch.toml');
        const safe = names.every((n) => /^[A-Za-z0-9._-]+$/.test(n) && n !== '.' && n !== '..');
        if (safe) expect(outcome).toEqual({ kind: 'result', value: { repositories: names, maxFileBytes: 10 * 1024 * 1024 } });
        else expect(outcome).toMatchObject({ kind: 'typed', error: 'ConfigErrors' });
      }),
      fuzzParameters(200),
    );
  }, 120_000);
});
