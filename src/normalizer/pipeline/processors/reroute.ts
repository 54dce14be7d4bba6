/**
 * `reroute`: hands the inner text of a wrapped line (etcd behind a syslog header, klog behind
 * journald) to the named pipeline, or to the one that claims it, and merges: the inner
 * pipeline's fields win, except `host.name` and `process.*` from this outer layer.
 *
 * Time: the inner run completes a partial time (no year, no date) from this layer's
 * `@timestamp`, not from the collection time. The inner `@timestamp` then wins — it is the
 * daemon's own, usually finer — unless this layer's is exact (date, year and zone in its text)
 * and the inner one is not.
 */
import { getPath, setPath, deletePath, flattenDocument } from '../document.js';
import type { ProcessorFactory } from '../types.js';

const OUTER_WINS = /^(?:host\.name$|process\.)/;

export const rerouteProcessor: ProcessorFactory = (options, compile) => {
  const field = options.string('field') ?? 'message';
  const exclude = new Set(options.stringList('exclude') ?? []);
  const target = options.string('pipeline');
  exclude.add(compile.pipelineName);
  return {
    run(doc, ctx) {
      const text = getPath(doc, field);
      if (typeof text !== 'string') return undefined;
      const inner = ctx.runInner(text, exclude, target);
      if (!inner) {
        if (target !== undefined && !ctx.chain.includes(target) && !exclude.has(target))
          return `pipeline '${target}' did not run (no pipeline of that name, or too deep a reroute chain)`;
        return undefined;
      }
      const outerExact = getPath(doc, '@timestamp') !== undefined && ctx.timestamp?.exact === true;
      const innerWinsTime =
        getPath(inner.doc, '@timestamp') !== undefined && (!outerExact || inner.timestamp?.exact === true);
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
