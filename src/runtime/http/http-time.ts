/**
 * ngx_parse_http_time: the three date formats of HTTP (`Tue, 10 Nov 2002 23:50:13`,
 * `Tuesday, 10-Dec-02 23:50:13`, `Tue Dec 10 23:50:13 2002`), exactly as strict as nginx, which
 * ignores the zone and anything after the time. Seconds since the epoch, or -1.
 */
const MDAY = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function parseHttpTime(value: string): number {
  const end = value.length;
  const at = (i: number): number => (i < end ? value.charCodeAt(i) : 0);
  const digit = (i: number): boolean => at(i) >= 48 && at(i) <= 57;
  const num = (i: number): number => at(i) - 48;
  let fmt: 'none' | 'rfc822' | 'rfc850' | 'isoc' = 'none';
  let p = 0;
  for (; p < end; p++) {
    const c = value[p];
    if (c === ',') break;
    if (c === ' ') {
      fmt = 'isoc';
      break;
    }
  }
  for (p++; p < end; p++) if (value[p] !== ' ') break;
  if (end - p < 18) return -1;
  let day = 0;
  let year = 0;
  if (fmt !== 'isoc') {
    if (!digit(p) || !digit(p + 1)) return -1;
    day = num(p) * 10 + num(p + 1);
    p += 2;
    if (value[p] === ' ') {
      if (end - p < 18) return -1;
      fmt = 'rfc822';
    } else if (value[p] === '-') fmt = 'rfc850';
    else return -1;
    p++;
  }
  let month: number;
  switch (value[p]) {
    case 'J':
      month = value[p + 1] === 'a' ? 0 : value[p + 2] === 'n' ? 5 : 6;
      break;
    case 'F':
      month = 1;
      break;
    case 'M':
      month = value[p + 2] === 'r' ? 2 : 4;
      break;
    case 'A':
      month = value[p + 1] === 'p' ? 3 : 7;
      break;
    case 'S':
      month = 8;
      break;
    case 'O':
      month = 9;
      break;
    case 'N':
      month = 10;
      break;
    case 'D':
      month = 11;
      break;
    default:
      return -1;
  }
  p += 3;
  if ((fmt === 'rfc822' && value[p] !== ' ') || (fmt === 'rfc850' && value[p] !== '-')) return -1;
  p++;
  if (fmt === 'rfc822') {
    if (!digit(p) || !digit(p + 1) || !digit(p + 2) || !digit(p + 3)) return -1;
    year = num(p) * 1000 + num(p + 1) * 100 + num(p + 2) * 10 + num(p + 3);
    p += 4;
  } else if (fmt === 'rfc850') {
    if (!digit(p) || !digit(p + 1)) return -1;
    year = num(p) * 10 + num(p + 1);
    year += year < 70 ? 2000 : 1900;
    p += 2;
  }
  if (fmt === 'isoc') {
    if (value[p] === ' ') p++;
    if (!digit(p)) return -1;
    day = num(p++);
    if (value[p] !== ' ') {
      if (!digit(p)) return -1;
      day = day * 10 + num(p++);
    }
    if (end - p < 14) return -1;
  }
  if (value[p++] !== ' ') return -1;
  if (!digit(p) || !digit(p + 1)) return -1;
  const hour = num(p) * 10 + num(p + 1);
  p += 2;
  if (value[p++] !== ':') return -1;
  if (!digit(p) || !digit(p + 1)) return -1;
  const min = num(p) * 10 + num(p + 1);
  p += 2;
  if (value[p++] !== ':') return -1;
  if (!digit(p) || !digit(p + 1)) return -1;
  const sec = num(p) * 10 + num(p + 1);
  if (fmt === 'isoc') {
    p += 2;
    if (value[p++] !== ' ') return -1;
    if (!digit(p) || !digit(p + 1) || !digit(p + 2) || !digit(p + 3)) return -1;
    year = num(p) * 1000 + num(p + 1) * 100 + num(p + 2) * 10 + num(p + 3);
  }
  if (hour > 23 || min > 59 || sec > 59) return -1;
  if (day === 29 && month === 1) {
    if (year & 3 || (year % 100 === 0 && year % 400 !== 0)) return -1;
  } else if (day > MDAY[month]!) return -1;
  // Gauss' formula, with the year starting on March 1 and months from 1, as nginx computes it.
  if (--month <= 0) {
    month += 12;
    year -= 1;
  }
  const days =
    365 * year + Math.floor(year / 4) - Math.floor(year / 100) + Math.floor(year / 400) + Math.floor((367 * month) / 12) - 30 + day - 1 - 719527 + 31 + 28;
  return days * 86400 + hour * 3600 + min * 60 + sec;
}
