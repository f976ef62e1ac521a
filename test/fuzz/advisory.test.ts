// Property tests of the RustSec advisory parser: the fixture advisories damaged in random ways
// give an advisory or an AdvisoryParseError naming the file, never another exception and never
// a hang; an advisory read carries the id and package its front matter says. A database built
// from damaged files accounts for every advisory file: read, or reported as a diagnostic.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_DB } from '../helpers/fixtures.ts';
import { startBoundedParser } from './bounded-parse.ts';
import { expectReadOrTypedError } from './expect-outcome.ts';
import { fuzzParameters, mutated } from './mutations.ts';

const SEEDS = readdirSync(FIXTURE_DB, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.md') && !name.endsWith('README.md'))
  .sort()
  .map((name) => readFileSync(join(FIXTURE_DB, name), 'utf8'));
const FILE = 'crates/fuzzed/RUSTSEC-2099-9999.md';
const parser = startBoundedParser();
afterAll(() => parser.close());

interface AdvisorySummary {
  id: string;
  package: string;
  date: string;
  title: string;
  patched: string[];
}

/** The front matter as a plain reading finds it (a ```toml line, then a ``` line), or null. */
function frontMatter(text: string): Record<string, Record<string, unknown>> | null {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const open = lines.findIndex((l) => l.trim() !== '');
  if (open === -1 || lines[open]!.trim() !== '```toml') return null;
  const close = lines.findIndex((l, i) => i > open && l.trimEnd() === '```');
  if (close === -1) return null;
  try {
    return parse(lines.slice(open + 1, close).join('\n')) as Record<string, Record<string, unknown>>;
  } catch {
    return null;
  }
}

describe('parseAdvisory on damaged advisories', () => {
  it('gives the advisory its front matter describes, or an AdvisoryParseError naming the file', async () => {
    expect(SEEDS.length).toBeGreaterThan(15);
    await fc.assert(
      fc.asyncProperty(mutated(SEEDS), async (input) => {
        const outcome = await parser.parse('advisory', input.text, FILE);
        expectReadOrTypedError(outcome, input, { file: FILE, errors: ['AdvisoryParseError'] });
        if (outcome.kind !== 'result') return;
        const advisory = outcome.value as AdvisorySummary;
        const front = frontMatter(input.text);
        expect(front, 'an advisory without readable front matter was read').not.toBeNull();
        expect([advisory.id, advisory.package]).toEqual([front!.advisory!.id, front!.advisory!.package]);
        expect(advisory.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(advisory.title).not.toBe('');
      }),
      fuzzParameters(400),
    );
  }, 120_000);

  it('reads generated advisories back: id, package, date, patched versions and title', async () => {
    const advisory = fc.record({
      id: fc.stringMatching(/^RUSTSEC-20\d\d-\d{4}$/),
      package: fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/),
      date: fc.constantFrom('2099-01-10', '2016-02-29', '1999-12-31'),
      patched: fc.constantFrom([], ['>= 1.2.3'], ['>= 0.14.28', '^0.13.10'], ['>= 2.0.0-alpha.1']),
      title: fc.stringMatching(/^[A-Za-z0-9`<>&"'|*_ -]{1,80}$/).filter((t) => t.trim() !== ''),
      crlf: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(advisory, async (a) => {
        let text = [
          '```toml',
          '[advisory]',
          `id = "${a.id}"`,
          `package = "${a.package}"`,
          `date = "${a.date}"`,
          '',
          '[versions]',
          `patched = ${JSON.stringify(a.patched)}`,
          '```',
          '',
          `# ${a.title}`,
          '',
          'Description.',
          '',
        ].join('\n');
        if (a.crlf) text = text.replaceAll('\n', '\r\n');
        const outcome = await parser.parse('advisory', text, FILE);
        expect(outcome).toEqual({ kind: 'result', value: { id: a.id, package: a.package, date: a.date, patched: a.patched, title: a.title.trim() } });
      }),
      fuzzParameters(200),
    );
  }, 120_000);
});

describe('buildAdvisoryDb on damaged databases', () => {
  it('counts every advisory file either as read or as a diagnostic, never dropping one', async () => {
    const files = fc.array(mutated(SEEDS), { minLength: 1, maxLength: 12 }).map((inputs) =>
      inputs.map((input, i) => ({ path: `crates/c${i}/RUSTSEC-2099-${String(i).padStart(4, '0')}.md`, text: input.text, mutations: input.mutations })),
    );
    await fc.assert(
      fc.asyncProperty(files, async (db) => {
        const input = { text: JSON.stringify(db), mutations: db.flatMap((f) => f.mutations) };
        const outcome = await parser.parse('advisory-db', input.text, 'advisory-db');
        expectReadOrTypedError(outcome, input, { file: 'advisory-db', errors: [] });
        const { advisoryCount, diagnostics } = (outcome as { value: { advisoryCount: number; diagnostics: string[] } }).value;
        expect(advisoryCount + diagnostics.length).toBe(db.length);
      }),
      fuzzParameters(100),
    );
  }, 120_000);
});
