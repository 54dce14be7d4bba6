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
  const segments = pathSegments(path);
  let node: unknown = doc;
  for (const segment of segments) {
    if (!isPlainObject(node)) return undefined;
    node = node[segment];
  }
  return node;
}

export function hasPath(doc: EcsDocument, path: string): boolean {
  return getPath(doc, path) !== undefined;
}

/** Sets a value, creating (or replacing non-object) intermediate objects. */
export function setPath(doc: EcsDocument, path: string, value: unknown): void {
  const segments = pathSegments(path);
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
  const segments = pathSegments(path);
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
  for (let i = parents.length - 1; i >= 0 && Object.keys(node).length === 0; i--) {
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
