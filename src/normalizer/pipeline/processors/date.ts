/**
 * `date`: parses a field with the first format that fits and writes the UTC instant.
 */
import { compileDateFormat, type DateFormat } from '../date/formats.js';
import { resolveContextFor } from '../date/reference.js';
import { formatTimestamp } from '../date/timestamp.js';
import { isValidTimeZone } from '../date/zone.js';
import { setPath } from '../document.js';
import type { ProcessorFactory } from '../types.js';
import { readSourceText, sourceProblem } from './source-field.js';

export const dateProcessor: ProcessorFactory = (options, ctx) => {
  const field = options.requireString('field');
  const target = options.string('target') ?? '@timestamp';
  const ignoreMissing = options.boolean('ignore_missing', false);
  const timezone = options.string('timezone') ?? ctx.timezone;
  if (!isValidTimeZone(timezone)) throw options.error('timezone', `'${timezone}' is not a known time zone`);
  const names = options.stringList('formats');
  if (!names || names.length === 0)
    throw options.error('formats', 'must be a non-empty list of date formats');
  const formats: DateFormat[] = names.map((name) => {
    try {
      return compileDateFormat(name);
    } catch (error) {
      throw options.error('formats', `has a bad date format: ${(error as Error).message}`);
    }
  });
  return {
    run(doc, event) {
      const source = readSourceText(doc, field);
      const problem = sourceProblem(source, field, ignoreMissing);
      if (problem !== undefined) return problem ?? undefined;
      const text = (source as { text: string }).text.trim();
      // An outer layer's time completes a partial one: a rerouted line's header, or the
      // `@timestamp` an earlier step wrote for a header of this same line.
      const layer = event.outerTime ?? (target === '@timestamp' ? event.timestamp : undefined);
      const resolveCtx = resolveContextFor(event, timezone, layer);
      for (const format of formats) {
        const time = format.parse(text, resolveCtx);
        if (!time || !Number.isFinite(time.ms)) continue;
        setPath(doc, target, formatTimestamp(time.ms));
        if (!time.zoned) setPath(doc, 'event.timezone', timezone);
        if (target === '@timestamp')
          event.timestamp = { exact: time.zoned && time.hasDate && time.hasYear, ms: time.ms };
        return undefined;
      }
      return `'${text.slice(0, 64)}' matches none of the date formats`;
    },
  };
};
