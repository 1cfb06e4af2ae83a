/**
 * What the app adds to the handlers it is given: each workflow's command (run as a unit of work
 * or as a saga, by the strategy resolved here), the sagas' timeouts, and the replies to the
 * workflows' requests.
 */
import { ValidationError } from '../errors/catalog.js';
import type { HandlerContext } from '../mediator/handler-context.js';
import { handle, type HandlerRegistration } from '../mediator/handlers.js';
import type { Envelope } from '../messages/envelope.js';
import type { MessagingPlan } from '../messaging/messaging-options.js';
import { ReplyMessage } from '../messaging/replies.js';
import { workflowRequestOf, type Workflow } from '../sagas/define-workflow.js';
import { SagaTimeoutMessage, type SagaRuntime } from '../sagas/saga-runtime.js';

export type TransactionStrategy = 'unit-of-work' | 'saga' | 'auto';

/** What the built-in handlers reach once the app exists. */
export interface Late {
  runWorkflow?: (
    workflow: Workflow,
    strategy: 'unit-of-work' | 'saga',
    command: Envelope,
    ctx: HandlerContext,
  ) => Promise<unknown>;
  runtime?: SagaRuntime | undefined;
}

export interface PlannedWorkflow {
  readonly workflow: Workflow;
  readonly strategy: 'unit-of-work' | 'saga';
}

/**
 * The handlers the runtime adds: workflows' commands, sagas' timeouts, replies to workflow steps.
 * They run as system: each takes its tenant from the message it handles (the saga runtime scopes
 * the instance by it), and the workflow's tells a transaction from the app's store by identity.
 */
export function builtInHandlers(
  workflows: readonly PlannedWorkflow[],
  hasSagas: boolean,
  late: Late,
): HandlerRegistration[] {
  const handlers = workflows.map(({ workflow, strategy }) =>
    handle(workflow.command, (command, ctx) => late.runWorkflow!(workflow, strategy, command, ctx), {
      name: `workflow ${workflow.name}`,
      system: true,
    }),
  );
  if (hasSagas)
    handlers.push(
      handle(SagaTimeoutMessage, (timeout, ctx) => late.runtime!.timeout(timeout, ctx.store), {
        name: 'saga timeouts',
        system: true,
        // The runtime's own message: it carries the journey's principal, but no new intent of
        // theirs to judge (a business-hours policy must not strand a timeout at night).
        appPolicies: false,
      }),
    );
  if (workflows.some((w) => w.strategy === 'saga'))
    handlers.push(
      handle(
        ReplyMessage,
        (reply, ctx) => {
          const request = workflowRequestOf(reply.data.requestId);
          // A reply to something no workflow of ours asked: nobody waits for it.
          if (!request) return undefined;
          return late.runtime!.deliver(request.saga, reply, ctx.store, request.instance);
        },
        { name: 'workflow replies', system: true, appPolicies: false },
      ),
    );
  return handlers;
}

/** How a workflow runs here; see `WhizbangOptions.transactionStrategy`. */
export function strategyOf(
  workflow: Workflow,
  strategies: Readonly<Record<string, TransactionStrategy>> | undefined,
  messaging: MessagingPlan | undefined,
): 'unit-of-work' | 'saga' {
  const configured = strategies?.[workflow.command.type] ?? 'auto';
  if (configured !== 'auto' && configured !== 'saga' && configured !== 'unit-of-work')
    throw new ValidationError(
      [
        {
          message: "must be 'unit-of-work', 'saga' or 'auto'",
          path: ['transactionStrategy', workflow.command.type],
        },
      ],
      'whizbang',
    );
  const elsewhere = workflow.steps
    .flatMap((step) => [step.command, ...(step.undo ? [step.undo.command] : [])])
    .filter((command) => messaging?.destinationOf('command', command.type) !== undefined)
    .map((command) => command.type);
  if (configured === 'unit-of-work' && elsewhere.length > 0)
    throw new ValidationError(
      [
        {
          message: `cannot be one transaction: ${elsewhere.join(', ')} ${elsewhere.length === 1 ? 'is' : 'are'} handled by another service; use 'saga' or 'auto'`,
          path: ['transactionStrategy', workflow.command.type],
        },
      ],
      'whizbang',
    );
  if (configured === 'auto') return elsewhere.length > 0 ? 'saga' : 'unit-of-work';
  return configured;
}
