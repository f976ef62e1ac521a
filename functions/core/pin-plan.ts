// The pin plan: a `[workspace.dependencies]` block built from the versions Cargo.lock has,
// the member entries switched to `workspace = true`, and the remaining loose requirements
// raised in place — as a unified diff per Cargo.toml, made by editing lines, never by
// re-serialising the file.
//
// What "pin the workspace dependencies" means here: a crate moves into the workspace table
// when two or more members declare it, or when the table already has it (a member that
// declares its own copy is the drift the runbook is about). A crate only one member uses
// stays in that member: moving it would add indirection and unify nothing. Every
// requirement the plan writes admits the version locked today, so `cargo` resolves the
// same versions after the edit.
import type semver from 'semver';
import type { CargoManifest, ManifestDependency } from './cargo-manifest.ts';
import { caretOnMinor, hasTightCeiling, isUnbounded, lowerBound } from './cargo-req-range.ts';
import type { LockedPackage, Lockfile } from './lockfile.ts';
import { findLocked, isStale } from './pinning.ts';
import { applyLineEdits, diffLineEdits, type LineEdit } from './unified-diff.ts';
import { joinPath, relativePath, type ResolvedDependency, type Workspace } from './workspace-members.ts';

export interface PinPlanEntry {
  /** The key in `[workspace.dependencies]` (the name members use). */
  key: string;
  crate: string;
  /** The requirement written; null for a path or git entry without a version. */
  requirement: string | null;
  /** The locked version it was built from. */
  locked: string;
  /** The TOML line of the entry, as in `block`. */
  toml: string;
  /** True when the entry was already in the table. */
  existing: boolean;
  /** The members switched to `workspace = true` by the plan. */
  members: string[];
}

/** A crate or entry the plan leaves alone, and why. */
export interface PinPlanSkip {
  crate: string;
  file: string;
  line: number;
  reason: string;
}

export interface ManifestPatch {
  file: string;
  /** The unified diff for this file (applies with `git apply` where `file` is relative to). */
  diff: string;
  /** The file's text after the edit. */
  text: string;
}

export interface PinPlan {
  /** Why there is no plan at all (no lockfile, not a workspace); null when there is one. */
  notPlanned: string | null;
  /** The suggested `[workspace.dependencies]` block, ready to paste; '' when it is empty. */
  block: string;
  entries: PinPlanEntry[];
  skipped: PinPlanSkip[];
  patches: ManifestPatch[];
  /** Every patch, one after the other: what `cratewatch pin --diff-only` prints. */
  diff: string;
}

// ── TOML text helpers: where a value ends, how to write one ─────────────────────────────

/** The position just past the value that starts at or after `col` on line `li`. */
function valueEnd(lines: readonly string[], li: number, col: number): { line: number; col: number } {
  let depth = 0;
  let started = false;
  for (let i = li; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    let j = i === li ? col : 0;
    while (j < line.length) {
      const ch = line[j]!;
      if (ch === '"' || ch === "'") {
        const triple = ch.repeat(3);
        if (line.startsWith(triple, j)) {
          let k = line.indexOf(triple, j + 3);
          let at = i;
          while (k === -1 && at + 1 < lines.length) k = lines[++at]!.indexOf(triple);
          if (depth === 0) return { line: at, col: k + 3 };
          i = at;
          j = k + 3;
          continue;
        }
        let k = j + 1;
        while (k < line.length && line[k] !== ch) k += ch === '"' && line[k] === '\\' ? 2 : 1;
        if (depth === 0) return { line: i, col: k + 1 };
        j = k + 1;
        continue;
      }
      if (ch === '#') break;
      if (ch === '[' || ch === '{') {
        depth++;
        started = true;
      } else if (ch === ']' || ch === '}') {
        depth--;
        if (depth === 0) return { line: i, col: j + 1 };
      } else if (!/\s|,/.test(ch) && depth === 0) {
        let k = j;
        while (k < line.length && !/[\s#]/.test(line[k]!)) k++;
        return { line: i, col: k };
      }
      j++;
    }
    if (started && depth === 0) return { line: i, col: line.length };
  }
  return { line: lines.length - 1, col: (lines.at(-1) ?? '').length };
}

const KEY_LINE = /^(\s*)([A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')\s*=/;

function unquoteKey(key: string): string {
  return key.startsWith('"') || key.startsWith("'") ? key.slice(1, -1) : key;
}

interface KeyLine {
  key: string;
  /** First line (0-based) and the line after the value. */
  start: number;
  end: number;
  /** Text before `=`, indentation included. */
  keyText: string;
  /** Text after the value on its last line (a comment), `\r` included. */
  rest: string;
  /** The value as written. */
  value: string;
}

function keyLineAt(lines: readonly string[], li: number): KeyLine | undefined {
  const line = lines[li]!;
  const match = KEY_LINE.exec(line);
  if (!match) return undefined;
  const eq = match[0].length;
  const end = valueEnd(lines, li, eq);
  const valueText = end.line === li ? line.slice(eq, end.col) : [line.slice(eq), ...lines.slice(li + 1, end.line), lines[end.line]!.slice(0, end.col)].join('\n');
  return {
    key: unquoteKey(match[2]!),
    start: li,
    end: end.line + 1,
    keyText: line.slice(0, eq - 1).trimEnd(),
    rest: lines[end.line]!.slice(end.col),
    value: valueText.trim(),
  };
}

/** The key lines of the table whose header is line `header`, and the line after its last key. */
function tableBody(lines: readonly string[], header: number): { keys: KeyLine[]; end: number } {
  const keys: KeyLine[] = [];
  let end = header + 1;
  for (let i = header + 1; i < lines.length; ) {
    const trimmed = lines[i]!.trim();
    if (trimmed.startsWith('[')) break;
    const key = trimmed === '' || trimmed.startsWith('#') ? undefined : keyLineAt(lines, i);
    if (key) {
      keys.push(key);
      i = key.end;
      end = i;
    } else i++;
  }
  return { keys, end };
}

type Value = string | boolean | string[];

function renderValue(value: Value): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function renderKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function renderEntry(fields: readonly (readonly [string, Value])[], asString: boolean): string {
  if (asString && fields.length === 1 && fields[0]![0] === 'version') return renderValue(fields[0]![1]);
  return `{ ${fields.map(([k, v]) => `${k} = ${renderValue(v)}`).join(', ')} }`;
}

const sameKey = (a: string, b: string) => a.replace('_', '-') === b.replace('_', '-');

/** A manifest's lines and the edits planned for it; an entry is edited at most once. */
class ManifestEdits {
  readonly lines: string[];
  readonly edits: LineEdit[] = [];
  readonly cr: string;
  readonly manifest: CargoManifest;
  constructor(manifest: CargoManifest) {
    this.manifest = manifest;
    this.lines = manifest.text.split('\n');
    this.cr = manifest.text.includes('\r\n') ? '\r' : '';
  }

  private overlaps(start: number, end: number): boolean {
    return this.edits.some((e) => (start === end ? start > e.start && start < e.end : start < e.end && e.start < end) || (e.start === e.end && start < e.start && e.start < end));
  }

  private add(edit: LineEdit): boolean {
    if (this.overlaps(edit.start, edit.end)) return false;
    this.edits.push(edit);
    return true;
  }

  /** Rewrites an entry with `fields` (keys not listed are dropped). False when it cannot be edited. */
  rewrite(dep: ManifestDependency, fields: readonly (readonly [string, Value])[]): boolean {
    const at = dep.line - 1;
    if (dep.form === 'dotted') return false;
    if (dep.form !== 'table') {
      const line = keyLineAt(this.lines, at);
      if (!line) return false;
      return this.add({ start: line.start, end: line.end, lines: [`${line.keyText} = ${renderEntry(fields, dep.form === 'string')}${line.rest}`] });
    }
    const body = tableBody(this.lines, at);
    const out: string[] = [];
    for (const [key, value] of fields) {
      if (!body.keys.some((k) => sameKey(k.key, key))) out.push(`${key} = ${renderValue(value)}${this.cr}`);
    }
    for (let i = at + 1; i < body.end; ) {
      const key = body.keys.find((k) => k.start === i);
      if (!key) {
        out.push(this.lines[i++]!);
        continue;
      }
      const field = fields.find(([k]) => sameKey(k, key.key));
      if (field && renderValue(field[1]) === key.value) out.push(...this.lines.slice(key.start, key.end));
      else if (field) out.push(`${key.keyText} = ${renderValue(field[1])}${key.rest}`);
      i = key.end;
    }
    return this.add({ start: at + 1, end: body.end, lines: out });
  }

  /** Sets one key of an entry in place (`version`, `rev`), dropping `drop` keys; the rest stays as written. */
  set(dep: ManifestDependency, key: string, value: string, drop: readonly string[] = []): boolean {
    const at = dep.line - 1;
    if (dep.form === 'dotted') return false;
    if (dep.form === 'table') {
      const body = tableBody(this.lines, at);
      const fields: [string, Value][] = [];
      for (const k of body.keys) {
        if (drop.includes(k.key)) continue;
        fields.push([k.key, k.key === key ? value : (JSON.parse(k.value.startsWith("'") ? JSON.stringify(k.value.slice(1, -1)) : k.value) as Value)]);
      }
      if (!fields.some(([k]) => k === key)) fields.push([key, value]);
      return this.rewrite(dep, fields);
    }
    const line = keyLineAt(this.lines, at);
    if (!line) return false;
    let text = line.value;
    if (dep.form === 'string') text = JSON.stringify(value);
    else {
      for (const k of drop) text = text.replace(new RegExp(String.raw`,?\s*\b${k}\s*=\s*("[^"]*"|'[^']*')`), '');
      const existing = new RegExp(String.raw`(\b${key}\s*=\s*)("[^"]*"|'[^']*')`);
      if (existing.test(text)) text = text.replace(existing, `$1${JSON.stringify(value)}`);
      else text = text.replace(/\s*\}$/, `, ${key} = ${JSON.stringify(value)} }`);
    }
    const firstLine = this.lines[line.start]!;
    const eq = KEY_LINE.exec(firstLine)![0].length;
    const space = /^\s*/.exec(firstLine.slice(eq))![0];
    return this.add({ start: line.start, end: line.end, lines: `${firstLine.slice(0, eq)}${space}${text}${line.rest}`.split('\n') });
  }

  /** Inserts lines before line `at` (0-based). */
  insert(at: number, lines: readonly string[]): boolean {
    return this.add({ start: at, end: at, lines: lines.map((l) => `${l}${this.cr}`) });
  }
}

// ── The plan ────────────────────────────────────────────────────────────────────────────

/** Keys the workspace entry takes over from a member entry. */
const MOVED_KEYS = new Set(['version', 'path', 'git', 'rev', 'tag', 'branch', 'registry', 'package', 'default-features', 'default_features']);
/** Keys a member may keep next to `workspace = true` (Cargo: `features`, `optional`; `default-features` to turn them back on). */
const KEPT_KEYS = new Set(['features', 'optional', 'default-features', 'default_features']);

function sourceOf(d: { path: string | null; git: { url: string } | null; registry: string | null }): string {
  if (d.git) return `git ${d.git.url.replace(/\/+$/, '').replace(/\.git$/, '')}`;
  if (d.path !== null) return `path ${d.path}`;
  return `registry ${d.registry ?? 'crates-io'}`;
}

const versionLine = (v: semver.SemVer) => (v.major === 0 && v.minor === 0 ? `0.0.${v.patch}` : `${v.major}.${v.minor}`);

/**
 * The requirement for a crate: caret on the locked minor, unless a member already asks for a
 * later patch of that minor — the plan never lowers a requirement's floor.
 */
function plannedRequirement(locked: semver.SemVer, versions: readonly string[]): string {
  let req = caretOnMinor(locked);
  let floor = lowerBound(req);
  for (const v of versions) {
    const low = lowerBound(v);
    if (versionLine(low) === versionLine(locked) && low.compare(floor) > 0 && low.compare(locked) <= 0) {
      floor = low;
      req = low.version;
    }
  }
  return req;
}

function lockedOf(lockfile: Lockfile, d: ResolvedDependency): LockedPackage | undefined {
  return findLocked(lockfile, { name: d.name, version: d.version, path: d.path, git: d.git });
}

/**
 * Plans the pins of a workspace against its lockfile. Without a lockfile there is no plan
 * (`notPlanned` says so): the requirements are built from what is locked.
 */
export function planPins(workspace: Workspace, lockfile: Lockfile | null): PinPlan {
  const none = (notPlanned: string): PinPlan => ({ notPlanned, block: '', entries: [], skipped: [], patches: [], diff: '' });
  if (lockfile === null) return none(`no Cargo.lock next to ${workspace.root.path}: the plan pins the versions that are locked; run \`cargo generate-lockfile\` first`);
  const files = new Map<string, ManifestEdits>();
  const editsOf = (m: CargoManifest) => {
    if (!files.has(m.path)) files.set(m.path, new ManifestEdits(m));
    return files.get(m.path)!;
  };
  const root = workspace.root;
  const ws = root.workspace;
  const table = ws?.dependencies ?? [];
  const entries: PinPlanEntry[] = [];
  const skipped: PinPlanSkip[] = [];
  const done = new Set<ManifestDependency>();
  const skip = (crate: string, file: string, line: number, reason: string) => skipped.push({ crate, file, line, reason });

  const headerLine = ws ? (root.text.split('\n')[ws.line - 1] ?? '').trim() : '';
  const canMove = ws !== null && /^\[\s*workspace\s*\]/.test(headerLine);
  const own = workspace.dependencies.filter((d) => d.inherited === null);
  const byName = new Map<string, ResolvedDependency[]>();
  for (const d of own) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  const tableByName = new Map(table.map((t) => [t.name, t]));
  const newLines: string[] = [];

  const candidates = canMove ? [...new Set([...byName.keys(), ...tableByName.keys()])].sort() : [];
  for (const name of candidates) {
    const decls = byName.get(name) ?? [];
    const entry = tableByName.get(name);
    if (decls.length === 0 || (entry === undefined && new Set(decls.map((d) => d.member.name)).size < 2)) continue;
    const first = decls[0]!;
    const at = (reason: string) => skip(name, first.member.manifest.path, first.declared.line, reason);
    const entryPath = entry?.path == null ? null : joinPath(workspace.rootDir, entry.path);
    const sources = new Set([...decls.map(sourceOf), ...(entry ? [sourceOf({ ...entry, path: entryPath })] : [])]);
    if (sources.size > 1) {
      at(`required from different sources (${[...sources].join('; ')}): make them one source first`);
      continue;
    }
    const keys = new Set([...decls.map((d) => d.declared.key), ...(entry ? [entry.key] : [])]);
    if (keys.size > 1) {
      at(`declared under different names (${[...keys].join(', ')}): a member inherits by its key, so rename them to one first`);
      continue;
    }
    const versions = [...decls.map((d) => d.version), entry?.version ?? null].filter((v): v is string => v !== null);
    const tight = versions.find(hasTightCeiling);
    if (tight !== undefined) {
      at(`"${tight}" caps the version on purpose: kept as written`);
      continue;
    }
    const dotted = decls.find((d) => d.declared.form === 'dotted');
    if (dotted) {
      skip(name, dotted.member.manifest.path, dotted.declared.line, 'written as dotted keys: edit it by hand');
      continue;
    }
    const odd = decls.flatMap((d) => d.declared.keys.filter((k) => !MOVED_KEYS.has(k) && !KEPT_KEYS.has(k)));
    if (odd.length > 0) {
      at(`has keys a workspace entry cannot carry for one member (${[...new Set(odd)].join(', ')}): kept as written`);
      continue;
    }
    const locks = decls.map((d) => lockedOf(lockfile, d));
    const entryLock = entry ? findLocked(lockfile, { name, version: entry.version, path: entryPath, git: entry.git }) : undefined;
    if (locks.some((l) => l === undefined) || (entry && entryLock === undefined)) {
      at('not found in Cargo.lock with a version its requirements admit: run `cargo update -p ' + name + '` or check the lockfile');
      continue;
    }
    const lockedSet = new Set([...locks, ...(entryLock ? [entryLock] : [])].map((l) => `${l!.version} ${l!.source?.commit ?? ''}`));
    if (lockedSet.size > 1) {
      at(`members lock different versions (${[...lockedSet].map((v) => v.trim()).join(', ')}): unify them first (see the duplicates)`);
      continue;
    }
    const locked = locks[0]!;
    const key = first.declared.key;

    let tableFeatures: string[];
    let tableDefaultOff: boolean;
    if (entry) {
      tableFeatures = entry.features;
      tableDefaultOff = entry.defaultFeatures === false;
    } else {
      tableFeatures = first.declared.features.filter((f) => decls.every((d) => d.declared.features.includes(f)));
      tableDefaultOff = decls.some((d) => d.declared.defaultFeatures === false);
    }
    const requirement = versions.length === 0 ? null : plannedRequirement(locked.semver, versions);

    const switched: string[] = [];
    for (const d of decls) {
      const missingFeatures = tableFeatures.filter((f) => !d.declared.features.includes(f));
      if (missingFeatures.length > 0) {
        skip(name, d.member.manifest.path, d.declared.line, `the workspace entry enables ${missingFeatures.join(', ')}, which ${d.member.name} does not: inheriting would add features`);
        continue;
      }
      if (!tableDefaultOff && d.declared.defaultFeatures === false) {
        skip(name, d.member.manifest.path, d.declared.line, `${d.member.name} turns default features off and the workspace entry does not: Cargo refuses that when inheriting`);
        continue;
      }
      const fields: [string, Value][] = [['workspace', true]];
      const memberFeatures = d.declared.features.filter((f) => !tableFeatures.includes(f));
      if (memberFeatures.length > 0) fields.push(['features', memberFeatures]);
      if (d.declared.optional) fields.push(['optional', true]);
      if (tableDefaultOff && d.declared.defaultFeatures !== false) fields.push(['default-features', true]);
      if (editsOf(d.member.manifest).rewrite(d.declared, fields)) {
        done.add(d.declared);
        switched.push(d.member.name);
      } else skip(name, d.member.manifest.path, d.declared.line, 'could not be edited in place: edit it by hand');
    }
    if (switched.length === 0 && entry === undefined) continue;

    let toml: string;
    if (entry) {
      const rootEdits = editsOf(root);
      let req = entry.version;
      const raises = requirement !== null && entry.version !== null && lowerBound(requirement).compare(lowerBound(entry.version)) > 0;
      if (entry.version !== null && requirement !== null && (isUnbounded(entry.version) || raises)) {
        if (rootEdits.set(entry, 'version', requirement)) {
          done.add(entry);
          req = requirement;
        }
      }
      toml = `${renderKey(entry.key)} = ${rootLineOf(entry, req)}`;
    } else {
      const fields: [string, Value][] = [];
      if (requirement !== null) fields.push(['version', requirement]);
      if (name !== key) fields.push(['package', name]);
      if (first.path !== null && first.git === null) fields.push(['path', relativePath(workspace.rootDir, first.path)]);
      if (first.git) {
        fields.push(['git', first.git.url]);
        const refs = new Set(decls.map((d) => (d.git?.rev ? `rev ${d.git.rev}` : d.git?.tag ? `tag ${d.git.tag}` : '')));
        const only = refs.size === 1 ? [...refs][0]! : '';
        if (only !== '') fields.push([only.slice(0, 3), only.slice(4)]);
        else if (locked.source?.commit) fields.push(['rev', locked.source.commit]);
      }
      if (first.registry !== null) fields.push(['registry', first.registry]);
      if (tableDefaultOff) fields.push(['default-features', false]);
      if (tableFeatures.length > 0) fields.push(['features', tableFeatures]);
      toml = `${renderKey(key)} = ${renderEntry(fields, true)}`;
      newLines.push(toml);
    }
    entries.push({ key: entry?.key ?? key, crate: name, requirement: entry ? entry.version : requirement, locked: locked.version, toml, existing: entry !== undefined, members: switched });
  }

  if (newLines.length > 0) {
    const rootEdits = editsOf(root);
    const lines = rootEdits.lines;
    const depsHeader = ws!.dependenciesLine === null ? -1 : ws!.dependenciesLine - 1;
    if (depsHeader >= 0 && /^\s*\[\s*workspace\s*\.\s*dependencies\s*\]/.test(lines[depsHeader] ?? '')) {
      rootEdits.insert(tableBody(lines, depsHeader).end, newLines);
    } else {
      rootEdits.insert(tableBody(lines, ws!.line - 1).end, ['', '[workspace.dependencies]', ...newLines]);
    }
  }

  // What stays where it is: raise loose requirements and pin git revisions in place.
  const inPlace = [
    ...own.map((d) => ({ dep: d.declared, manifest: d.member.manifest, path: d.path })),
    ...table.map((dep) => ({ dep, manifest: root, path: dep.path === null ? null : joinPath(workspace.rootDir, dep.path) })),
    ...root.patch.flatMap((p) => p.dependencies.map((dep) => ({ dep, manifest: root, path: dep.path === null ? null : joinPath(workspace.rootDir, dep.path) }))),
  ];
  for (const { dep, manifest, path } of inPlace) {
    if (done.has(dep)) continue;
    const lock = findLocked(lockfile, { name: dep.name, version: dep.version, path, git: dep.git });
    if (!lock) continue;
    const edits = editsOf(manifest);
    if (dep.version !== null && (isUnbounded(dep.version) || isStale(dep.version, lock.semver))) {
      if (edits.set(dep, 'version', caretOnMinor(lock.semver))) done.add(dep);
      else skip(dep.name, manifest.path, dep.line, 'could not be edited in place: edit it by hand');
    } else if (dep.git && dep.git.rev === undefined && dep.git.tag === undefined && lock.source?.commit) {
      if (edits.set(dep, 'rev', lock.source.commit, ['branch'])) done.add(dep);
      else skip(dep.name, manifest.path, dep.line, 'could not be edited in place: edit it by hand');
    }
  }

  const patches = [...files.values()]
    .filter((f) => f.edits.length > 0)
    .sort((a, b) => (a.manifest.path < b.manifest.path ? -1 : 1))
    .map((f) => ({ file: f.manifest.path, diff: diffLineEdits(f.manifest.path, f.manifest.text, f.edits), text: applyLineEdits(f.manifest.text, f.edits) }))
    .filter((p) => p.diff !== '');
  const blockLines = [
    ...table.map((t) => entries.find((e) => e.key === t.key)?.toml ?? `${renderKey(t.key)} = ${rootLineOf(t, t.version)}`),
    ...entries.filter((e) => !e.existing).map((e) => e.toml),
  ];
  return {
    notPlanned: null,
    block: blockLines.length === 0 ? '' : `[workspace.dependencies]\n${blockLines.join('\n')}\n`,
    entries,
    skipped,
    patches,
    diff: patches.map((p) => p.diff).join(''),
  };
}

/** A workspace-table entry's value as the block shows it: its own text, with `req` as its version. */
function rootLineOf(entry: ManifestDependency, req: string | null): string {
  const fields: [string, Value][] = [];
  if (req !== null) fields.push(['version', req]);
  if (entry.name !== entry.key) fields.push(['package', entry.name]);
  if (entry.path !== null) fields.push(['path', entry.path]);
  if (entry.git) {
    fields.push(['git', entry.git.url]);
    for (const ref of ['rev', 'tag', 'branch'] as const) if (entry.git[ref] !== undefined) fields.push([ref, entry.git[ref]]);
  }
  if (entry.registry !== null) fields.push(['registry', entry.registry]);
  if (entry.defaultFeatures !== null) fields.push(['default-features', entry.defaultFeatures]);
  if (entry.features.length > 0) fields.push(['features', entry.features]);
  return renderEntry(fields, true);
}
