import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultPipelinesDir } from '../normalizer/pipeline/index.js';

/**
 * `normalizer.pipelines_dir` relative to the working directory; the default name falls back
 * to the pipelines shipped with the package, so `kiver` works from any folder.
 */
export function resolvePipelinesDir(configured: string): string {
  const candidate = resolve(configured);
  if (existsSync(candidate) || configured !== 'pipelines') return candidate;
  return defaultPipelinesDir();
}
