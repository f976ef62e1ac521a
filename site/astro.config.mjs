// The report site: static, built from a results folder at build time (functions/app/build-report.ts).
import { defineConfig } from 'astro/config';

export default defineConfig({
  output: 'static',
  trailingSlash: 'always',
  // Stylesheets as files, never inlined: the CloudFront CSP allows only the site's own files and its inline scripts' hashes.
  build: { format: 'directory', inlineStylesheets: 'never' },
  devToolbar: { enabled: false },
  telemetry: false,
});
