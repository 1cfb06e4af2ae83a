/** Quoting for the one identifier users choose: the schema name. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new TypeError(
      `Schema name '${name}' must be lower-case letters, digits and underscores, starting with a letter or underscore`,
    );
  }
  return `"${name}"`;
}

/** The transaction-local setting the row-level security policies read: the tenant of a strict store's transaction. */
export const TENANT_SETTING = 'whizbang.tenant_id';

/** The NOTIFY channel for appends to a schema. */
export function appendChannel(schema: string): string {
  return `whizbang_append_${schema}`;
}

/**
 * `streamPartition`'s hash in SQL, of a text expression: the first 32 bits of the MD5 of its
 * UTF-8 bytes (whatever the database encoding), big-endian and unsigned (bit(32) to bigint
 * does not sign-extend). The partition is this modulo the count.
 */
export function streamHash(expression: string): string {
  return `('x' || left(md5(convert_to(${expression}, 'UTF8')), 8))::bit(32)::bigint`;
}

/** Expected-version codes passed to the append function. */
export const EXPECT_ANY = -1;
export const EXPECT_NO_STREAM = -2;
export const EXPECT_STREAM_EXISTS = -3;

/** SQLSTATEs raised by the append function. */
export const CONFLICT = 'WB409';
export const DELETED = 'WB410';
export const ARCHIVED = 'WB423';
