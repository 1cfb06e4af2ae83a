// A hand-written Standard Schema for core's own tests, so core needs no validation library
// to prove it works with any of them.
import type { StandardSchemaV1 } from '../messages/standard-schema.js';

type Field = 'string' | 'number' | 'positive';

export function objectSchema<T>(
  fields: Record<keyof T & string, Field>,
  options: { async?: boolean; trim?: boolean } = {},
): StandardSchemaV1<T, T> {
  const validate = (value: unknown): StandardSchemaV1.Result<T> => {
    if (value === null || typeof value !== 'object') return { issues: [{ message: 'expected an object' }] };
    const issues: StandardSchemaV1.Issue[] = [];
    const out: Record<string, unknown> = {};
    for (const [key, kind] of Object.entries<Field>(fields)) {
      const v = (value as Record<string, unknown>)[key];
      if (kind === 'string') {
        if (typeof v !== 'string') issues.push({ message: 'expected a string', path: [key] });
        else out[key] = options.trim ? v.trim() : v;
      } else if (typeof v !== 'number' || (kind === 'positive' && v <= 0)) {
        issues.push({
          message: kind === 'positive' ? 'expected a positive number' : 'expected a number',
          path: [{ key }],
        });
      } else out[key] = v;
    }
    return issues.length > 0 ? { issues } : { value: out as T };
  };
  return {
    '~standard': {
      version: 1,
      vendor: 'tiny',
      validate: options.async ? (value) => Promise.resolve(validate(value)) : validate,
    },
  };
}
