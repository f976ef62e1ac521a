import { describe, expect, it } from 'vitest';
import { auditRepository } from '../../../functions/app/audit-lockfile.ts';
import { buildAdvisoryDb } from '../../../functions/core/advisory.ts';
import { renderMarkdown } from '../../../functions/cli/render-markdown.ts';

const advisory = (url: string) => `\`\`\`toml
[advisory]
id = "RUSTSEC-2099-0300"
package = "linky"
date = "2099-01-01"
url = "${url}"

[versions]
patched = [">= 1.0.1"]
\`\`\`

# Title

Text.
`;

const LOCK = '[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = ["linky"]\n\n[[package]]\nname = "linky"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n';

function render(url: string): string {
  const db = buildAdvisoryDb([{ path: 'crates/linky/RUSTSEC-2099-0300.md', text: advisory(url) }], 'rev');
  const result = auditRepository({
    repository: { name: 'x', source: 'local', ref: null, commit: null },
    lockfiles: [{ path: 'Cargo.lock', text: LOCK }],
    db,
    dbLocation: 'db',
    ignores: [],
    deny: [],
    now: new Date('2099-02-01T00:00:00Z'),
  });
  return renderMarkdown(result);
}

describe('renderMarkdown advisory links', () => {
  it('encodes a database URL with a pipe, brackets and a space so the table row keeps six cells', () => {
    const row = render('https://example.com/a|b)c d(e').split('\n').find((l) => l.startsWith('| unscored |'))!;
    expect(row).toContain('[RUSTSEC-2099-0300](https://example.com/a%7Cb%29c%20d%28e)');
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(6);
  });

  it('keeps an ordinary URL as it is', () => {
    expect(render('https://github.com/o/r/issues/1?x=1#y')).toContain('(https://github.com/o/r/issues/1?x=1#y)');
  });
});
