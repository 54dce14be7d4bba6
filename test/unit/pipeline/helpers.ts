/** Builds a pipeline set from YAML text in a temporary folder. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadPipelineSet,
  type PipelineSet,
  type PipelineSetOptions,
} from '../../../src/normalizer/pipeline/index.js';

export async function pipelineDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiver-pipelines-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

export async function setFrom(
  files: Record<string, string>,
  opts?: PipelineSetOptions,
): Promise<PipelineSet> {
  return loadPipelineSet(await pipelineDir(files), opts);
}

export const AT = Date.parse('2024-05-01T10:00:00Z');
