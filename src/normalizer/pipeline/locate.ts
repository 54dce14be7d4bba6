/**
 * Finds the repository's `pipelines/` folder from the source tree (src/normalizer/pipeline)
 * or the compiled one (dist/src/normalizer/pipeline).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function defaultPipelinesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, '..', '..', '..', 'pipelines'),
    join(here, '..', '..', '..', '..', 'pipelines'),
  ];
  for (const candidate of candidates) {
    if (existsSync(join(candidate, 'README.md')) || existsSync(join(candidate, 'generic.yaml')))
      return candidate;
  }
  return candidates[0] as string;
}
