/**
 * `reroute`: hands the inner text of a wrapped line (etcd behind a syslog header, klog behind
 * journald) to the pipeline that claims it, and merges: the inner pipeline's fields win, except
 * `host.name` and `process.*` from this outer layer; the inner `@timestamp` wins only when it
 * is exact (date, year and zone) or this layer has none.
 */
import { getPath, setPath, deletePath, flattenDocument } from '../document.js';
import type { ProcessorFactory } from '../types.js';

const OUTER_WINS = /^(?:host\.name$|process\.)/;

export const rerouteProcessor: ProcessorFactory = (options, compile) => {
  const field = options.string('field') ?? 'message';
  const exclude = new Set(options.stringList('exclude') ?? []);
  exclude.add(compile.pipelineName);
  return {
    run(doc, ctx) {
      const text = getPath(doc, field);
      if (typeof text !== 'string') return undefined;
      const inner = ctx.runInner(text, exclude);
      if (!inner) return undefined;
      const outerHasTime = getPath(doc, '@timestamp') !== undefined;
      const innerWinsTime =
        getPath(inner.doc, '@timestamp') !== undefined && (!outerHasTime || inner.timestamp?.exact === true);
      const flat = flattenDocument(inner.doc);
      for (const [path, value] of Object.entries(flat)) {
        if (path === '@timestamp' || path === 'event.timezone') continue;
        if (path === 'tags' && Array.isArray(value)) {
          const tags = Array.isArray(doc['tags']) ? (doc['tags'] as unknown[]) : [];
          for (const tag of value) if (!tags.includes(tag)) tags.push(tag);
          doc['tags'] = tags;
          continue;
        }
        if (OUTER_WINS.test(path) && getPath(doc, path) !== undefined) continue;
        if (path === 'kiver.parse_failures' && Array.isArray(value)) {
          const existing = getPath(doc, path);
          setPath(doc, path, [...(Array.isArray(existing) ? existing : []), ...value]);
          continue;
        }
        setPath(doc, path, value);
      }
      if (innerWinsTime) {
        setPath(doc, '@timestamp', getPath(inner.doc, '@timestamp'));
        const zone = getPath(inner.doc, 'event.timezone');
        if (zone === undefined) deletePath(doc, 'event.timezone');
        else setPath(doc, 'event.timezone', zone);
        ctx.timestamp = inner.timestamp;
      }
      return undefined;
    },
  };
};
