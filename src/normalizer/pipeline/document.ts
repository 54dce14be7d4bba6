/**
 * The ECS document as the engine builds it: nested plain objects addressed by dotted paths
 * (`log.level` lives at `doc.log.level`). Paths are split once and cached because the same
 * few dozen paths are used for every event.
 */
export type EcsDocument = Record<string, unknown>;

const splitCache = new Map<string, readonly string[]>();

export function pathSegments(path: string): readonly string[] {
  let segments = splitCache.get(path);
  if (segments === undefined) {
    segments = path.split('.');
    // Bounded: paths come from pipeline files and JSON keys; a flood of distinct keys must not grow memory.
    if (splitCache.size > 50_000) splitCache.clear();
    splitCache.set(path, segments);
  }
  return segments;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getPath(doc: EcsDocument, path: string): unknown {
  return getAt(doc, pathSegments(path));
}

/** `getPath` with the path already split (processors split their fixed paths at load). */
export function getAt(doc: EcsDocument, segments: readonly string[]): unknown {
  let node: unknown = doc;
  for (let i = 0; i < segments.length; i++) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segments[i] as string];
  }
  return node;
}

/**
 * A reader for one fixed path, unrolled for the usual one to three segments: conditions and
 * processors read the same few paths for every event.
 */
export function compileGetter(path: string): (doc: EcsDocument) => unknown {
  const segments = path.split('.');
  const [a, b, c] = segments as [string, string, string];
  const obj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  switch (segments.length) {
    case 1:
      return (doc) => doc[a];
    case 2:
      return (doc) => {
        const x = doc[a];
        return obj(x) ? x[b] : undefined;
      };
    case 3:
      return (doc) => {
        const x = doc[a];
        if (!obj(x)) return undefined;
        const y = x[b];
        return obj(y) ? y[c] : undefined;
      };
    default:
      return (doc) => getAt(doc, segments);
  }
}

export function hasPath(doc: EcsDocument, path: string): boolean {
  return getPath(doc, path) !== undefined;
}

/** Sets a value, creating (or replacing non-object) intermediate objects. */
export function setPath(doc: EcsDocument, path: string, value: unknown): void {
  setAt(doc, pathSegments(path), value);
}

/** `setPath` with the path already split. */
export function setAt(doc: EcsDocument, segments: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = doc;
  const last = segments.length - 1;
  for (let i = 0; i < last; i++) {
    const key = segments[i] as string;
    const next = node[key];
    if (isPlainObject(next)) {
      node = next;
    } else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  node[segments[last] as string] = value;
}

/** Removes a value; empty parent objects are removed too so that no `{}` reaches the index. */
export function deletePath(doc: EcsDocument, path: string): boolean {
  return deleteAt(doc, pathSegments(path));
}

function isEmptyObject(node: Record<string, unknown>): boolean {
  for (const _ in node) return false;
  return true;
}

/** `deletePath` with the path already split. */
export function deleteAt(doc: EcsDocument, segments: readonly string[]): boolean {
  const parents: Record<string, unknown>[] = [];
  let node: Record<string, unknown> = doc;
  for (let i = 0; i < segments.length - 1; i++) {
    const next = node[segments[i] as string];
    if (!isPlainObject(next)) return false;
    parents.push(node);
    node = next;
  }
  const leaf = segments[segments.length - 1] as string;
  if (!(leaf in node)) return false;
  delete node[leaf];
  for (let i = parents.length - 1; i >= 0 && isEmptyObject(node); i--) {
    const parent = parents[i] as Record<string, unknown>;
    delete parent[segments[i] as string];
    node = parent;
  }
  return true;
}

export function addTag(doc: EcsDocument, tag: string): void {
  const tags = doc['tags'];
  if (Array.isArray(tags)) {
    if (!tags.includes(tag)) tags.push(tag);
  } else {
    doc['tags'] = [tag];
  }
}

export const PARSE_FAILURE_TAG = '_parse_failure';

/** Records a processor failure the way the contract says: a tag and a reason line. */
export function recordFailure(doc: EcsDocument, reason: string): void {
  addTag(doc, PARSE_FAILURE_TAG);
  const kiver = isPlainObject(doc['kiver']) ? doc['kiver'] : (doc['kiver'] = {});
  const failures = (kiver as Record<string, unknown>)['parse_failures'];
  if (Array.isArray(failures)) failures.push(reason);
  else (kiver as Record<string, unknown>)['parse_failures'] = [reason];
}

/** Flattens a document into dotted paths -> leaf values (arrays are leaves). */
export function flattenDocument(
  doc: EcsDocument,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [key, value] of Object.entries(doc)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) flattenDocument(value, path, out);
    else out[path] = value;
  }
  return out;
}

export { isPlainObject };
