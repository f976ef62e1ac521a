// SARIF 2.1.0 output for GitHub code scanning: one rule per advisory, each result
// located at the package's entry in the Cargo.lock.
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rustsecPage } from '../core/advisory.ts';
import type { Finding, ScanResult } from '../core/result.ts';
import type { Severity } from '../core/severity.ts';
import { findingId, formatPath } from './render-text.ts';

type Level = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, Level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  unscored: 'warning',
  informational: 'note',
};

/** GitHub reads `security-severity` (0–10) to rank security alerts; unscored ones sit mid-way. */
function securitySeverity(f: Finding): string | undefined {
  if (f.kind !== 'vulnerability') return undefined;
  return (f.advisory?.cvss?.score ?? 5).toFixed(1);
}

/** Code scanning maps relative URIs onto the repository; an absolute path stays a file URI. */
function artifactUri(path: string): string {
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path.split(/[\\/]/).filter((part) => part !== '.').map(encodeURIComponent).join('/');
}

/** Plain text as Markdown that shows it as it is: backslashes before what would make code, emphasis, links, HTML or entities. */
function plainMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|&~]/g, '\\$&');
}

function rule(f: Finding): Record<string, unknown> {
  const id = findingId(f);
  const advisory = f.advisory;
  const title = advisory?.title ?? `${f.package.name} ${f.package.version} is yanked`;
  const properties: Record<string, unknown> = { tags: ['security', 'rust', f.kind, ...(advisory?.categories ?? [])] };
  const severity = securitySeverity(f);
  if (severity !== undefined) properties['security-severity'] = severity;
  const helpText = [advisory?.description ?? title, '', `Fix: ${f.fix.summary}`].join('\n');
  // The description is the advisory's own Markdown; the title and fix name the crate, which a lockfile may name `<img …>`.
  const helpMarkdown = [advisory?.description ?? plainMarkdown(title), '', `Fix: ${plainMarkdown(f.fix.summary)}`].join('\n');
  return {
    id,
    name: id.replace(/[^A-Za-z0-9]/g, ''),
    shortDescription: { text: title },
    fullDescription: { text: title },
    ...(advisory && (advisory.url ?? rustsecPage(id)) ? { helpUri: advisory.url ?? rustsecPage(id) } : {}),
    help: { text: helpText, markdown: helpMarkdown },
    defaultConfiguration: { level: LEVEL[f.severity] },
    properties,
  };
}

/** Renders the result as a SARIF log object (serialize it with JSON.stringify). */
export function renderSarif(result: ScanResult): Record<string, unknown> {
  const rules: Record<string, unknown>[] = [];
  const ruleIndex = new Map<string, number>();
  const results: Record<string, unknown>[] = [];
  for (const lockfile of result.lockfiles) {
    for (const f of lockfile.findings) {
      const id = findingId(f);
      let index = ruleIndex.get(id);
      if (index === undefined) {
        index = rules.length;
        ruleIndex.set(id, index);
        rules.push(rule(f));
      }
      const via = f.paths.length ? ` Pulled in by ${formatPath(f.paths[0]!)}.` : '';
      results.push({
        ruleId: id,
        ruleIndex: index,
        level: LEVEL[f.severity],
        message: { text: `${f.package.name} ${f.package.version}: ${f.advisory?.title ?? 'yanked version'}. ${f.fix.summary}${via}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: artifactUri(lockfile.path) },
              region: { startLine: f.line },
            },
          },
        ],
        partialFingerprints: { 'cratewatch/finding': `${id}/${f.package.name}@${f.package.version}` },
      });
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'cratewatch', version: result.tool.version, informationUri: 'https://rustsec.org/', rules } },
        results,
        // A lockfile that could not be read must not look like "no alerts" once uploaded.
        invocations: [
          {
            executionSuccessful: result.lockfiles.every((l) => l.errors.length === 0),
            toolExecutionNotifications: result.lockfiles.flatMap((l) =>
              l.errors.map((e) => ({
                level: 'error',
                message: { text: e.message },
                locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(l.path) }, ...(e.line ? { region: { startLine: e.line } } : {}) } }],
              })),
            ),
          },
        ],
        properties: { advisoryDbRevision: result.advisoryDb.revision },
      },
    ],
  };
}
