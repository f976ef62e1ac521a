// Line edits to a text file and the unified diff that makes them (what `git apply` takes):
// the pin plan edits a Cargo.toml line by line instead of re-serialising it, so comments,
// order and formatting stay as they were.

/** Replace old lines `[start, end)` (0-based) with `lines`; `start === end` inserts before `start`. */
export interface LineEdit {
  start: number;
  end: number;
  lines: string[];
}

interface Line {
  text: string;
  /** False only for the last line of a file that does not end with a newline. */
  newline: boolean;
}

function splitLines(text: string): Line[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const endsWithNewline = parts.at(-1) === '';
  if (endsWithNewline) parts.pop();
  return parts.map((t, i) => ({ text: t, newline: endsWithNewline || i < parts.length - 1 }));
}

function sorted(edits: readonly LineEdit[]): LineEdit[] {
  const list = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  list.forEach((edit, i) => {
    const next = list[i + 1];
    if (next && next.start < edit.end) throw new Error(`overlapping line edits at lines ${edit.start + 1} and ${next.start + 1}`);
  });
  return list;
}

/** The lines of the edited text, each with its newline (the file's last line keeps the original's lack of one). */
function editedLines(old: Line[], edits: readonly LineEdit[]): Line[] {
  const endsWithNewline = old.length === 0 || old.at(-1)!.newline;
  const out: Line[] = [];
  let at = 0;
  for (const edit of sorted(edits)) {
    out.push(...old.slice(at, edit.start).map((l) => ({ ...l, newline: true })));
    out.push(...edit.lines.map((text) => ({ text, newline: true })));
    at = edit.end;
  }
  out.push(...old.slice(at).map((l) => ({ ...l, newline: true })));
  if (!endsWithNewline && out.length > 0) out[out.length - 1] = { ...out.at(-1)!, newline: false };
  return out;
}

/** `text` with the edits made. */
export function applyLineEdits(text: string, edits: readonly LineEdit[]): string {
  return editedLines(splitLines(text), edits)
    .map((l) => (l.newline ? `${l.text}\n` : l.text))
    .join('');
}

type Op = { kind: ' ' | '-' | '+'; line: Line };

const same = (a: Line, b: Line) => a.text === b.text && a.newline === b.newline;

/** The shortest edit script between two short runs of lines (longest common subsequence). */
function diffRun(a: Line[], b: Line[]): Op[] {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => Array.from({ length: b.length + 1 }, () => 0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = same(a[i]!, b[j]!) ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && same(a[i]!, b[j]!)) {
      ops.push({ kind: ' ', line: a[i++]! });
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ kind: '-', line: a[i++]! });
    else ops.push({ kind: '+', line: b[j++]! });
  }
  return ops;
}

const CONTEXT = 3;

/**
 * The unified diff (`git diff` format, 3 lines of context) that turns `text` into
 * `applyLineEdits(text, edits)`; '' when nothing changes. `path` is the file's path as
 * `git apply` should find it (relative to where it runs).
 */
export function diffLineEdits(path: string, text: string, edits: readonly LineEdit[]): string {
  const old = splitLines(text);
  const updated = editedLines(old, edits);
  // Diff only inside the edited runs, each widened by the line before it: an insertion after
  // a last line without a newline changes that line too.
  const ops: Op[] = [];
  let oldAt = 0;
  let newAt = 0;
  for (const edit of sorted(edits)) {
    const start = Math.max(edit.start - 1, oldAt);
    const shift = newAt - oldAt;
    while (oldAt < start) {
      ops.push({ kind: ' ', line: old[oldAt++]! });
      newAt++;
    }
    const end = edit.end;
    const newEnd = end + shift + edit.lines.length - (edit.end - edit.start);
    ops.push(...diffRun(old.slice(oldAt, end), updated.slice(newAt, newEnd)));
    oldAt = end;
    newAt = newEnd;
  }
  ops.push(...old.slice(oldAt).map((line): Op => ({ kind: ' ', line })));

  const changed = ops.map((op, i) => (op.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return '';
  const out = [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`];
  let k = 0;
  while (k < changed.length) {
    let last = k;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! <= 2 * CONTEXT + 1) last++;
    const from = Math.max(0, changed[k]! - CONTEXT);
    const to = Math.min(ops.length, changed[last]! + CONTEXT + 1);
    let oldStart = 1;
    let newStart = 1;
    for (const op of ops.slice(0, from)) {
      if (op.kind !== '+') oldStart++;
      if (op.kind !== '-') newStart++;
    }
    const hunk = ops.slice(from, to);
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    const range = (start: number, count: number) => (count === 0 ? `${start - 1},0` : count === 1 ? `${start}` : `${start},${count}`);
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`);
    for (const op of hunk) {
      out.push(`${op.kind}${op.line.text}`);
      if (!op.line.newline) out.push('\\ No newline at end of file');
    }
    k = last + 1;
  }
  return `${out.join('\n')}\n`;
}
