/**
 * Workflows: a command's work written once as steps (each a command, with what undoes it), run
 * in one of two ways by configuration. As a **unit of work**, every step's command runs in one
 * database transaction: all of it commits or none does. When the steps span services or
 * databases, one transaction cannot hold them, and the same workflow runs as a **saga**: each
 * step is sent through the outbox as a request, the next one goes when the reply says it
 * succeeded, and when one fails, the steps done so far are undone, last first.
 */
import { ValidationError } from '../errors/catalog.js';
import type { CommandDefinition, MessageOf, ResultOf } from '../messages/define.js';
import type { Envelope } from '../messages/envelope.js';
import type { HandlerContext } from '../mediator/handler-context.js';
import type { ReplyData } from '../messaging/replies.js';
import { defineSaga, type Saga } from './define-saga.js';
import type { RequestingContext } from './saga-step.js';

type DataOf<C extends CommandDefinition> = MessageOf<C>['data'];
/** What the steps before returned, by step name. */
export type StepResults = Readonly<Record<string, unknown>>;

export interface WorkflowStep<I> {
  /** Names the step in results, errors and the saga's state. */
  readonly name: string;
  readonly command: CommandDefinition;
  /** The step command's data, from the workflow's input and the results of the steps before. */
  readonly data: (input: I, results: StepResults) => unknown;
  /**
   * What undoes the step when a later one fails. Only a saga needs it: a unit of work rolls
   * back instead. Its handler should accept an undo of something already undone.
   */
  readonly undo?: {
    readonly command: CommandDefinition;
    readonly data: (input: I, result: unknown) => unknown;
  };
}

/**
 * A typed step: `data` must build `command`'s data, and `undo.data` its undo command's.
 * @example
 * workflowStep('credit', ReserveCredit, (order: PlaceOrderData) => ({ customerId: order.customerId, amountCents: order.totalCents }), {
 *   command: ReleaseCredit,
 *   data: (order) => ({ customerId: order.customerId, amountCents: order.totalCents }),
 * })
 */
export function workflowStep<I, C extends CommandDefinition, U extends CommandDefinition = CommandDefinition>(
  name: string,
  command: C,
  data: (input: I, results: StepResults) => DataOf<C>,
  undo?: {
    readonly command: U;
    readonly data: (input: I, result: ResultOf<MessageOf<C>>) => DataOf<U>;
  },
): WorkflowStep<I> {
  return {
    name,
    command,
    data,
    ...(undo && { undo: undo as WorkflowStep<I>['undo'] & object }),
  };
}

export interface WorkflowOptions<Def extends CommandDefinition> {
  /** 1–80 letters, digits, `_`, `-` or `.`: names the workflow's saga (`workflow.<name>`). */
  readonly name: string;
  /** The command that runs the workflow: `app.send(command)`. */
  readonly command: Def;
  readonly steps: readonly WorkflowStep<DataOf<Def>>[];
  /**
   * The command's result, from the steps' results. As a unit of work, `send` resolves to it;
   * as a saga, the work finishes later, and `send` resolves (to undefined) once it has started.
   */
  readonly result?: (input: DataOf<Def>, results: StepResults) => ResultOf<MessageOf<Def>>;
}

/** The state of a workflow run as a saga. */
export interface WorkflowState {
  readonly input: unknown;
  /** The step waiting for its reply (`steps.length` once all are done). */
  readonly step: number;
  readonly results: StepResults;
}

export interface Workflow {
  readonly kind: 'workflow';
  readonly name: string;
  readonly command: CommandDefinition;
  readonly steps: readonly WorkflowStep<unknown>[];
  /** The saga it runs as, when it runs as one; find its instances by the command's id. */
  readonly saga: Saga<WorkflowState>;
  /** Runs every step in `ctx`'s session, in order; the caller provides the transaction. */
  runAsUnitOfWork(command: Envelope, ctx: HandlerContext): Promise<unknown>;
}

const NAME = /^[A-Za-z0-9][\w.-]{0,79}$/;

function fail(message: string, path: string): never {
  throw new ValidationError([{ message, path: [path] }], 'defineWorkflow');
}

/** The id of step `index`'s request: the reply names the saga, the step and the instance. */
const requestId = (saga: string, index: number, instance: string) => `${saga}/${index}/${instance}`;

/** What a reply's request id says, or undefined when it is not a workflow's. */
export function workflowRequestOf(
  id: string,
): { readonly saga: string; readonly step: number; readonly instance: string } | undefined {
  const [saga, step, ...instance] = id.split('/');
  if (saga === undefined || !/^\d+$/.test(step ?? '') || instance.length === 0) return undefined;
  return { saga, step: Number(step), instance: instance.join('/') };
}

/**
 * Defines a workflow.
 * @example
 * export const placeOrderFlow = defineWorkflow({
 *   name: 'place-order',
 *   command: PlaceOrder,
 *   steps: [
 *     workflowStep('credit', ReserveCredit, (o) => ({ customerId: o.customerId, amountCents: o.totalCents }), {
 *       command: ReleaseCredit,
 *       data: (o) => ({ customerId: o.customerId, amountCents: o.totalCents }),
 *     }),
 *     workflowStep('order', CreateOrder, (o) => ({ orderId: o.orderId, customerId: o.customerId, items: o.items })),
 *   ],
 * });
 * const app = whizbang({ store, workflows: [placeOrderFlow], transactionStrategy: { PlaceOrder: 'saga' } });
 */
export function defineWorkflow<Def extends CommandDefinition>(options: WorkflowOptions<Def>): Workflow {
  if (typeof options.name !== 'string' || !NAME.test(options.name))
    fail('must be 1–80 letters, digits, `_`, `-` or `.`, starting with a letter or digit', 'name');
  const command = options.command as CommandDefinition | undefined;
  if (typeof command !== 'function' || command.kind !== 'command')
    fail('must be a command definition, as made by defineCommand', 'command');
  const steps = [...(options.steps ?? [])] as WorkflowStep<unknown>[];
  if (steps.length === 0) fail('must have at least one step', 'steps');
  const names = new Set<string>();
  for (const [i, step] of steps.entries()) {
    if (typeof step?.name !== 'string' || step.name.length === 0)
      fail('must be a non-empty string', `steps[${i}].name`);
    if (names.has(step.name)) fail(`'${step.name}' names two steps`, `steps[${i}].name`);
    names.add(step.name);
    if (typeof step.command !== 'function' || step.command.kind !== 'command')
      fail('must be a command definition', `steps[${i}].command`);
    if (typeof step.data !== 'function') fail('must be a function', `steps[${i}].data`);
    if (
      step.undo !== undefined &&
      (typeof step.undo.command !== 'function' || typeof step.undo.data !== 'function')
    )
      fail('must be { command, data }', `steps[${i}].undo`);
  }
  const sagaName = `workflow.${options.name}`;
  const stepRequest = (index: number, instance: string, input: unknown, results: StepResults) => {
    const step = steps[index]!;
    return {
      type: step.command.type,
      data: step.data(input, results),
      id: requestId(sagaName, index, instance),
    };
  };

  const saga = defineSaga<WorkflowState>({
    name: sagaName,
    log: false,
    startedBy: [command.type],
    correlate: {
      [command.type]: (started: Envelope) => started.id,
      'whizbang.Reply': (reply: Envelope) =>
        workflowRequestOf((reply.data as ReplyData).requestId)?.instance ?? '',
    },
    initialState: () => ({ input: null, step: 0, results: {} }),
    handlers: {
      [command.type]: (_state: WorkflowState, started: Envelope, ctx: RequestingContext) => {
        ctx.request(stepRequest(0, ctx.id, started.data, {}));
        return { input: started.data, step: 0, results: {} };
      },
      'whizbang.Reply': (state: WorkflowState, reply: Envelope, ctx: RequestingContext) => {
        const { requestId: id, ok, result, error } = reply.data as ReplyData;
        const index = workflowRequestOf(id)?.step;
        if (index !== state.step) return state; // not the step waited for: an answer already heard
        const step = steps[index]!;
        if (!ok) {
          ctx.compensate(`step '${step.name}' failed: ${error?.message ?? 'no reason given'}`);
          return state;
        }
        const results = { ...state.results, [step.name]: result };
        if (step.undo)
          ctx.addCompensation({ type: step.undo.command.type, data: step.undo.data(state.input, result) });
        if (index + 1 < steps.length) ctx.request(stepRequest(index + 1, ctx.id, state.input, results));
        else ctx.complete();
        return { ...state, step: index + 1, results };
      },
    },
  } as never);

  const result = options.result as ((input: unknown, results: StepResults) => unknown) | undefined;
  return Object.freeze({
    kind: 'workflow' as const,
    name: options.name,
    command,
    steps,
    saga,
    async runAsUnitOfWork(started: Envelope, ctx: HandlerContext): Promise<unknown> {
      const results: Record<string, unknown> = {};
      for (const step of steps)
        results[step.name] = await ctx.send({
          type: step.command.type,
          data: step.data(started.data, results),
        });
      return result?.(started.data, results);
    },
  });
}
