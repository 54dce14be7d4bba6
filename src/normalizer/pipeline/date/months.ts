/**
 * Month names as syslog daemons and journalctl print them (`%b` of the host's locale): English,
 * the CJK `3月` / Korean `3월` forms, and the abbreviations (and full names where the
 * abbreviation is the full name or ambiguous) of the common European locales in glibc: German,
 * French, Spanish, Italian, Portuguese, Dutch, Swedish, Polish, Turkish and Russian. Matching is
 * case-insensitive and ignores a trailing `.` (French `déc.`, `févr.`). A word that names no
 * month in any of these locales is refused, never guessed.
 */

/** The characters a month word may hold (Latin with accents, Cyrillic); no `u` flag needed. */
export const MONTH_WORD_SOURCE = '[A-Za-z\\u00C0-\\u017F\\u0400-\\u04FF]{3,9}\\.?';
/** `3月`, `12月`, `3월`. */
export const MONTH_NUMBER_SOURCE = '\\d{1,2}[月월]';

const NAMES: readonly (readonly string[])[] = [
  // 1: January ... 12: December; every spelling lower case, without a trailing dot
  'jan january januar janv janvier ene enero gen gennaio janeiro januari sty oca янв январь января',
  'feb february februar févr fevr février febrero febbraio fev fevereiro februari lut şub sub фев февр февраль февраля',
  'mar march mär mrz märz mars marzo março mrt maart мар март марта',
  'apr april avr avril abr abril aprile kwi nis апр апрель апреля',
  'may mai mayo mag maggio maio mei maj мая май',
  'jun june juni juin junio giu giugno junho cze haz июн июнь июня',
  'jul july juli juil juillet julio lug luglio julho lip tem июл июль июля',
  'aug august août aout ago agosto augustus sie ağu agu авг август августа',
  'sep sept september septembre septiembre set settembre setembro wrz eyl сен сент сентябрь сентября',
  'oct october okt oktober octobre octubre ott ottobre out outubro paź eki окт октябрь октября',
  'nov november novembre noviembre novembro lis kas ноя нояб ноябрь ноября',
  'dec december dez dezember déc decembre décembre dic diciembre dicembre dezembro gru ara дек декабрь декабря',
].map((names) => names.split(' '));

const BY_NAME: ReadonlyMap<string, number> = new Map(
  NAMES.flatMap((names, index) => names.map((name) => [name, index + 1] as const)),
);
const ENGLISH: ReadonlyMap<string, number> = new Map(
  NAMES.map((names, index) => [names[0] as string, index + 1] as const),
);
const NUMBERED = /^(\d{1,2})[月월]$/;

/** The month (1-12) a word or CJK form names, or undefined. */
export function monthNumber(text: string): number | undefined {
  const numbered = NUMBERED.exec(text);
  if (numbered) {
    const month = Number(numbered[1]);
    return month >= 1 && month <= 12 ? month : undefined;
  }
  const word = (text.endsWith('.') ? text.slice(0, -1) : text).toLowerCase();
  // A longer English spelling (`Sept`, `Augu`) keeps its first three letters' month.
  return BY_NAME.get(word) ?? (word.length > 3 ? ENGLISH.get(word.slice(0, 3)) : undefined);
}
