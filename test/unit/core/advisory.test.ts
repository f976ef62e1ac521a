import { describe, expect, it } from 'vitest';
import { buildAdvisoryDb, parseAdvisory } from '../../../functions/core/advisory.ts';
import { AdvisoryParseError } from '../../../functions/core/errors.ts';

const FULL = `\`\`\`toml
[advisory]
id = "RUSTSEC-2099-0901"
package = "demo-crate"
date = "2099-01-15"
url = "https://github.com/example/demo-crate/issues/1"
references = ["https://example.com/a", "https://example.com/b"]
categories = ["memory-corruption", "denial-of-service"]
keywords = ["buffer", "overflow"]
aliases = ["CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"]
related = ["RUSTSEC-2099-0902"]
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
license = "CC-BY-4.0"
expect-deleted = true
source = "registry+https://my-registry.example.com/index"

[affected]
arch = ["x86", "x86_64"]
os = ["windows"]

[affected.functions]
"demo_crate::Buffer::with_capacity" = ["< 1.3.4, >= 1.3.0"]

[versions]
patched = [">= 1.2.3, < 1.3.0", ">= 1.3.4"]
unaffected = ["<= 0.1.2"]
\`\`\`

# Integer overflow in \`Buffer::with_capacity\`

Affected versions did not check for overflow.

- a list item
`;

describe('parseAdvisory', () => {
  it('reads every field of the RustSec format', () => {
    const a = parseAdvisory(FULL, 'crates/demo-crate/RUSTSEC-2099-0901.md');
    expect(a).toMatchObject({
      id: 'RUSTSEC-2099-0901',
      package: 'demo-crate',
      date: '2099-01-15',
      url: 'https://github.com/example/demo-crate/issues/1',
      references: ['https://example.com/a', 'https://example.com/b'],
      categories: ['memory-corruption', 'denial-of-service'],
      keywords: ['buffer', 'overflow'],
      aliases: ['CVE-2099-0001', 'GHSA-aaaa-bbbb-cccc'],
      related: ['RUSTSEC-2099-0902'],
      cvss: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.1', score: 9.8 },
      license: 'CC-BY-4.0',
      source: 'registry+https://my-registry.example.com/index',
      affected: { arch: ['x86', 'x86_64'], os: ['windows'], functions: { 'demo_crate::Buffer::with_capacity': ['< 1.3.4, >= 1.3.0'] } },
      patched: ['>= 1.2.3, < 1.3.0', '>= 1.3.4'],
      unaffected: ['<= 0.1.2'],
      title: 'Integer overflow in `Buffer::with_capacity`',
      path: 'crates/demo-crate/RUSTSEC-2099-0901.md',
    });
    expect(a.description).toBe('Affected versions did not check for overflow.\n\n- a list item');
    expect(a.informational).toBeUndefined();
    expect(a.withdrawn).toBeUndefined();
    expect(a.ranges.map((r) => [r.introduced?.version, r.fixed?.version])).toEqual([
      ['0.1.3-0', '1.2.3'],
      ['1.3.0', '1.3.4'],
    ]);
  });

  it('keeps informational kinds it does not know and reads withdrawn dates', () => {
    const text = FULL.replace('expect-deleted = true', 'informational = "some-future-kind"\nwithdrawn = "2099-03-01"');
    const a = parseAdvisory(text, 'crates/demo-crate/RUSTSEC-2099-0901.md');
    expect(a.informational).toBe('some-future-kind');
    expect(a.withdrawn).toBe('2099-03-01');
  });

  it('accepts TOML date literals as well as date strings', () => {
    const a = parseAdvisory(FULL.replace('date = "2099-01-15"', 'date = 2099-01-15'), 'x.md');
    expect(a.date).toBe('2099-01-15');
  });

  it.each([
    ['no front matter', '# Title only\n', 'does not start with a ```toml', 1, undefined],
    ['an unclosed block', '```toml\n[advisory]\n', 'never closed', 1, undefined],
    ['invalid TOML', FULL.replace('date = "2099-01-15"', 'date = 2099-13-45x'), 'not valid TOML', 5, undefined],
    ['a missing package', FULL.replace('package = "demo-crate"\n', ''), 'required', undefined, 'advisory.package'],
    ['a list that is a string', FULL.replace('keywords = ["buffer", "overflow"]', 'keywords = "buffer"'), 'a list of strings', 9, 'advisory.keywords'],
    ['a bad date', FULL.replace('date = "2099-01-15"', 'date = "15/01/2099"'), 'YYYY-MM-DD', 5, 'advisory.date'],
    ['a bad CVSS vector', FULL.replace('A:H"', 'A:Q"'), 'CVSS', 12, 'advisory.cvss'],
    ['an expect-deleted that is not true or false', FULL.replace('expect-deleted = true', 'expect-deleted = "yes"'), 'true or false', 14, 'advisory.expect-deleted'],
    ['overlapping ranges', FULL.replace('patched = [">= 1.2.3, < 1.3.0", ">= 1.3.4"]', 'patched = [">= 1.0.0", ">= 1.2.0"]'), 'overlap', 25, 'versions'],
    ['no title', FULL.replace('# Integer overflow in `Buffer::with_capacity`\n', ''), 'Title', undefined, undefined],
  ])('rejects an advisory with %s, naming where', (_what, text, message, line, field) => {
    let error: unknown;
    try {
      parseAdvisory(text, 'crates/demo-crate/RUSTSEC-2099-0901.md');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AdvisoryParseError);
    const parseError = error as AdvisoryParseError;
    expect(parseError.message).toContain('crates/demo-crate/RUSTSEC-2099-0901.md');
    expect(parseError.message).toContain(message);
    if (line !== undefined) expect(parseError.location.line).toBe(line);
    if (field !== undefined) expect(parseError.location.field).toBe(field);
  });
});

describe('buildAdvisoryDb', () => {
  it('indexes crate advisories by package, counts toolchain ones without indexing them and skips broken files as diagnostics', () => {
    const toolchain = FULL.replace('id = "RUSTSEC-2099-0901"', 'id = "CVE-2099-0018"').replace('package = "demo-crate"', 'package = "std"');
    const db = buildAdvisoryDb(
      [
        { path: 'crates/demo-crate/RUSTSEC-2099-0901.md', text: FULL },
        { path: 'crates/broken/RUSTSEC-2099-0999.md', text: 'not an advisory' },
        { path: 'rust/std/CVE-2099-0018.md', text: toolchain },
        { path: 'README.md', text: '# readme' },
        { path: 'crates/demo-crate/notes.txt', text: 'ignored' },
      ],
      'abc123',
    );
    expect(db.revision).toBe('abc123');
    expect(db.advisoryCount).toBe(2);
    expect(db.byPackage.get('demo-crate')?.map((a) => a.id)).toEqual(['RUSTSEC-2099-0901']);
    expect(db.byPackage.has('std')).toBe(false);
    expect(db.diagnostics).toEqual([{ path: 'crates/broken/RUSTSEC-2099-0999.md', message: expect.stringContaining('```toml') }]);
  });
});
