/**
 * The soak's log families in their real formats (the shapes pipelines/ parses), each event
 * carrying its sequence number as the token `kq<seq>` inside the message part, where the
 * pipelines keep it in `message` (the standard analyzer makes it one searchable term).
 * Pure: text from (time, sequence number, a per-family counter).
 */

export type Family =
  'spring' | 'log4j' | 'ceph-osd' | 'ceph-mon' | 'etcd' | 'syslog' | 'netplugin' | 'legacy';

export const FAMILIES: readonly Family[] = [
  'spring',
  'log4j',
  'ceph-osd',
  'ceph-mon',
  'etcd',
  'syslog',
  'netplugin',
  'legacy',
];

export const token = (seq: number) => `kq${seq}`;
export const TOKEN_PATTERN = /kq(\d+)/;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const isoSpace = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
const syslogStamp = (d: Date) =>
  `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
const cephStamp = (d: Date) => d.toISOString().replace('Z', '+0000');

/** A Spring Boot error with a two-level Java stack trace: one event of seven lines. */
export function javaStackTrace(d: Date, seq: number, n: number): string {
  return [
    `${isoSpace(d)} ERROR 4312 --- [nio-8443-exec-${n % 9}] c.e.soak.web.OrderController             : soak order ${token(seq)} could not be placed`,
    `java.lang.IllegalStateException: soak stock for sku-${n} is locked`,
    '\tat com.example.soak.stock.StockService.reserve(StockService.java:88) ~[classes/:na]',
    '\tat com.example.soak.web.OrderController.place(OrderController.java:57) ~[classes/:na]',
    'Caused by: java.util.concurrent.TimeoutException: soak lock wait exceeded 2000 ms',
    '\tat com.example.soak.stock.LockTable.acquire(LockTable.java:41)',
    '\t... 2 more',
  ].join('\n');
}

/** One event of a family; every tenth Spring event is a stack trace. */
export function formatEvent(family: Family, d: Date, seq: number, n: number): string {
  const t = token(seq);
  switch (family) {
    case 'spring':
      return n % 10 === 0
        ? javaStackTrace(d, seq, n)
        : `${isoSpace(d)}  INFO 4312 --- [           main] c.e.s.inventory.StockCacheLoader         : soak ${t} stock cache warmed with ${n % 97} entries`;
    case 'log4j':
      return `${isoSpace(d).slice(11)} [pool-3-thread-${n % 4}] ${n % 7 === 0 ? 'ERROR' : 'INFO '} c.e.billing.InvoiceJob - soak ${t} invoice batch ${n} sent`;
    case 'ceph-osd':
      return `${cephStamp(d)} 7f3a9c1f2700  ${n % 6 === 0 ? '-1' : ' 1'} osd.3 ${5100 + (n % 1000)} soak ${t}: heartbeat to osd.4 ok`;
    case 'ceph-mon':
      return `${cephStamp(d)} mon.a (mon.0) ${300 + n} : cluster [${n % 8 === 0 ? 'ERR' : 'INF'}] soak ${t}: pgmap v${9000 + n}: 128 pgs: 128 active+clean`;
    case 'etcd':
      return JSON.stringify({
        level: n % 5 === 0 ? 'warn' : 'info',
        ts: d.toISOString(),
        caller: 'etcdserver/server.go:2042',
        msg: `soak ${t} published local member ${n}`,
      });
    case 'syslog':
      return n % 3 === 0
        ? `${syslogStamp(d)} node-a sshd[${2200 + (n % 5000)}]: soak ${t} Failed password for invalid user u${n} from 192.0.2.${n % 250} port ${40000 + (n % 20000)} ssh2`
        : `${syslogStamp(d)} node-a systemd[1]: soak ${t} Started Session ${100 + n} of user ops.`;
    case 'netplugin':
      return `time="${d.toISOString()}" level=${n % 4 === 0 ? 'error' : 'info'} msg="soak ${t} endpoint ep-${n} attached" network=blue tenant=acme`;
    case 'legacy':
      return `${isoSpace(d)} legacy-batch soak ${t} record ${n} processed`;
  }
}

/** Bytes that are not UTF-8 in the middle of a line (a legacy app writing Latin-1 and garbage). */
export function invalidUtf8Event(d: Date, seq: number): Buffer {
  return Buffer.concat([
    Buffer.from(`${isoSpace(d)} legacy-batch soak ${token(seq)} caf`),
    Buffer.from([0xe9, 0x20, 0xff, 0xfe, 0xc3, 0x28]),
    Buffer.from(' end'),
  ]);
}

/** A line longer than the collector's max_event_bytes; its token is at the start, in what is kept. */
export function overLongEvent(d: Date, seq: number, bytes: number): string {
  const head = `${isoSpace(d)} legacy-batch soak ${token(seq)} blob `;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}
