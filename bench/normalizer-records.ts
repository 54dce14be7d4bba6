/** The raw records both normalizer benches feed: four formats, twenty files, one host. */
import type { RawRecordV1 } from '../src/schema/raw-record.js';

export const lines = [
  (i: number) =>
    `Nov 25 10:00:${String(i % 60).padStart(2, '0')} web${i % 9} sshd[${1000 + (i % 50)}]: Accepted publickey for deploy from 10.1.${i % 255}.7 port ${40000 + (i % 2000)} ssh2`,
  (i: number) =>
    `2026-11-25 10:00:01.${String(i % 1000).padStart(3, '0')} INFO  [main] c.k.svc.OrderService : order ${i} accepted in ${i % 97} ms`,
  (i: number) =>
    `{"level":"warn","ts":"2026-11-25T10:00:01.${String(i % 1000).padStart(3, '0')}Z","caller":"etcdserver/raft.go:${i % 900}","msg":"slow request","took":"${i % 300}ms","id":${i}}`,
  (i: number) =>
    `2026-11-25T10:00:01.${String(i % 1000).padStart(3, '0')}+0000 7f3a9c1f2700  1 osd.${i % 12} 1183 heartbeat_check: no reply from osd.${(i + 1) % 12} since back`,
];
export const collectedAt = Date.parse('2026-11-25T10:00:05Z');

export function benchRecord(i: number, fingerprint: string): RawRecordV1 {
  return {
    schema_version: 1,
    message: lines[i % lines.length]!(i),
    host: 'bench-host',
    path: `/app/log/c${i % 20}/app.log`,
    file: { dev: '1', inode: String(i % 20), fingerprint },
    offset: i * 200,
    length: 200,
    collected_at: collectedAt,
    fields: { container_id: `c${i % 20}` },
    flags: [],
  };
}
