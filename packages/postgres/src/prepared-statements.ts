/**
 * Names for prepared statements. A statement's name is derived from its text, so the same text
 * has the same name in every store and on every connection: two stores sharing one pool (two
 * schemas, say) never give one name two meanings, which PostgreSQL would refuse.
 */
import { createHash } from 'node:crypto';

const names = new Map<string, string>();

export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `whizbang_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}
