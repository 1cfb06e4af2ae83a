/**
 * The steps that must look at the pending-entries list and act on what they see without
 * anyone acting in between: as Lua scripts they run atomically on the server. Each is sent by
 * its SHA1 and loaded on the first `NOSCRIPT` (after a server restart, say).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

type Client = Redis | Redis<'resp3'>;

export class Script {
  readonly #sha: string;

  constructor(readonly lua: string) {
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Client, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error as Error).message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Takes over entries idle for at least ARGV[3] ms (left by a dead consumer, or given back) for
 * consumer ARGV[2], and returns each with its delivery count, which XAUTOCLAIM has just raised.
 * KEYS[1] stream; ARGV group, consumer, min-idle, cursor, count. Returns {cursor, {{id, fields, count}...}}.
 */
export const claim = new Script(`
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out = {}
for _, entry in ipairs(claimed[2]) do
  if entry then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
    out[#out + 1] = { entry[1], entry[2], pending[1][4] }
  end
end
return { claimed[1], out }
`);

/**
 * Sets the idle time of the entries ARGV[4..] that consumer ARGV[2] still owns to ARGV[3] ms,
 * without counting a delivery. Idle 0 renews a live consumer's entries so no one takes them
 * over; a long idle gives them back, for any consumer of the group to claim at once. Entries
 * another consumer has taken over meanwhile are left alone. Returns how many were touched.
 */
export const touch = new Script(`
local touched = 0
for i = 4, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if pending[1] and pending[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'JUSTID')
    touched = touched + 1
  end
end
return touched
`);

/**
 * A nack while the consumer runs: entry ARGV[3] stays with consumer ARGV[2] as a new delivery,
 * its count raised by one. Returns the new count, or nil when another consumer has taken it over.
 */
export const redeliver = new Script(`
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not pending[1] or pending[1][2] ~= ARGV[2] then return nil end
local count = pending[1][4] + 1
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'RETRYCOUNT', count, 'JUSTID')
return count
`);

/**
 * Acknowledges entry ARGV[2] of group ARGV[1] on KEYS[1] and parks its fields ARGV[3..] in the
 * dead-letter stream KEYS[2], together: parked once, and only while it was still pending.
 */
export const deadLetter = new Script(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
return 1
`);

/** Removes and returns up to ARGV[1] entries of the dead-letter stream KEYS[1], oldest first. */
export const takeDeadLetters = new Script(`
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', ARGV[1])
for _, entry in ipairs(entries) do redis.call('XDEL', KEYS[1], entry[1]) end
return entries
`);

/** 1 when group ARGV[1] exists on KEYS[1], 0 when it does not, -1 when the stream does not. */
export const groupExists = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  for i = 1, #group, 2 do
    if group[i] == 'name' and group[i + 1] == ARGV[1] then return 1 end
  end
end
return 0
`);

/**
 * Housekeeping of stream KEYS[1], run now and then by every consumer:
 * - deletes the consumers of group ARGV[1] with nothing pending, idle longer than ARGV[2] ms
 *   (consumers that are gone; a live one that is deleted is re-created by its next read, and
 *   one with pending entries is never deleted, as that would drop the entries);
 * - when ARGV[3] is '1', trims the entries older than every group's oldest pending entry and
 *   last-delivered id: those every group has read and acknowledged. Without groups it trims
 *   nothing. Returns {consumers deleted, entries trimmed}.
 */
export const tidy = new Script(`
local function fields(flat)
  local map = {}
  for i = 1, #flat, 2 do map[flat[i]] = flat[i + 1] end
  return map
end
local function older(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
local deleted = 0
for _, flat in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local consumer = fields(flat)
  if consumer['pending'] == 0 and consumer['idle'] > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], consumer['name'])
    deleted = deleted + 1
  end
end
local trimmed = 0
if ARGV[3] == '1' then
  local floor = nil
  for _, flat in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local group = fields(flat)
    local bound = group['last-delivered-id']
    local summary = redis.call('XPENDING', KEYS[1], group['name'])
    if summary[1] > 0 and older(summary[2], bound) then bound = summary[2] end
    if floor == nil or older(bound, floor) then floor = bound end
  end
  if floor then trimmed = redis.call('XTRIM', KEYS[1], 'MINID', floor) end
end
return { deleted, trimmed }
`);

/** Deletes consumer ARGV[2] of group ARGV[1] if nothing is pending for it. */
export const forgetConsumer = new Script(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`);
