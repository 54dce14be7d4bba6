/**
 * `level`: normalises a level spelling (or a number under a scheme) to the canonical names.
 */
import { getPath, setPath } from '../document.js';
import { isCanonicalLevel, normaliseLevel, type CanonicalLevel, type LevelScheme } from '../level.js';
import type { ProcessorFactory } from '../types.js';

const SCHEMES: readonly LevelScheme[] = ['default', 'ceph', 'syslog'];

export const levelProcessor: ProcessorFactory = (options) => {
  const field = options.string('field') ?? 'log.level';
  const target = options.string('target') ?? field;
  const ignoreMissing = options.boolean('ignore_missing', false);
  const scheme = (options.string('scheme') ?? 'default') as LevelScheme;
  if (!SCHEMES.includes(scheme)) throw options.error('scheme', `must be one of ${SCHEMES.join(', ')}`);
  const extra = new Map<string, CanonicalLevel>();
  for (const [spelling, level] of options.stringMap('map') ?? []) {
    if (!isCanonicalLevel(level))
      throw options.error('map', `maps '${spelling}' to '${level}', which is not a canonical level`);
    extra.set(spelling, level);
  }
  return {
    run(doc) {
      const value = getPath(doc, field);
      if (value === undefined || value === null || value === '') {
        return ignoreMissing ? undefined : `field '${field}' is missing`;
      }
      const level = normaliseLevel(value, scheme, extra);
      if (!level) return `unknown level '${String(value).slice(0, 32)}'`;
      setPath(doc, target, level);
      return undefined;
    },
  };
};
