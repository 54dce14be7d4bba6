import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseLevel } from '../../../src/normalizer/pipeline/level.js';

test('every spelling of the level table', () => {
  const table: Record<string, string[]> = {
    trace: ['TRACE', 'TRAC', 'T', 'FINER', 'FINEST'],
    debug: ['DEBUG', 'DEBU', 'D', 'DBG', 'FINE', 'CONFIG'],
    info: ['INFO', 'I', 'INF', 'info', 'Note'],
    notice: ['NOTICE', 'N', 'notice', 'System'],
    warn: ['WARN', 'WARNING', 'warning', 'W', 'WRN', 'Warning'],
    error: ['ERROR', 'ERRO', 'ERR', 'E', 'SEVERE', 'error'],
    critical: ['CRITICAL', 'crit', 'C', 'SEC', 'alert'],
    fatal: ['FATAL', 'FATA', 'F', 'PANIC', 'PANI', 'panic', 'dpanic', 'emerg'],
  };
  for (const [level, spellings] of Object.entries(table)) {
    for (const s of spellings) assert.equal(normaliseLevel(s), level, s);
  }
  assert.equal(normaliseLevel('verbose'), undefined);
});

test("Ceph priorities follow Journald.cc's map_prio", () => {
  assert.equal(normaliseLevel('-1', 'ceph'), 'error');
  assert.equal(normaliseLevel(0, 'ceph'), 'warn');
  assert.equal(normaliseLevel('1', 'ceph'), 'notice');
  assert.equal(normaliseLevel('4', 'ceph'), 'notice');
  assert.equal(normaliseLevel('5', 'ceph'), 'info');
  assert.equal(normaliseLevel('9', 'ceph'), 'info');
  assert.equal(normaliseLevel('10', 'ceph'), 'debug');
  assert.equal(normaliseLevel('20', 'ceph'), 'debug');
  assert.equal(normaliseLevel('3', 'syslog'), 'error');
  assert.equal(normaliseLevel('5'), undefined, 'numbers need a scheme');
});

test('extra spellings from a map', () => {
  assert.equal(normaliseLevel('WARNUNG', 'default', new Map([['WARNUNG', 'warn']])), 'warn');
});
