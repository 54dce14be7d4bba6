/**
 * What every kafkajs client in the process needs before it is built: the idle-loop fix and
 * the lz4/zstd codecs. Both are process-wide and idempotent.
 */
import { registerKafkajsCodecs } from './kafkajs-codecs.js';
import { patchKafkajsIdleLoop } from './kafkajs-idle-patch.js';

export function prepareKafkajs(): void {
  patchKafkajsIdleLoop();
  registerKafkajsCodecs();
}
