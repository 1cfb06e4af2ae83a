import { describe, expect, it } from 'vitest';
import { createRedactor } from './redact.js';

// Key matching and copying, as the loggers rely on them (pinoLogger passes pino's censor).
describe('createRedactor: keys', () => {
  const redact = createRedactor({ censor: '[Redacted]' }) as <T>(value: T) => T;

  it('matches key names by suffix, ignoring case, - and _', () => {
    const out = redact({
      dbPassword: 1,
      PASSWD: 2,
      client_secret: 3,
      csrfToken: 4,
      'X-Api-Key': 5,
      'Proxy-Authorization': 6,
      privateKey: 7,
      sessionId: 8,
      tokenType: 'bearer',
      maxTokens: 10,
      secretary: 'Joan',
    });
    expect(out).toEqual({
      dbPassword: '[Redacted]',
      PASSWD: '[Redacted]',
      client_secret: '[Redacted]',
      csrfToken: '[Redacted]',
      'X-Api-Key': '[Redacted]',
      'Proxy-Authorization': '[Redacted]',
      privateKey: '[Redacted]',
      sessionId: '[Redacted]',
      tokenType: 'bearer',
      maxTokens: 10,
      secretary: 'Joan',
    });
  });

  it('returns the very same object when there is nothing to censor', () => {
    const input = { a: { b: [1, { c: 'd' }] }, when: new Date(0) };
    expect(redact(input)).toBe(input);
  });

  it('copies only the objects on the way to a secret', () => {
    const untouched = { big: [1, 2, 3] };
    const input = { keep: untouched, deep: { token: 't' } };
    const out = redact(input);
    expect(out).not.toBe(input);
    expect(out.keep).toBe(untouched);
    expect(input.deep.token).toBe('t');
  });

  it('keeps an error an error when it censors inside one', () => {
    const error = Object.assign(new TypeError('bad'), { apiKey: 'k' });
    const out = redact({ err: error }).err;
    expect(out).toBeInstanceOf(TypeError);
    expect(out.message).toBe('bad');
    expect(out.stack).toBe(error.stack);
    expect(out.apiKey).toBe('[Redacted]');
    expect(error.apiKey).toBe('k');
  });

  it('censors frozen objects and getters without throwing', () => {
    class Credentials {
      readonly user = 'ada';
    }
    const withGetter = Object.defineProperty(new Credentials(), 'password', {
      get: () => 'p',
      enumerable: true,
    });
    const frozen = Object.freeze({ secret: 's' });
    expect(redact({ a: withGetter, b: frozen })).toMatchObject({
      a: { password: '[Redacted]' },
      b: { secret: '[Redacted]' },
    });
  });

  it('ends on cycles and leaves binary data alone', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => redact(cyclic)).not.toThrow();
    const bytes = Buffer.from('token');
    expect(redact({ bytes }).bytes).toBe(bytes);
  });

  it('takes more keys for personal data', () => {
    expect(
      createRedactor({ keys: ['e-mail', 'IBAN'], censor: '[Redacted]' })({
        customerEmail: 'a@b.c',
        iban: 'DE00',
        name: 'Ada',
      }),
    ).toEqual({
      customerEmail: '[Redacted]',
      iban: '[Redacted]',
      name: 'Ada',
    });
  });
});
