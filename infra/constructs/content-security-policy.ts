// The report site's Content-Security-Policy, computed at synth from the site's sources: the
// site loads nothing from elsewhere, and its only inline code is the `<script is:inline>` blocks
// Astro copies into the pages byte for byte, so each is allowed by its SHA-256 hash.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const INLINE = /<(script|style)\b[^>]*\bis:inline\b[^>]*>([\s\S]*?)<\/\1>/g;

export interface InlineHashes {
  scripts: string[];
  styles: string[];
}

/** `'sha256-…'` sources for every inline script and style block in the site's `.astro` files, sorted. */
export function inlineHashes(siteDir: string): InlineHashes {
  const hashes = { script: new Set<string>(), style: new Set<string>() };
  const files = readdirSync(join(siteDir, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.astro'));
  for (const file of files) {
    for (const [, tag, body] of readFileSync(join(siteDir, 'src', file), 'utf8').matchAll(INLINE)) {
      hashes[tag as 'script' | 'style'].add(`'sha256-${createHash('sha256').update(body!).digest('base64')}'`);
    }
  }
  return { scripts: [...hashes.script].sort(), styles: [...hashes.style].sort() };
}

/** The policy: same-origin scripts, styles, images and fetches, the inline blocks by hash, no framing, no plugins. */
export function contentSecurityPolicy(hashes: InlineHashes): string {
  return [
    "default-src 'none'",
    ["script-src 'self'", ...hashes.scripts].join(' '),
    ["style-src 'self'", ...hashes.styles].join(' '),
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
