/**
 * A time-window policy: messages are allowed only during given hours (and days) in a time
 * zone, read through `Intl`, so daylight saving time follows the zone's own rules.
 */
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import { definePolicy, type Policy } from './policy.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface WithinHoursOptions {
  /** The first hour allowed, 0–24 in local time; fractions are minutes (8.5 is 08:30). */
  readonly from: number;
  /**
   * The hour the window closes, excluded (17 allows 16:59:59, not 17:00). A `to` before
   * `from` is a window across midnight (22 to 6).
   */
  readonly to: number;
  /** An IANA time zone, such as `Europe/Paris` or `UTC`. */
  readonly timeZone: string;
  /** The local days allowed (default: every day). */
  readonly days?: readonly Weekday[];
  /** The clock (default: the system's); tests pass a fixed one. */
  readonly now?: () => Date;
  /** The policy's name in denials (default: `withinHours(09:00–17:00 Europe/Paris)`). */
  readonly name?: string;
}

const clockText = (hours: number) => {
  const minutes = Math.round(hours * 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
};

/**
 * Allows messages only within a window of local hours, on given days.
 * @example
 * const businessHours = withinHours({ from: 9, to: 17, timeZone: 'Europe/Paris', days: ['mon', 'tue', 'wed', 'thu', 'fri'] });
 * handle(ApproveRefund, approveRefund, { policies: [businessHours] });
 * @throws ValidationError for hours outside 0–24, an empty window, an unknown time zone or day.
 */
export function withinHours(options: WithinHoursOptions): Policy {
  const { from, to, timeZone, days = WEEKDAYS, now = () => new Date() } = options;
  const issues: ValidationIssue[] = [];
  for (const [key, value] of [
    ['from', from],
    ['to', to],
  ] as const)
    if (typeof value !== 'number' || !(value >= 0 && value <= 24))
      issues.push({ message: 'must be an hour from 0 to 24', path: [key] });
  if (from === to)
    issues.push({ message: 'must differ from `from`: the window would be empty', path: ['to'] });
  if (!Array.isArray(days) || days.length === 0)
    issues.push({ message: 'must list at least one day', path: ['days'] });
  else
    days.forEach((day, i) => {
      if (!WEEKDAYS.includes(day))
        issues.push({ message: `must be one of ${WEEKDAYS.join(', ')}`, path: ['days', i] });
    });
  if (typeof now !== 'function')
    issues.push({ message: 'must be a function returning a Date', path: ['now'] });
  let format: Intl.DateTimeFormat | undefined;
  try {
    // en-US with a 23-hour cycle gives 'Mon' and 00–23 whatever the process's locale.
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    issues.push({ message: 'must be an IANA time zone such as Europe/Paris', path: ['timeZone'] });
  }
  if (issues.length > 0 || format === undefined) throw new ValidationError(issues, 'withinHours');
  const local = format;
  const allowedDays = new Set<string>(days);
  const window = `${clockText(from)}–${clockText(to)} ${timeZone}`;
  const onDays = allowedDays.size === WEEKDAYS.length ? '' : `, ${days.join(' ')}`;
  return definePolicy(options.name ?? `withinHours(${window})`, () => {
    const parts: Record<string, string> = {};
    for (const part of local.formatToParts(now())) parts[part.type] = part.value;
    const day = (parts['weekday'] ?? '').toLowerCase();
    const time = Number(parts['hour']) + Number(parts['minute']) / 60 + Number(parts['second']) / 3600;
    const inHours = from < to ? time >= from && time < to : time >= from || time < to;
    if (inHours && allowedDays.has(day)) return true;
    return `outside ${window}${onDays} (it is ${day} ${parts['hour']}:${parts['minute']} there)`;
  });
}
