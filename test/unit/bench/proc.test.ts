/** Parsing /proc and walking a process tree. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStat, parseStatusBytes, sampleTree, treeOf } from '../../../bench/peers/proc.js';

// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
const STAT = '4242 (java) S 17 4242 17 0 -1 4194560 1000 0 0 0 250 50 7 3 20 0 40 0 12345 3000000000 90000';

test('parseStat reads the pid, the parent and utime+stime+cutime+cstime', () => {
  assert.deepEqual(parseStat(STAT), { pid: 4242, ppid: 17, ticks: 310 });
});

test('parseStat copes with a command name holding spaces and parentheses', () => {
  const s = STAT.replace('(java)', '(rs:main Q:Reg (x))');
  assert.deepEqual(parseStat(s), { pid: 4242, ppid: 17, ticks: 310 });
});

test('parseStat refuses what is not a stat line', () => {
  assert.throws(() => parseStat('nonsense'));
});

test('parseStatusBytes reads kB fields as bytes, null when absent', () => {
  const status = 'Name:\tnode\nVmHWM:\t  81920 kB\nVmRSS:\t   40960 kB\nThreads:\t7\n';
  assert.equal(parseStatusBytes(status, 'VmRSS'), 40960 * 1024);
  assert.equal(parseStatusBytes(status, 'VmHWM'), 81920 * 1024);
  assert.equal(parseStatusBytes('Name:\tzombie\nState:\tZ\n', 'VmRSS'), null);
});

test('treeOf finds every descendant and nothing else', () => {
  const procs = [
    { pid: 1, ppid: 0 },
    { pid: 10, ppid: 1 },
    { pid: 11, ppid: 10 },
    { pid: 12, ppid: 10 },
    { pid: 13, ppid: 12 },
    { pid: 20, ppid: 1 },
  ];
  assert.deepEqual(
    treeOf(10, procs).sort((a, b) => a - b),
    [10, 11, 12, 13],
  );
  assert.deepEqual(treeOf(20, procs), [20]);
  assert.deepEqual(treeOf(99, procs), [], 'a process that is gone has no tree');
});

test('sampleTree reads this process from /proc', () => {
  const s = sampleTree(process.pid, 100);
  assert.ok(s.pids >= 1);
  assert.ok(s.rssBytes > 1_000_000);
  assert.ok(s.hwmBytes >= s.rssBytes);
  assert.ok(s.cpuSeconds > 0);
});
