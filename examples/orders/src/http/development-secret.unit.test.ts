import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVELOPMENT_SECRET_FILE, developmentSecret, keptDevelopmentSecret } from './development-secret.js';

describe('the development secret', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orders-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once, readable by its owner only, and the same on every later start', () => {
    expect(keptDevelopmentSecret(dir)).toBeUndefined();
    const made = developmentSecret(dir);
    expect(made).toEqual({
      secret: expect.stringMatching(/^[0-9a-f]{64}$/),
      path: join(dir, DEVELOPMENT_SECRET_FILE),
      created: true,
    });
    expect(statSync(made.path).mode & 0o777).toBe(0o600);
    expect(developmentSecret(dir)).toEqual({ ...made, created: false });
    expect(keptDevelopmentSecret(dir)).toBe(made.secret);
  });

  it('is refused when the file holds too little to sign with', () => {
    writeFileSync(join(dir, DEVELOPMENT_SECRET_FILE), 'short\n');
    expect(() => developmentSecret(dir)).toThrow(
      /must hold at least 32 bytes: delete it to have a new one made/,
    );
  });
});
