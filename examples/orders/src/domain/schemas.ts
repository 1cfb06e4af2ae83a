/**
 * What clients may send, as zod schemas: ids in the service's format, versions, bounded
 * strings. Schemas check shapes and types only; the deciders keep the business rules (a
 * positive quantity, a non-empty name) and their stable codes.
 */
import { z } from 'zod';
import type { IdType } from '@whizbang/core';
import { CustomerId, OrderId, ProductId } from './ids.js';

/**
 * The ids this service makes (UUIDv7) and the readable ones it seeds (`espresso-beans`): letters,
 * digits, `-` and `_`, so an id is always safe inside a stream name and a URL segment.
 */
const ID_FORMAT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/;

/** A string in the id format, branded as `idType` for the handler. */
export const idSchema = <B extends string>(idType: IdType<B>) =>
  z
    .string()
    .regex(ID_FORMAT, `must be a ${idType.idType}: 1-200 letters, digits, '-' or '_'`)
    .transform((value) => idType.from(value));

export const customerIdSchema = idSchema(CustomerId);
export const productIdSchema = idSchema(ProductId);
export const orderIdSchema = idSchema(OrderId);

/**
 * A journey's correlation id, as the HTTP edge makes them (UUIDv7) or a client sends them in
 * `X-Correlation-Id`, in the id format: looked up by it, a path segment is as safe as an id.
 */
export const correlationIdSchema = z
  .string()
  .regex(ID_FORMAT, "must be a correlation id: 1-200 letters, digits, '-' or '_'");

/** Free text a person typed: names, reasons, tracking numbers. */
export const textSchema = (maxLength: number) => z.string().max(maxLength);

/** Safe whole numbers: cents, quantities (the deciders say which must be positive). */
export const wholeNumberSchema = z.int();

/**
 * The stream version the client read, for optimistic concurrency (`If-Match` at the HTTP edge):
 * absent, the command applies to whatever version is current.
 */
export const expectedVersionSchema = z.number().int().positive().optional();
