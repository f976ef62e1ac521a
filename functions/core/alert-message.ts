// What an alert says: the facts a person needs to act from a phone (where, what, how bad,
// the fix, how the crate is pulled in, links), as plain-text messages that fit SNS's limits.
import { rustsecPage } from './advisory.ts';
import { findingAnchor } from './finding-anchor.ts';
import type { Alert } from './ports.ts';
import { SEVERITIES, type Severity } from './severity.ts';

/** One message to publish: an SNS subject and body, and the attributes that go with it. */
export interface AlertMessage {
  /** ASCII, no line breaks, under 100 characters (SNS's rules for email subjects). */
  subject: string;
  body: string;
  /** The highest severity among the message's alerts. */
  severity: Severity;
  /** The distinct repositories of the message's alerts, most severe first. */
  repositories: string[];
  /** The alerts the message carries (the objects passed in), in the order it lists them. */
  alerts: Alert[];
}

export interface AlertMessageOptions {
  /** The report site's public address (`[site] url`); null when none is configured. */
  siteUrl: string | null;
  /**
   * The most UTF-8 bytes one message may take: subject, body and attributes (names, types
   * and values), which is how SNS counts its 256 KiB (262,144 bytes). Defaults to 240 KiB.
   */
  maxBytes?: number;
  /**
   * The configuration file the scan read, as the messages name it where they say what to
   * change (`cratewatch.toml`, `s3://bucket/key`). Default: "the cratewatch configuration".
   */
  configFile?: string;
}

/** SNS's 256 KiB less a margin, for what its own accounting may add. */
const DEFAULT_MAX_MESSAGE_BYTES = 240 * 1024;

/** SNS refuses subjects of 100 characters or more. */
const SUBJECT_LIMIT = 99;
const SHORTENED = '… (shortened, see the report)';
/** Fields of a single oversized alert are never cut below this many characters. */
const MIN_FIELD_CHARS = 24;
const DEFAULT_CONFIG_FILE = 'the cratewatch configuration';

function siteNotConfigured(configFile: string): string {
  return `Report site not configured ([site] url in ${configFile}), so there are no links to it.`;
}

function footerLine(configFile: string): string {
  return `Each finding is alerted once. To stop alerting one you accept, add an ignore with a reason to its repository in ${configFile}.`;
}

/** Most severe first, then repository, crate, lockfile, version and advisory id: the order alerts are listed in. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...alerts].sort(
    (a, b) =>
      SEVERITIES.indexOf(a.finding.severity) - SEVERITIES.indexOf(b.finding.severity) ||
      text(a.repository, b.repository) ||
      text(a.finding.package.name, b.finding.package.name) ||
      text(a.lockfile, b.lockfile) ||
      text(a.finding.package.version, b.finding.package.version) ||
      text(a.finding.advisory?.id ?? 'yanked', b.finding.advisory?.id ?? 'yanked'),
  );
}

/**
 * One alert as lines of plain text, numbered `number`: the first line names severity, CVSS
 * score, repository, lockfile, crate, version and advisory; then the title, the fix, one
 * dependency path, the advisory's address and, with `siteUrl`, the finding on the report site.
 *
 * @example
 * // 1. [critical (CVSS 9.8)] app Cargo.lock: hyper 0.14.27 RUSTSEC-2099-0001
 * //    Out-of-bounds write in `hyper` client when reading chunked responses
 * //    fix: cargo update -p hyper@0.14.27 --precise 0.14.28
 * //    pulled in by: my-app → reqwest → hyper
 * //    advisory: https://github.com/hyperium/hyper/security/advisories/GHSA-9x9x-7q2v-4m3p
 * //    report: https://deps.example.com/repos/app/#f-Cargo.lock-RUSTSEC-2099-0001-hyper-0.14.27
 */
export function formatAlert(alert: Alert, number: number, siteUrl: string | null): string[] {
  return renderAlert(alertFields(alert, siteUrl), number, Infinity);
}

/**
 * Turns alerts into messages, most severe first, each within `maxBytes`. Alerts are split
 * between messages at alert boundaries, each one in exactly one message; a single alert too
 * large on its own has its long fields shortened, with a marker saying so.
 */
export function composeAlertMessages(alerts: readonly Alert[], options: AlertMessageOptions): AlertMessage[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`maxBytes must be a positive whole number of bytes, got ${maxBytes}`);
  if (alerts.length === 0) return [];
  const sorted = sortAlerts(alerts);
  const intro = `cratewatch: ${plural(sorted.length, 'new finding')} at or above the alert threshold, most severe first.`;
  const configFile = options.configFile ?? DEFAULT_CONFIG_FILE;
  const note = options.siteUrl === null ? siteNotConfigured(configFile) : null;
  const footer = footerLine(configFile);

  // What every message may need besides its alerts, at its largest: the subject, the body's
  // header and footer (the part line with numbers at least as wide as any), the attributes' fixed parts.
  const widest = sorted.length;
  const fixedBytes =
    SUBJECT_LIMIT +
    utf8Bytes(bodyText(intro, partLine(widest, widest, widest, widest + 1), note, [], footer)) +
    utf8Bytes('severity' + 'String' + 'informational') +
    utf8Bytes('repositories' + 'String.Array' + '[]');
  const room = maxBytes - fixedBytes;

  const groups: { alerts: Alert[]; blocks: string[]; repositories: string[]; bytes: number }[] = [];
  let group: (typeof groups)[number] | undefined;
  sorted.forEach((alert, i) => {
    const fields = alertFields(alert, options.siteUrl);
    const block = renderAlert(fields, i + 1, Infinity).join('\n');
    // Each block after the header costs its bytes and a blank line; a new repository adds its JSON string and a comma.
    const repositoryBytes = (known: readonly string[]) => (known.includes(alert.repository) ? 0 : utf8Bytes(JSON.stringify(alert.repository)) + 1);
    if (group === undefined || group.bytes + utf8Bytes(block) + 2 + repositoryBytes(group.repositories) > room) {
      group = { alerts: [], blocks: [], repositories: [], bytes: 0 };
      groups.push(group);
    }
    const extra = repositoryBytes(group.repositories);
    const fitted = group.alerts.length === 0 && utf8Bytes(block) + 2 + extra > room ? shortenToFit(fields, i + 1, room - extra - 2, maxBytes) : block;
    group.alerts.push(alert);
    group.blocks.push(fitted);
    if (extra > 0) group.repositories.push(alert.repository);
    group.bytes += utf8Bytes(fitted) + 2 + extra;
  });

  return groups.map((g, index) => {
    const first = groups.slice(0, index).reduce((n, earlier) => n + earlier.alerts.length, 0) + 1;
    const part = groups.length > 1 ? partLine(index + 1, groups.length, first, first + g.alerts.length - 1) : null;
    const message: AlertMessage = {
      subject: composeSubject(g.alerts, g.repositories, groups.length > 1 ? `(part ${index + 1}/${groups.length})` : ''),
      body: bodyText(intro, part, note, g.blocks, footer),
      severity: g.alerts[0]!.finding.severity,
      repositories: g.repositories,
      alerts: g.alerts,
    };
    const bytes = messageBytes(message);
    // The reserve above is an upper bound, so this cannot happen; if it ever does, say so rather than let SNS refuse it.
    if (bytes > maxBytes) throw new RangeError(`alert message ${index + 1} of ${groups.length} takes ${bytes} bytes, over the ${maxBytes} allowed (a bug in composeAlertMessages)`);
    return message;
  });
}

/** The bytes SNS counts for a message: subject, body, and each attribute's name, type and value. */
function messageBytes(message: AlertMessage): number {
  return (
    utf8Bytes(message.subject) +
    utf8Bytes(message.body) +
    utf8Bytes('severity' + 'String' + message.severity) +
    utf8Bytes('repositories' + 'String.Array' + JSON.stringify(message.repositories))
  );
}

function bodyText(intro: string, part: string | null, note: string | null, blocks: readonly string[], footer: string): string {
  const header = [intro, part, note].filter((line): line is string => line !== null).join('\n');
  return `${header}\n\n${blocks.map((b) => `${b}\n\n`).join('')}${footer}\n`;
}

function partLine(index: number, count: number, first: number, last: number): string {
  return first === last ? `Part ${index} of ${count}: finding ${first}.` : `Part ${index} of ${count}: findings ${first} to ${last}.`;
}

/** The text of one alert's fields, each on one line (advisory text is untrusted). */
interface AlertFields {
  severity: Severity;
  score: string;
  repository: string;
  lockfile: string;
  crate: string;
  version: string;
  id: string;
  title: string;
  fix: string;
  path: string;
  advisory: string | null;
  report: string | null;
  /** The repository's page, for when the finding's link must be shortened. */
  page: string | null;
}

function alertFields({ repository, lockfile, finding }: Alert, siteUrl: string | null): AlertFields {
  const { advisory, package: pkg, fix } = finding;
  const id = advisory?.id ?? 'yanked';
  const [path, ...others] = finding.paths;
  const page = siteUrl === null ? null : `${siteUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(repository)}/`;
  const kind = finding.kind === 'vulnerability' || advisory === undefined ? '' : `${finding.kind[0]!.toUpperCase()}${finding.kind.slice(1)}: `;
  return {
    severity: finding.severity,
    score: advisory?.cvss ? `CVSS ${advisory.cvss.score.toFixed(1)}` : 'no CVSS score',
    repository: oneLine(repository),
    lockfile: oneLine(lockfile),
    crate: oneLine(pkg.name),
    version: oneLine(pkg.version),
    id: oneLine(id),
    title: oneLine(`${kind}${advisory?.title ?? `${pkg.name} ${pkg.version} is yanked from its registry`}`),
    fix: oneLine(fix.command ?? fix.summary),
    path: path
      ? oneLine(`${path.map((step) => step.name).join(' → ')}${others.length > 0 ? ` (and ${plural(others.length, 'more path')})` : ''}`)
      : 'no workspace member depends on it (it is locked but unused, or a member itself)',
    advisory: advisoryAddress(id, advisory?.url ?? null),
    report: page === null ? null : `${page}#${findingAnchor(lockfile, id, pkg.name, pkg.version)}`,
    page,
  };
}

/** The lines of one alert, every field cut to `cap` characters (Infinity: not cut). */
function renderAlert(f: AlertFields, number: number, cap: number): string[] {
  const cut = (text: string) => shorten(text, cap);
  const lines = [
    `${number}. [${f.severity} (${f.score})] ${cut(f.repository)} ${cut(f.lockfile)}: ${cut(f.crate)} ${cut(f.version)} ${cut(f.id)}`,
    `   ${cut(f.title)}`,
    `   fix: ${cut(f.fix)}`,
    `   pulled in by: ${cut(f.path)}`,
  ];
  if (f.advisory !== null) lines.push(`   advisory: ${cut(f.advisory)}`);
  // A cut link leads nowhere: fall back to the repository's page while that fits.
  if (f.report !== null && f.page !== null) lines.push(`   report: ${f.report.length <= cap ? f.report : cut(f.page)}`);
  return lines;
}

/** The alert with its fields cut as little as needed to take at most `budget` bytes. */
function shortenToFit(fields: AlertFields, number: number, budget: number, maxBytes: number): string {
  const render = (cap: number) => renderAlert(fields, number, cap).join('\n');
  if (utf8Bytes(render(MIN_FIELD_CHARS)) > budget) {
    throw new RangeError(`maxBytes ${maxBytes} leaves no room for alert ${number} (${fields.repository} ${fields.lockfile}: ${fields.crate}) even with every field cut to ${MIN_FIELD_CHARS} characters: allow more bytes per message`);
  }
  let low = MIN_FIELD_CHARS;
  let high = Math.max(...Object.values(fields).map((v) => (typeof v === 'string' ? v.length : 0)));
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (utf8Bytes(render(mid)) <= budget) low = mid;
    else high = mid - 1;
  }
  return render(low);
}

function shorten(text: string, cap: number): string {
  if (text.length <= cap) return text;
  const chars = Array.from(text);
  return chars.length <= cap ? text : `${chars.slice(0, cap).join('')}${SHORTENED}`;
}

/** The advisory's own address when it is http(s), else its RustSec page; null for a yanked version. */
function advisoryAddress(id: string, url: string | null): string | null {
  if (url !== null && /^https?:\/\/\S+$/i.test(url)) return oneLine(url);
  return rustsecPage(id);
}

function composeSubject(alerts: readonly Alert[], repositories: readonly string[], part: string): string {
  const worst = alerts[0]!.finding.severity;
  const counts = SEVERITIES.map((s) => [s, alerts.filter((a) => a.finding.severity === s).length] as const).filter(([, n]) => n > 0);
  const noun = alerts.length === 1 ? 'finding' : 'findings';
  const detailed = `${counts.map(([s, n]) => `${n} ${s}`).join(', ')} ${noun}`;
  const compact = `${alerts.length} ${noun} (${counts[0]![1]} ${worst})`;
  const names = repositories.map(asciiOnly);
  const suffix = part === '' ? '' : ` ${part}`;
  for (const count of [detailed, compact]) {
    for (let shown = names.length; shown >= 1; shown--) {
      const more = shown < names.length ? ` (+${names.length - shown} more)` : '';
      const subject = `cratewatch: ${count} in ${names.slice(0, shown).join(', ')}${more}${suffix}`;
      if (subject.length <= SUBJECT_LIMIT) return subject;
    }
  }
  // Even one repository's name is too long: cut it.
  const more = names.length > 1 ? ` (+${names.length - 1} more)` : '';
  const head = `cratewatch: ${compact} in `;
  return `${head}${names[0]!.slice(0, SUBJECT_LIMIT - head.length - more.length - suffix.length - 3)}...${more}${suffix}`;
}

/** Control characters (line breaks among them) become spaces, so untrusted text cannot add lines. */
function oneLine(text: string): string {
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point
  return text.toWellFormed().replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

/** Printable ASCII only, for SNS subjects. */
function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

function plural(count: number, singular: string): string {
  return `${count} ${count === 1 ? singular : `${singular}s`}`;
}

const encoder = new TextEncoder();

function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}
