// Image references in docker compose files (`services.*.image`) and Kubernetes manifests
// (every `containers`, `initContainers` and `ephemeralContainers` list of every document:
// Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Lists, custom resources),
// each with the line and column of its value. Aliases are never expanded.
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Node as YamlNode, type Scalar } from 'yaml';
import { ImageReferenceError, parseImageReference, type ImageReference } from './image-reference.ts';
import { MAX_TOOLCHAIN_FILE_BYTES, ToolchainFileError } from './toolchain-files.ts';

export interface ImageUse {
  file: string;
  /** Line and column (1-based) where the value starts. */
  line: number;
  column: number;
  /** Column of the tag's first character, when the tag is written literally on that line. */
  tagColumn: number | null;
  /** Which field holds it: `services.db.image`, `CronJob/backup spec.jobTemplate.spec.template.spec.containers[0].image`. */
  where: string;
  /** The value as written. */
  written: string;
  /** With compose's `${VAR:-default}` defaults substituted (equal to `written` in Kubernetes files). */
  resolved: string;
  /** The parsed reference, or null with `problem` saying why it could not be read. */
  reference: ImageReference | null;
  problem: string | null;
}

const MAX_DOCUMENTS = 10_000;
/** Deeper than any manifest's containers (`spec.jobTemplate.spec.template.spec` is 6). */
const MAX_DEPTH = 24;
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const COMPOSE_VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)((?::?[-?+])[^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*)|(\$))/g;

function readDocuments(text: string, file: string): { docs: ReturnType<typeof parseAllDocuments>; lines: LineCounter } {
  if (text.length > MAX_TOOLCHAIN_FILE_BYTES) throw new ToolchainFileError(`larger than ${MAX_TOOLCHAIN_FILE_BYTES} bytes: not a file cratewatch reads`, { file });
  const lines = new LineCounter();
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false });
  } catch (error) {
    // A stack overflow on absurd nesting, which the parser does not bound itself.
    throw new ToolchainFileError('not YAML cratewatch can read (nested too deeply)', { file, line: 1 }, { cause: error });
  }
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > MAX_DOCUMENTS) throw new ToolchainFileError(`more than ${MAX_DOCUMENTS} YAML documents`, { file });
  for (const doc of list) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const at = error.linePos?.[0];
      throw new ToolchainFileError(`not valid YAML: ${error.message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, { file, line: at?.line ?? 1, column: at?.col }, { cause: error });
    }
  }
  return { docs: list, lines };
}

/** The string a scalar holds, or undefined for other nodes (aliases included) and non-strings. */
function stringOf(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

function get(map: unknown, key: string): unknown {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) if (stringOf(pair.key) === key) return pair.value;
  return undefined;
}

/** Substitutes compose's `${VAR:-default}` / `${VAR-default}` defaults and `$$`; names variables with no default. */
function interpolate(value: string): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = value.replace(COMPOSE_VARIABLE, (_whole, braced: string | undefined, modifier: string | undefined, bare: string | undefined, dollar: string | undefined) => {
    if (dollar !== undefined) return '$';
    const name = braced ?? bare!;
    if (modifier !== undefined && /^:?-/.test(modifier)) return modifier.replace(/^:?-/, '');
    missing.push(name);
    return '';
  });
  return { text, missing };
}

function use(file: string, text: string, lines: LineCounter, node: Scalar, where: string, compose: boolean): ImageUse {
  const written = node.value as string;
  const start = node.range?.[0] ?? 0;
  const { line, col } = lines.linePos(start);
  const { text: resolved, missing } = compose ? interpolate(written) : { text: written, missing: [] };
  let reference: ImageReference | null = null;
  let problem: string | null = null;
  if (missing.length > 0) problem = `uses ${[...new Set(missing)].map((v) => `\${${v}}`).join(', ')} without a default: set at deploy time`;
  else {
    try {
      reference = parseImageReference(resolved);
    } catch (error) {
      if (!(error instanceof ImageReferenceError)) throw error;
      problem = error.message;
    }
  }
  // The tag's column, when it is written as it is (no escapes before it, not folded over lines).
  let tagColumn: number | null = null;
  if (reference?.tag && reference.tagOffset !== null) {
    const end = node.range?.[1] ?? start;
    const source = text.slice(start, end);
    const asWritten = resolved === written ? source.indexOf(written) : -1;
    // Otherwise (escapes, or a compose default): where the tag stands, when it stands there once.
    const once = source.indexOf(reference.tag) === source.lastIndexOf(reference.tag) ? source.indexOf(reference.tag) : -1;
    const index = asWritten >= 0 ? asWritten + reference.tagOffset : once;
    const position = index >= 0 ? lines.linePos(start + index) : null;
    if (position !== null && position.line === line) tagColumn = position.col;
  }
  return { file, line, column: col, tagColumn, where, written, resolved, reference, problem };
}

/**
 * The images of a docker compose file's services, in file order. Throws ToolchainFileError
 * (file:line) when the file is not YAML; services without `image` (built locally) are skipped.
 */
export function findComposeImages(text: string, file: string): ImageUse[] {
  const { docs, lines } = readDocuments(text, file);
  const found: ImageUse[] = [];
  for (const doc of docs) {
    const services = get(doc.contents, 'services');
    if (!isMap(services)) continue;
    for (const pair of services.items) {
      const name = stringOf(pair.key) ?? String(isScalar(pair.key) ? pair.key.value : '?');
      const image = get(pair.value, 'image');
      if (isScalar(image) && typeof image.value === 'string') found.push(use(file, text, lines, image, `services.${name}.image`, true));
    }
  }
  return found;
}

/**
 * The images of every container in a file of Kubernetes manifests (several `---` documents;
 * those without `apiVersion` and `kind` are skipped), in file order. Throws ToolchainFileError
 * (file:line) when the file is not YAML.
 */
export function findKubernetesImages(text: string, file: string): ImageUse[] {
  const { docs, lines } = readDocuments(text, file);
  const found: ImageUse[] = [];
  const walk = (node: unknown, path: string, object: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (isMap(node)) {
      const kind = stringOf(get(node, 'kind'));
      const name = stringOf(get(get(node, 'metadata'), 'name'));
      const here = kind !== undefined && get(node, 'apiVersion') !== undefined ? `${kind}/${name ?? '?'}` : object;
      const base = here === object ? path : '';
      for (const pair of node.items) {
        const key = stringOf(pair.key);
        if (key === undefined) continue;
        const field = base === '' ? key : `${base}.${key}`;
        if (CONTAINER_LISTS.has(key) && isSeq(pair.value)) {
          pair.value.items.forEach((container, i) => {
            const image = get(container, 'image');
            if (isScalar(image) && typeof image.value === 'string') found.push(use(file, text, lines, image, `${here} ${field}[${i}].image`, false));
          });
        } else {
          walk(pair.value, field, here, depth + 1);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item: YamlNode | unknown, i) => walk(item, `${path}[${i}]`, object, depth + 1));
    }
  };
  for (const doc of docs) {
    const root = doc.contents;
    if (!isMap(root) || stringOf(get(root, 'kind')) === undefined || get(root, 'apiVersion') === undefined) continue;
    walk(root, '', '', 0);
  }
  return found;
}
