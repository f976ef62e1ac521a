// Renders advisory Markdown from the public database, which is untrusted input: raw HTML
// is escaped, only http(s) and mailto links survive, and remote images become links.
import MarkdownIt, { type Env } from 'markdown-it';

export interface MarkdownOptions {
  /**
   * The heading level a `#` heading in the source becomes, so that the description nests
   * under the page's own headings (`## Alternatives` under an `<h2>` section is an `<h4>`
   * with 3). Levels past 6 stay at 6.
   */
  topHeading?: number;
}

/** Schemes a link may use after markdown-it's own check; relative links would resolve against this site. */
const SAFE_LINK = /^(?:https?:|mailto:)/i;
const SAFE_IMAGE = /^https?:/i;

interface RenderEnv extends Env {
  topHeading?: number;
}

function createRenderer() {
  // html: false escapes raw HTML (tags, comments, event handlers) instead of passing it on.
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

  // Keep markdown-it's validateLink (it rejects javascript:, vbscript:, file: and data:
  // except some images) and narrow it further: normalizeLink has already run here.
  const validateLink = md.validateLink.bind(md);
  md.validateLink = (url: string) => validateLink(url) && SAFE_LINK.test(url.trim());

  // rel="noreferrer" keeps this (maybe private) site's address from the linked hosts;
  // links open in the same tab, as a reader expects.
  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    tokens[idx]!.attrSet('rel', 'noopener noreferrer');
    return self.renderToken(tokens, idx, options);
  };

  // An image from another host would tell that host who reads the report and when:
  // show its description as a link instead, or only the text when the address is not http(s).
  md.renderer.rules.image = (tokens, idx) => {
    const token = tokens[idx]!;
    const src = String(token.attrGet('src') ?? '');
    const alt = token.children && token.children.length > 0 ? md.renderer.renderInlineAsText(token.children, md.options, {}) : token.content;
    const label = md.utils.escapeHtml(alt.trim() === '' ? 'image' : alt);
    if (!SAFE_IMAGE.test(src)) return label;
    return `<a href="${md.utils.escapeHtml(src)}" rel="noopener noreferrer">${label} (image)</a>`;
  };

  md.core.ruler.push('shift_headings', (state) => {
    const top = (state.env as RenderEnv).topHeading ?? 1;
    for (const token of state.tokens) {
      if (token.type === 'heading_open' || token.type === 'heading_close') token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + top - 1)}`;
    }
  });
  return md;
}

const renderer = createRenderer();

/**
 * Markdown to HTML that is safe to insert into a page.
 *
 * @example renderMarkdown('Fixed in `1.2.3`.') // '<p>Fixed in <code>1.2.3</code>.</p>\n'
 */
export function renderMarkdown(source: string, options: MarkdownOptions = {}): string {
  const env: RenderEnv = { topHeading: Math.max(1, Math.min(6, options.topHeading ?? 1)) };
  return renderer.render(source, env);
}
