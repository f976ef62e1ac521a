import { describe, expect, it } from 'vitest';
import { applyLineEdits, diffLineEdits } from '../../../functions/core/unified-diff.ts';

describe('line edits and their unified diff', () => {
  const text = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n';

  it('writes one hunk with three lines of context for a replaced line', () => {
    expect(diffLineEdits('x/Cargo.toml', text, [{ start: 4, end: 5, lines: ['E'] }])).toBe(
      'diff --git a/x/Cargo.toml b/x/Cargo.toml\n--- a/x/Cargo.toml\n+++ b/x/Cargo.toml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n',
    );
  });

  it('writes separate hunks for edits far apart, with new-file line numbers shifted by the insertion', () => {
    const diff = diffLineEdits('f', text, [
      { start: 0, end: 0, lines: ['new'] },
      { start: 9, end: 10, lines: ['J'] },
    ]);
    expect(diff).toContain('@@ -1,3 +1,4 @@\n+new\n a\n b\n c\n');
    expect(diff).toContain('@@ -7,4 +8,4 @@\n g\n h\n i\n-j\n+J\n');
  });

  it('marks a last line without a newline when an insertion follows it', () => {
    const diff = diffLineEdits('f', 'a\nb', [{ start: 2, end: 2, lines: ['c'] }]);
    expect(diff).toBe('diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n');
    expect(applyLineEdits('a\nb', [{ start: 2, end: 2, lines: ['c'] }])).toBe('a\nb\nc');
  });

  it('returns an empty diff when nothing changes', () => {
    expect(diffLineEdits('f', text, [{ start: 1, end: 2, lines: ['b'] }])).toBe('');
  });

  it('refuses overlapping edits', () => {
    expect(() => applyLineEdits(text, [{ start: 1, end: 3, lines: [] }, { start: 2, end: 4, lines: [] }])).toThrow(/overlapping line edits/);
  });
});
