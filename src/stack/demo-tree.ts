/**
 * Writes a realistic container log tree for the demo: Java services with stack traces, Ceph
 * daemons and the cluster log, etcd (zap JSON), CentOS syslog, and the contiv netplugin
 * (logrus), at several depths, with timestamps of "now" in each family's own format. Every
 * line is invented; the layout is /<root>/<container id>/<service>/...
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function isoSpace(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

function syslogStamp(d: Date): string {
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}

function cephStamp(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

export interface DemoFile {
  /** Path relative to the demo root. */
  path: string;
  /** Events to write (a multi-line event is one string with \n inside). */
  events: (now: Date, i: number) => string[];
}

const javaError = (now: Date, i: number) =>
  [
    `${isoSpace(now)} ERROR 4312 --- [nio-8443-exec-${i % 9}] c.e.demo.web.OrderController             : demo order ${1000 + i} could not be placed`,
    'java.lang.IllegalStateException: demo stock for sku-' + i + ' is locked',
    '\tat com.example.demo.stock.StockService.reserve(StockService.java:88) ~[classes/:na]',
    '\tat com.example.demo.web.OrderController.place(OrderController.java:57) ~[classes/:na]',
    'Caused by: java.util.concurrent.TimeoutException: demo lock wait exceeded 2000 ms',
    '\tat com.example.demo.stock.LockTable.acquire(LockTable.java:41)',
    '\t... 2 more',
  ].join('\n');

export const DEMO_FILES: readonly DemoFile[] = [
  {
    path: 'c0ffee01/orders/app/orders.log',
    events: (now, i) => [
      `${isoSpace(now)}  INFO 4312 --- [           main] c.e.d.inventory.StockCacheLoader         : demo stock cache warmed with ${40 + i} entries`,
      i % 5 === 0
        ? javaError(now, i)
        : `${isoSpace(now)}  WARN 4312 --- [io-8443-exec-12] c.e.demo.web.QuotaFilter                 : demo tenant t-${i} over quota (81/80)`,
    ],
  },
  {
    path: 'c0ffee02/billing/logs/2026/billing.log',
    events: (now, i) => [
      `${isoSpace(now).slice(11)} [pool-3-thread-${i % 4}] INFO  c.e.billing.InvoiceJob - demo invoice batch ${i} sent`,
      ...(i % 7 === 0
        ? [
            `${isoSpace(now).slice(11)} [main] ERROR c.e.billing.Ledger - demo ledger out of balance by ${i} cents`,
          ]
        : []),
    ],
  },
  {
    path: 'c0ffee03/ceph-osd/ceph-osd.3.log',
    events: (now, i) => [
      `${cephStamp(now)} 7f3a9c1f2700  1 osd.3 ${5100 + i} demo: heartbeat to osd.4 ok`,
      ...(i % 6 === 0
        ? [
            `${cephStamp(now)} 7f3a9c1f2700 -1 osd.3 ${5100 + i} demo: slow request on pg 3.2f blocked for 31 s`,
          ]
        : []),
    ],
  },
  {
    path: 'c0ffee04/ceph-mon/ceph.log',
    events: (now, i) => [
      `${cephStamp(now)} mon.a (mon.0) ${300 + i} : cluster [INF] demo: pgmap v${9000 + i}: 128 pgs: 128 active+clean`,
      ...(i % 8 === 0
        ? [
            `${cephStamp(now)} mon.a (mon.0) ${301 + i} : cluster [ERR] demo: Health check failed: 1 osds down (OSD_DOWN)`,
          ]
        : []),
    ],
  },
  {
    path: 'c0ffee05/etcd/etcd.log',
    events: (now, i) => [
      JSON.stringify({
        level: 'info',
        ts: now.toISOString(),
        caller: 'etcdserver/server.go:2042',
        msg: `demo: published local member ${i}`,
      }),
      ...(i % 5 === 0
        ? [
            JSON.stringify({
              level: 'warn',
              ts: now.toISOString(),
              caller: 'etcdserver/raft.go:369',
              msg: 'demo: leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk',
              'to-peer': 'b71b5c0cd7a3d1a2',
            }),
          ]
        : []),
    ],
  },
  {
    path: 'host/var/log/messages.log',
    events: (now, i) => [
      `${syslogStamp(now)} node-a systemd[1]: demo: Started Session ${100 + i} of user ops.`,
      `${syslogStamp(now)} node-a kernel: demo: eth0: link speed 10000 Mbps`,
    ],
  },
  {
    path: 'host/var/log/secure.log',
    events: (now, i) => [
      i % 3 === 0
        ? `${syslogStamp(now)} node-a sshd[${2200 + i}]: Failed password for invalid user demo${i} from 192.0.2.${i % 250} port ${40000 + i} ssh2`
        : `${syslogStamp(now)} node-a sshd[${2200 + i}]: Accepted publickey for ops from 198.51.100.7 port ${41000 + i} ssh2`,
    ],
  },
  {
    path: 'c0ffee06/netplugin/contiv/netplugin.log',
    events: (now, i) => [
      `time="${now.toISOString()}" level=info msg="demo endpoint ep-${i} attached" network=blue tenant=acme`,
      ...(i % 4 === 0
        ? [`time="${now.toISOString()}" level=error msg="demo bridge br-${i} not found" module=ovsdriver`]
        : []),
    ],
  },
];

export interface DemoWriteResult {
  files: string[];
  events: number;
}

/** Appends `rounds` rounds of events to every demo file, `intervalMs` apart. */
export async function writeDemoTree(
  root: string,
  rounds: number,
  intervalMs: number,
  signal?: AbortSignal,
): Promise<DemoWriteResult> {
  let events = 0;
  const files = DEMO_FILES.map((f) => join(root, f.path));
  for (const file of files) await mkdir(dirname(file), { recursive: true });
  for (let round = 0; round < rounds && !signal?.aborted; round++) {
    const now = new Date();
    await Promise.all(
      DEMO_FILES.map(async (file, index) => {
        const batch = file.events(now, round);
        events += batch.length;
        await appendFile(files[index]!, batch.map((e) => e + '\n').join(''));
      }),
    );
    if (round < rounds - 1) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return { files, events };
}
