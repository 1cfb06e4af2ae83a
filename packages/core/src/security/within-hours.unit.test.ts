import { describe, expect, it } from 'vitest';
import { whizbang } from '../app/whizbang.js';
import { isForbiddenError, isValidationError } from '../errors/catalog.js';
import { DispatchContext } from '../mediator/handler-context.js';
import { handle } from '../mediator/handlers.js';
import { Mediator } from '../mediator/mediator.js';
import { defineCommand } from '../messages/define.js';
import { memoryStore } from '../memory/memory-store.js';
import type { AuthorizationDenial } from './authorization-denial.js';
import type { Policy, PolicyContext } from './policy.js';
import { withinHours, type WithinHoursOptions } from './within-hours.js';

const ApproveRefund = defineCommand('ApproveRefund');
const mediator = new Mediator({ store: memoryStore() });
const ctx = new DispatchContext(
  'command',
  mediator.envelopeFor('command', ApproveRefund({}), { principal: { id: 'u-1' } }),
  memoryStore(),
  undefined,
  mediator,
  false,
) as PolicyContext;

/** The policy's answer at `iso` (a UTC instant). */
function at(options: Omit<WithinHoursOptions, 'now'>, iso: string) {
  const policy: Policy = withinHours({ ...options, now: () => new Date(iso) });
  return policy.check(ctx);
}

const paris = { from: 9, to: 17, timeZone: 'Europe/Paris' } as const;

describe('withinHours', () => {
  it('opens at `from` and closes at `to`, to the second, in the zone (Paris is UTC+1 in January)', () => {
    expect(at(paris, '2026-01-14T07:59:59Z')).toBe(
      'outside 09:00–17:00 Europe/Paris (it is wed 08:59 there)',
    );
    expect(at(paris, '2026-01-14T08:00:00Z')).toBe(true);
    expect(at(paris, '2026-01-14T15:59:59Z')).toBe(true);
    expect(at(paris, '2026-01-14T16:00:00Z')).toBe(
      'outside 09:00–17:00 Europe/Paris (it is wed 17:00 there)',
    );
  });

  it("follows the zone's daylight saving time: the same UTC hour is in hours in July, not in January", () => {
    expect(at(paris, '2026-07-15T07:30:00Z')).toBe(true); // 09:30 CEST
    expect(at(paris, '2026-01-14T07:30:00Z')).toMatch(/it is wed 08:30/); // 08:30 CET
    // On the night clocks go forward (29 March 2026), 09:00 local is 07:00 UTC.
    expect(at(paris, '2026-03-29T06:59:59Z')).toMatch(/it is sun 08:59/);
    expect(at(paris, '2026-03-29T07:00:00Z')).toBe(true);
  });

  it('allows only the listed local days; the day is the one in the zone, not in UTC', () => {
    const weekdays = { ...paris, days: ['mon', 'tue', 'wed', 'thu', 'fri'] } as const;
    expect(at(weekdays, '2026-01-16T10:00:00Z')).toBe(true); // Friday
    expect(at(weekdays, '2026-01-17T10:00:00Z')).toBe(
      'outside 09:00–17:00 Europe/Paris, mon tue wed thu fri (it is sat 11:00 there)',
    );
    // 23:30 UTC on a Sunday is 08:30 Monday in Tokyo: Monday, but before the window opens.
    const tokyo = { from: 8.5, to: 18, timeZone: 'Asia/Tokyo', days: ['mon'] } as const;
    expect(at(tokyo, '2026-01-18T23:29:59Z')).toMatch(/it is mon 08:29/);
    expect(at(tokyo, '2026-01-18T23:30:00Z')).toBe(true);
  });

  it('spans midnight when `to` comes before `from`', () => {
    const night = { from: 22, to: 6, timeZone: 'UTC' } as const;
    expect(at(night, '2026-01-14T21:59:59Z')).toMatch(/^outside 22:00–06:00 UTC/);
    expect(at(night, '2026-01-14T22:00:00Z')).toBe(true);
    expect(at(night, '2026-01-15T00:00:00Z')).toBe(true);
    expect(at(night, '2026-01-15T05:59:59Z')).toBe(true);
    expect(at(night, '2026-01-15T06:00:00Z')).toMatch(/it is thu 06:00/);
  });

  it('refuses a bad window, day or zone up front', () => {
    const bad = (options: Partial<WithinHoursOptions>) => () => withinHours({ ...paris, ...options });
    expect(bad({ from: -1 })).toThrow(/from: must be an hour/);
    expect(bad({ to: 25 })).toThrow(/to: must be an hour/);
    expect(bad({ to: 9 })).toThrow(/empty/);
    expect(bad({ days: [] })).toThrow(/at least one day/);
    expect(bad({ days: ['monday' as never] })).toThrow(/days\.0/);
    expect(bad({ timeZone: 'Mars/Olympus' })).toThrow(/IANA time zone/);
    expect(bad({ from: Number.NaN })).toSatisfy((fn: () => unknown) => {
      try {
        fn();
        return false;
      } catch (error) {
        return isValidationError(error);
      }
    });
  });

  it('refuses a command out of hours through the app, naming the policy and the hour in the audit', async () => {
    let now = new Date('2026-01-14T10:00:00Z');
    const denials: AuthorizationDenial[] = [];
    const approved: number[] = [];
    const app = whizbang({
      store: memoryStore(),
      handlers: [handle(ApproveRefund, () => void approved.push(now.getTime()))],
      authorization: {
        policies: [withinHours({ ...paris, name: 'business hours', now: () => now })],
        audit: (denial) => void denials.push(denial),
      },
    });
    const who = { principal: { id: 'u-1' }, tenantId: 'acme' };
    await app.send(ApproveRefund({}), who);
    now = new Date('2026-01-14T20:00:00Z');
    await expect(app.send(ApproveRefund({}), who)).rejects.toSatisfy(isForbiddenError);
    expect(approved).toHaveLength(1);
    expect(denials.map((d) => [d.policy, d.reason])).toEqual([
      ['business hours', 'outside 09:00–17:00 Europe/Paris (it is wed 21:00 there)'],
    ]);
  });
});
