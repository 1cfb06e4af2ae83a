/**
 * Replies to requests: a command sent with `replyTo` (a workflow's step) gets its outcome sent
 * back as a `whizbang.Reply`, in the transaction that decided it: with the handler's effects
 * when it succeeded, with its dead letter when it failed for good. The requester hears exactly
 * one outcome per request, whatever the redeliveries in between.
 */
import { uuidv7 } from '../ids/uuidv7.js';
import { defineCommand, type } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import { failureInfo } from '../store/port-input.js';
import type { FailureInfo, NewOutboxMessage } from '../store/ports.js';
import { outboxMessage } from './outbox-forwarding.js';

export interface ReplyData {
  /** The id of the request this answers. */
  readonly requestId: string;
  readonly requestType: string;
  readonly ok: boolean;
  /** The handler's result, when it succeeded. */
  readonly result?: unknown;
  /** Why it failed, when it did. */
  readonly error?: FailureInfo;
}

/** How the outcome of a request comes back. */
export const ReplyMessage = defineCommand('whizbang.Reply', { data: type<ReplyData>() });

function withoutStack(error: unknown): FailureInfo {
  const { stack: _stack, ...info } = failureInfo(error);
  return info;
}

/** The outbox row of the reply to `request` (which must carry `replyTo`). */
export function replyFor(
  request: Envelope,
  outcome: { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown },
): NewOutboxMessage {
  const meta = request.metadata;
  const data: ReplyData = outcome.ok
    ? { requestId: request.id, requestType: request.type, ok: true, result: outcome.result ?? null }
    : { requestId: request.id, requestType: request.type, ok: false, error: withoutStack(outcome.error) };
  const reply: Envelope = {
    id: uuidv7(),
    type: ReplyMessage.type,
    data,
    metadata: {
      correlationId: meta.correlationId,
      causationId: request.id,
      tenantId: meta.tenantId,
      principal: meta.principal,
      traceparent: meta.traceparent,
      tracestate: meta.tracestate,
      timestamp: Date.now(),
    },
  };
  return outboxMessage('command', reply, meta.replyTo!);
}
