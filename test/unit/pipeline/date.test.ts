import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDateFormat } from '../../../src/normalizer/pipeline/date/formats.js';
import { localToUtc, zoneOffsetMs } from '../../../src/normalizer/pipeline/date/zone.js';

const iso = (
  format: string,
  text: string,
  collected = '2024-05-01T10:00:00Z',
  timezone = 'UTC',
): string | undefined => {
  const t = compileDateFormat(format).parse(text, { collectedAt: Date.parse(collected), timezone });
  return t ? new Date(t.ms).toISOString() : undefined;
};

test('ISO8601: zones Z, +hhmm, +hh:mm, none; comma or dot fractions of 0-9 digits', () => {
  assert.equal(iso('ISO8601', '2024-01-02T03:04:05Z'), '2024-01-02T03:04:05.000Z');
  assert.equal(iso('ISO8601', '2024-01-02T03:04:05,678+0100'), '2024-01-02T02:04:05.678Z');
  assert.equal(iso('ISO8601', '2024-01-02T03:04:05.6+01:00'), '2024-01-02T02:04:05.600Z');
  assert.equal(iso('ISO8601', '2024-01-02 03:04:05.123456789-0530'), '2024-01-02T08:34:05.123Z');
  assert.equal(
    iso('ISO8601', '2024-01-02T03:04:05.999999999Z'),
    '2024-01-02T03:04:05.999Z',
    'truncated, not rounded',
  );
  assert.equal(iso('ISO8601', '2024-01-02T03:04:05', undefined, 'Europe/Berlin'), '2024-01-02T02:04:05.000Z');
  assert.equal(iso('ISO8601', '2024-02-30T03:04:05Z'), undefined);
  assert.equal(iso('ISO8601', 'not a date'), undefined);
});

test('UNIX seconds are parsed from text, fractions kept; UNIX_MS', () => {
  assert.equal(iso('UNIX', '1650000000.1234567'), '2022-04-15T05:20:00.123Z');
  assert.equal(iso('UNIX', '1650000000'), '2022-04-15T05:20:00.000Z');
  assert.equal(iso('UNIX_MS', '1650000000123'), '2022-04-15T05:20:00.123Z');
  assert.equal(iso('UNIX', '16e8'), undefined);
});

test('patterns: ,SSS, two-digit years, compact dates, month names, padded day and hour', () => {
  assert.equal(iso('yyyy-MM-dd HH:mm:ss,SSS', '2023-05-14 22:10:03,118'), '2023-05-14T22:10:03.118Z');
  assert.equal(iso('yy/MM/dd HH:mm:ss', '24/01/30 06:12:44'), '2024-01-30T06:12:44.000Z');
  assert.equal(iso('yyMMdd HHmmss', '240130 061244'), '2024-01-30T06:12:44.000Z');
  assert.equal(iso('yyMMdd H:mm:ss', '240102  7:08:09'), '2024-01-02T07:08:09.000Z');
  assert.equal(iso('dd-MMM-yyyy HH:mm:ss.SSS', '14-Feb-2024 08:03:55.120'), '2024-02-14T08:03:55.120Z');
  assert.equal(iso('EEE MMM dd HH:mm:ss yyyy', 'Wed Jan 10 11:12:15 2024'), '2024-01-10T11:12:15.000Z');
  assert.equal(iso('dd/MMM/yyyy:HH:mm:ss Z', '10/Jan/2024:11:12:13 +0530'), '2024-01-10T05:42:13.000Z');
  assert.equal(
    iso("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", '2024-11-02T17:40:11.904+01:00'),
    '2024-11-02T16:40:11.904Z',
  );
  assert.equal(iso('HH:mm:ss.SSSSSSSSS', '10:00:00.123456789'), '2024-05-01T10:00:00.123Z');
  assert.throws(() => compileDateFormat('yyyy-QQ'), /unsupported 'QQ'/);
  assert.throws(() => compileDateFormat("yyyy 'open"), /unclosed quote/);
});

test('year-less: collection year, previous year across new year', () => {
  assert.equal(iso('MMM d HH:mm:ss', 'Mar  6 04:05:06', '2024-03-06T05:00:00Z'), '2024-03-06T04:05:06.000Z');
  assert.equal(iso('MMM d HH:mm:ss', 'Dec 31 23:59:59', '2024-01-01T00:00:05Z'), '2023-12-31T23:59:59.000Z');
  // A line up to a day ahead (clock skew) stays in the collection year.
  assert.equal(iso('MMM d HH:mm:ss', 'Jan  1 00:00:10', '2023-12-31T23:59:59Z'), '2024-01-01T00:00:10.000Z');
  assert.equal(
    iso('MMdd HH:mm:ss.SSSSSS', '1231 23:59:59.999001', '2025-01-01T00:00:02Z'),
    '2024-12-31T23:59:59.999Z',
  );
  assert.equal(iso('MMM d HH:mm:ss', 'Feb 29 10:00:00', '2024-03-01T00:00:00Z'), '2024-02-29T10:00:00.000Z');
});

test('date-less: collection date, previous day when more than an hour ahead', () => {
  assert.equal(iso('HH:mm:ss.SSS', '09:59:00.000', '2024-05-01T10:00:00Z'), '2024-05-01T09:59:00.000Z');
  assert.equal(iso('HH:mm:ss.SSS', '10:30:00.000', '2024-05-01T10:00:00Z'), '2024-05-01T10:30:00.000Z');
  assert.equal(iso('HH:mm:ss.SSS', '23:59:59.000', '2024-05-01T00:00:30Z'), '2024-04-30T23:59:59.000Z');
  assert.equal(iso('ISO8601', '21:22:23.242526+0100', '2024-05-01T21:00:00Z'), '2024-05-01T20:22:23.242Z');
});

test('IANA zones through Intl, across a DST change', () => {
  assert.equal(zoneOffsetMs('Europe/Berlin', Date.parse('2024-01-15T12:00:00Z')), 3_600_000);
  assert.equal(zoneOffsetMs('Europe/Berlin', Date.parse('2024-07-15T12:00:00Z')), 7_200_000);
  assert.equal(zoneOffsetMs('+05:30', 0), 19_800_000);
  assert.equal(
    new Date(localToUtc('America/New_York', 2024, 3, 10, 12, 0, 0, 0)).toISOString(),
    '2024-03-10T16:00:00.000Z',
  );
  assert.equal(
    new Date(localToUtc('America/New_York', 2024, 3, 9, 12, 0, 0, 0)).toISOString(),
    '2024-03-09T17:00:00.000Z',
  );
});

test('month names of the common locales, CJK and Korean forms; unknown words refused', async () => {
  const { monthNumber } = await import('../../../src/normalizer/pipeline/date/months.js');
  const cases: Array<[string, number | undefined]> = [
    ['Mar', 3],
    ['Sept', 9],
    ['September', 9],
    ['3月', 3],
    ['12月', 12],
    ['13月', undefined],
    ['3월', 3],
    ['Mär', 3],
    ['Mrz', 3],
    ['Okt', 10],
    ['Dez', 12],
    ['mars', 3],
    ['juin', 6],
    ['juil.', 7],
    ['déc.', 12],
    ['févr.', 2],
    ['août', 8],
    ['ene', 1],
    ['dic', 12],
    ['mag', 5],
    ['out', 10],
    ['mrt', 3],
    ['maj', 5],
    ['paź', 10],
    ['Şub', 2],
    ['мар', 3],
    ['мая', 5],
    ['Дек', 12],
    ['Foo', undefined],
    ['jui', undefined],
  ];
  for (const [word, month] of cases) assert.equal(monthNumber(word), month, word);
  assert.equal(iso('MMM d HH:mm:ss', 'Mär 3 08:14:02', '2024-03-03T09:00:00Z'), '2024-03-03T08:14:02.000Z');
  assert.equal(iso('dd-MMM-yyyy HH:mm:ss', '03-déc.-2024 08:14:02'), '2024-12-03T08:14:02.000Z');
});

test('a partial time completed from an outer layer: year and date near that time, not the collection', () => {
  const layer = (format: string, text: string, outer: string): string | undefined => {
    const t = compileDateFormat(format).parse(text, {
      collectedAt: Date.parse(outer),
      timezone: 'UTC',
      fromLayer: true,
    });
    return t ? new Date(t.ms).toISOString() : undefined;
  };
  // year-less: the outer year, with the new-year rule both ways
  assert.equal(
    layer('MMM d HH:mm:ss.S', 'Mar  3 08:14:02.118', '2022-03-03T08:14:02Z'),
    '2022-03-03T08:14:02.118Z',
  );
  assert.equal(
    layer('MMM d HH:mm:ss.S', 'Dec 31 23:59:59.9', '2024-01-01T00:00:00Z'),
    '2023-12-31T23:59:59.900Z',
  );
  assert.equal(
    layer('MMM d HH:mm:ss.S', 'Jan 1 00:00:00.2', '2023-12-31T23:59:59Z'),
    '2024-01-01T00:00:00.200Z',
  );
  assert.equal(
    layer('MMdd HH:mm:ss.S', '0229 11:00:00.5', '2024-02-29T11:00:01Z'),
    '2024-02-29T11:00:00.500Z',
  );
  // date-less: the day that puts the clock within 12 h of the outer time, either side of midnight
  assert.equal(layer('HH:mm:ss.S', '08:14:02.118', '2024-03-03T08:14:02Z'), '2024-03-03T08:14:02.118Z');
  assert.equal(layer('HH:mm:ss.S', '23:59:59.900', '2024-03-04T00:00:00Z'), '2024-03-03T23:59:59.900Z');
  assert.equal(layer('HH:mm:ss.S', '00:00:00.100', '2024-03-03T23:59:59Z'), '2024-03-04T00:00:00.100Z');
  // the collection-time rule is unchanged: a clock more than 1 h ahead is yesterday's
  assert.equal(iso('HH:mm:ss.S', '00:00:00.100', '2024-03-03T23:59:59Z'), '2024-03-03T00:00:00.100Z');
});
