import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  CrossTenantAccessError,
  isCrossTenantAccessError,
  isTenantRequiredError,
  TenantRequiredError,
  HandlerNotFoundError,
  isConcurrencyError,
  isHandlerNotFoundError,
  isValidationError,
  ValidationError,
} from './catalog.js';
import { isWhizbangError } from './whizbang-error.js';

describe('error catalog', () => {
  it('gives every error a stable code and the fields a caller acts on', () => {
    const error = new ConcurrencyError('order-1', 3, 5, 'acme');
    expect(error.code).toBe('WHIZBANG_CONCURRENCY');
    expect(error).toMatchObject({ stream: 'order-1', expected: 3, actual: 5, tenantId: 'acme' });
    expect(error.message).toBe("Stream 'order-1' is at version 5, expected 3");
    expect(error.name).toBe('ConcurrencyError');
  });

  it('guards by code, not by prototype, so copies of the package agree', () => {
    const foreign = Object.assign(new Error('x'), { code: 'WHIZBANG_CONCURRENCY' });
    expect(isConcurrencyError(foreign)).toBe(true);
    expect(isConcurrencyError(new HandlerNotFoundError('X', 'command'))).toBe(false);
    expect(isHandlerNotFoundError(new HandlerNotFoundError('X', 'command'))).toBe(true);
    expect(isWhizbangError(new Error('plain'))).toBe(false);
    expect(isValidationError({ code: 'WHIZBANG_VALIDATION' })).toBe(false);
  });

  it('lists every validation issue with its path', () => {
    const error = new ValidationError(
      [{ message: 'required', path: ['items', 0, 'sku'] }, { message: 'too long' }],
      'PlaceOrder',
    );
    expect(error.message).toBe('Invalid PlaceOrder: items.0.sku: required; too long');
    expect(error.issues).toHaveLength(2);
  });

  it('serialises to plain JSON, bigints included', () => {
    const json = new ConcurrencyError('s', 'no_stream', 1).toJSON();
    expect(json).toMatchObject({
      code: 'WHIZBANG_CONCURRENCY',
      stream: 's',
      expected: 'no_stream',
      actual: 1,
    });
    expect(() => JSON.stringify(json)).not.toThrow();
  });

  it('names the tenants and the operation of a cross-tenant call, and the message that lacked a tenant', () => {
    const crossing = new CrossTenantAccessError('acme', 'globex', 'documents.get');
    expect(crossing).toMatchObject({
      code: 'WHIZBANG_CROSS_TENANT',
      tenantId: 'acme',
      requestedTenantId: 'globex',
      operation: 'documents.get',
    });
    expect(crossing.message).toBe(
      "A handler for tenant 'acme' may not reach tenant 'globex' (documents.get) unless it runs as system",
    );
    expect(new CrossTenantAccessError('acme', undefined, 'outbox.claim').message).toBe(
      "outbox.claim spans every tenant; a handler for tenant 'acme' may not call it unless it runs as system",
    );
    const missing = new TenantRequiredError('PlaceOrder', 'command');
    expect(missing).toMatchObject({
      code: 'WHIZBANG_TENANT_REQUIRED',
      messageType: 'PlaceOrder',
      kind: 'command',
    });
    expect(missing.message).toBe("The command 'PlaceOrder' needs a tenant, and none was given");
    expect(isCrossTenantAccessError(crossing)).toBe(true);
    expect(isTenantRequiredError(crossing)).toBe(false);
    expect(isTenantRequiredError(missing)).toBe(true);
  });
});
