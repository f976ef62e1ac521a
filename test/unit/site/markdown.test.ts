import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../site/src/lib/markdown.ts';

/** Every tag name and attribute name the HTML contains, to assert nothing active got through. */
function tagsAndAttributes(html: string): { tags: string[]; attributes: string[] } {
  const tags = [...html.matchAll(/<\/?([a-z0-9]+)/gi)].map((m) => m[1]!.toLowerCase());
  // markdown-it always quotes attribute values with " and escapes " inside them.
  const attributes = [...html.matchAll(/<[a-z0-9]+((?:\s+[a-z-]+="[^"]*")*)\s*>/gi)].flatMap((m) =>
    [...m[1]!.matchAll(/\s([a-z-]+)="/gi)].map((a) => a[1]!.toLowerCase()),
  );
  return { tags, attributes };
}

describe('renderMarkdown', () => {
  it.each([
    ['a script element', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['an img with an event handler', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['an anchor with a javascript: URL', '<a href="javascript:alert(1)">x</a>', '&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;'],
    ['an HTML comment', 'a <!-- hidden --> b', '&lt;!-- hidden --&gt;'],
    ['a block of raw HTML', '<div onclick="alert(1)">\n\nx\n\n</div>', '&lt;div onclick=&quot;alert(1)&quot;&gt;'],
  ])('escapes %s instead of passing it on', (_name, source, escaped) => {
    const html = renderMarkdown(source);
    expect(html).toContain(escaped);
    expect(tagsAndAttributes(html).tags.every((t) => ['p'].includes(t))).toBe(true);
  });

  it.each([
    ['javascript:', '[x](javascript:alert(1))'],
    ['mixed-case javascript:', '[x](JaVaScRiPt:alert(1))'],
    ['javascript: with leading spaces', '[x](  javascript:alert(1))'],
    ['javascript: with an encoded colon', '[x](javascript&#58;alert(1))'],
    ['vbscript:', '[x](vbscript:msgbox(1))'],
    ['data:', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['file:', '[x](file:///etc/passwd)'],
    ['a relative path', '[x](../../admin)'],
    ['a javascript: autolink', '<javascript:alert(1)>'],
    ['a javascript: reference link', '[x][r]\n\n[r]: javascript:alert(1)'],
  ])('does not make a link from %s', (_name, source) => {
    const html = renderMarkdown(source);
    expect(html).not.toContain('<a');
    expect(html).not.toMatch(/href=/i);
  });

  it('adds rel="noopener noreferrer" to a normal link', () => {
    expect(renderMarkdown('See the [upstream advisory](https://github.com/hyperium/hyper/security/advisories/GHSA-9x9x).')).toBe(
      '<p>See the <a href="https://github.com/hyperium/hyper/security/advisories/GHSA-9x9x" rel="noopener noreferrer">upstream advisory</a>.</p>\n',
    );
  });

  it('turns an autolink and a bare URL into links with the rel', () => {
    const html = renderMarkdown('<https://rustsec.org/> and https://example.com/a?b=1&c=2');
    expect(html).toContain('<a href="https://rustsec.org/" rel="noopener noreferrer">https://rustsec.org/</a>');
    expect(html).toContain('<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer">https://example.com/a?b=1&amp;c=2</a>');
  });

  it('keeps mailto: links', () => {
    expect(renderMarkdown('<security@example.com>')).toContain('<a href="mailto:security@example.com" rel="noopener noreferrer">');
  });

  it('escapes quotes in a link title and URL so they cannot open an attribute', () => {
    const html = renderMarkdown('[x](https://example.com/"onmouseover="alert(1) "a \\" title")');
    expect(tagsAndAttributes(html).attributes.sort()).toEqual(['href', 'rel', 'title']);
  });

  it('shows a remote image as a link to it, so the page loads nothing from other hosts', () => {
    const html = renderMarkdown('![diagram of the flaw](https://tracker.example.com/pixel.png)');
    expect(html).not.toContain('<img');
    expect(html).toContain('<a href="https://tracker.example.com/pixel.png" rel="noopener noreferrer">diagram of the flaw (image)</a>');
  });

  it('drops a data: image and keeps its alt text, escaped', () => {
    const html = renderMarkdown('![<b>x</b>](data:image/svg+xml;base64,PHN2Zz4=)');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('href');
  });

  it('renders the Markdown advisories use: code, lists, emphasis and fenced code with the language escaped', () => {
    const html = renderMarkdown('Use `hyper` **now**:\n\n- one\n- two\n\n```rust"><script>\nlet x = 1 < 2;\n```\n');
    expect(html).toContain('<code>hyper</code>');
    expect(html).toContain('<strong>now</strong>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('let x = 1 &lt; 2;');
    expect(html).not.toContain('<script>');
  });

  it('moves headings down to nest under the page when asked', () => {
    expect(renderMarkdown('# A\n\n## B\n\n###### F', { topHeading: 3 })).toBe('<h3>A</h3>\n<h4>B</h4>\n<h6>F</h6>\n');
    expect(renderMarkdown('## B')).toBe('<h2>B</h2>\n');
  });
});
