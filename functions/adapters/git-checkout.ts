// Reading a git checkout's HEAD from `.git` without running git, for the adapters that read
// folders from disk (local repositories, a cloned advisory database).
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** A SHA-1 or SHA-256 object id. */
const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * The commit checked out and its branch, read from `.git` without running git: HEAD, then the
 * loose ref, then packed-refs (where refs live after `git gc`). A `.git` file (worktree,
 * submodule) points at the real git directory. Not a git checkout: both null.
 */
export async function readGitHead(root: string): Promise<{ commit: string | null; ref: string | null }> {
  const none = { commit: null, ref: null };
  let gitDir = join(root, '.git');
  try {
    if ((await stat(gitDir)).isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(await readFile(gitDir, 'utf8'));
      if (!pointer) return none;
      gitDir = resolve(root, pointer[1]!.trim());
    }
  } catch {
    return none;
  }
  const text = (path: string) => readFile(path, 'utf8').then((t) => t.trim(), () => undefined);
  const common = await text(join(gitDir, 'commondir'));
  const commonDir = common === undefined ? gitDir : resolve(gitDir, common);
  const head = await text(join(gitDir, 'HEAD'));
  if (head === undefined) return none;
  if (OBJECT_ID.test(head)) return { commit: head, ref: null };
  if (!head.startsWith('ref:')) return none;
  const name = head.slice(4).trim();
  const ref = name.replace(/^refs\/heads\//, '');
  for (const dir of new Set([gitDir, commonDir])) {
    const loose = await text(join(dir, name));
    if (loose !== undefined && OBJECT_ID.test(loose)) return { commit: loose, ref };
  }
  const packed = (await text(join(commonDir, 'packed-refs'))) ?? '';
  const line = packed.split('\n').find((l) => l.endsWith(` ${name}`) && !l.startsWith('#'));
  const commit = line?.slice(0, line.indexOf(' '));
  // An unborn branch (no commit yet) has a name but no commit.
  return { commit: commit !== undefined && OBJECT_ID.test(commit) ? commit : null, ref };
}
