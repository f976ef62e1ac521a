// `cratewatch audit --format markdown|sarif` on a lockfile whose crates are named with HTML,
// Markdown and table syntax (a Cargo.lock is only TOML: any string can be a name), each with an
// advisory. The Markdown is read back with markdown-it (GFM tables, raw HTML allowed, as in a
// GitHub comment) and SARIF's `help.markdown` likewise: the names must come out as text, never
// as an element, a link or an extra table cell.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MarkdownIt, { type Token } from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/run-cli.ts';
import { sarifSchemaErrors } from '../helpers/sarif-schema.ts';

const HOSTILE = ['<img src=x onerror=alert(1)>', '<script>alert(2)</script>', 'pipe|in|name', 'tick`<b>bold</b>`', '[click](javascript:alert(3))', '*star*_under_'];
/** The renderer's own markup, the only HTML the reports may contain. */
const OWN_HTML = /^(?:<br>|<\/?details>|<summary>[A-Za-z ]+<\/summary>)\s*$/;

let dir: string;
let markdown: CliRun;
let sarif: CliRun;
const md = new MarkdownIt({ html: true });

function advisory(n: number, crate: string): string {
  return `\`\`\`toml\n[advisory]\nid = "RUSTSEC-2099-08${String(n).padStart(2, '0')}"\npackage = ${JSON.stringify(crate)}\ndate = "2099-03-01"\ncvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"\n\n[versions]\npatched = [">= 1.0.1"]\n\`\`\`\n\n# Flaw in the crate\n\nDetails.\n`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-hostile-report-'));
  for (const [n, crate] of HOSTILE.entries()) {
    await mkdir(join(dir, 'db', 'crates', `c${n}`), { recursive: true });
    await writeFile(join(dir, 'db', 'crates', `c${n}`, `RUSTSEC-2099-08${String(n).padStart(2, '0')}.md`), advisory(n, crate));
  }
  const lock = ['version = 3', '', '[[package]]', 'name = "app"', 'version = "0.1.0"', ...HOSTILE.flatMap((name) => ['', '[[package]]', `name = ${JSON.stringify(name)}`, 'version = "1.0.0"', 'source = "registry+https://github.com/rust-lang/crates.io-index"'])];
  await writeFile(join(dir, 'Cargo.lock'), `${lock.join('\n')}\n`);
  const args = ['audit', join(dir, 'Cargo.lock'), '--db', join(dir, 'db'), '--offline', '--no-repo-config'];
  [markdown, sarif] = await Promise.all([runCli([...args, '--format', 'markdown']), runCli([...args, '--format', 'sarif'])]);
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every token, inline children included. */
function flatten(tokens: Token[]): Token[] {
  return tokens.flatMap((t) => [t, ...flatten(t.children ?? [])]);
}

/** What a reader sees of the rendered Markdown: its text and code, without markup. */
function visibleText(tokens: Token[]): string {
  return flatten(tokens)
    .filter((t) => t.type === 'text' || t.type === 'code_inline')
    .map((t) => t.content)
    .join(' ');
}

function expectOnlyText(source: string): void {
  const tokens = flatten(md.parse(source, {}));
  const html = tokens.filter((t) => t.type === 'html_inline' || t.type === 'html_block').map((t) => t.content.trim());
  expect(html.filter((h) => !OWN_HTML.test(h))).toEqual([]);
  const links = tokens.filter((t) => t.type === 'link_open').map((t) => String(t.attrGet('href')));
  expect(links.filter((href) => !href.startsWith('https://'))).toEqual([]);
}

describe('the Markdown report of crates named like markup', () => {
  it('fails the policy with one finding per hostile crate', () => {
    expect(markdown.stderr).toBe('');
    expect(markdown.code).toBe(1);
  });

  it('holds no HTML element and no link but its own', () => {
    expectOnlyText(markdown.stdout);
  });

  it('keeps each crate\'s fix command whole in its own cell, whatever pipes and backticks the name holds', () => {
    // GFM drops cells past the header's six, so a name that split its row would lose text, not add a column.
    // The findings table (its header starts with Severity); the Fixes table above it has four columns.
    const tables: string[][][] = [];
    let inTable = false;
    for (const t of md.parse(markdown.stdout, {})) {
      if (t.type === 'table_open') tables.push([]);
      if (t.type === 'table_open' || t.type === 'table_close') inTable = t.type === 'table_open';
      if (t.type === 'tr_open') tables.at(-1)!.push([]);
      if (t.type === 'inline' && inTable) tables.at(-1)!.at(-1)!.push(visibleText([t]));
    }
    const findings = tables.find((rows) => rows[0]?.[0] === 'Severity')!;
    const fixes = findings.slice(1).map((cells) => [cells.length, cells[4]]);
    expect(fixes).toEqual(expect.arrayContaining(HOSTILE.map((name) => [6, `cargo update -p ${name}@1.0.0 --precise 1.0.1`])));
  });

  it('shows each name as the text it is', () => {
    const text = visibleText(md.parse(markdown.stdout, {}));
    for (const name of HOSTILE) expect(text).toContain(`${name} 1.0.0`);
  });
});

describe('the SARIF log of crates named like markup', () => {
  it('is valid SARIF with one result per hostile crate', () => {
    const log = JSON.parse(sarif.stdout) as { runs: { results: unknown[] }[] };
    expect(sarifSchemaErrors(log)).toBe('');
    expect(log.runs[0]!.results).toHaveLength(HOSTILE.length);
  });

  it('renders every rule\'s help Markdown without an element or a link, the names as text', () => {
    const log = JSON.parse(sarif.stdout) as { runs: { tool: { driver: { rules: { help: { markdown: string } }[] } } }[] };
    const helps = log.runs[0]!.tool.driver.rules.map((r) => r.help.markdown);
    for (const help of helps) expectOnlyText(help);
    const text = helps.map((h) => visibleText(md.parse(h, {}))).join('\n');
    for (const name of HOSTILE) expect(text).toContain(name);
  });
});
