/**
 * Baseline: `@nestjs/cqrs` CommandBus, set up as its documentation shows: an application
 * context with `CqrsModule.forRoot()` and a handler class marked `@CommandHandler(Ping)`.
 *
 * The decorators are applied as plain calls (`CommandHandler(PingCommand)(PingHandler)`) rather
 * than with `@` syntax. Nest's decorators are legacy (`experimentalDecorators`) decorators, and
 * the handler has no constructor parameters, so `emitDecoratorMetadata` would add nothing:
 * calling the decorator function does exactly what the compiled `@` form does (it is what
 * TypeScript's `__decorate` helper calls), without turning on legacy decorators for the
 * whole bench package.
 */
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CommandHandler, CqrsModule, type ICommand, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

export class PingCommand implements ICommand {
  constructor(readonly n: number) {}
}

export class PingHandler implements ICommandHandler<PingCommand, number> {
  async execute(command: PingCommand): Promise<number> {
    return command.n + 1;
  }
}
CommandHandler(PingCommand)(PingHandler);

/**
 * The same command carrying what a Whizbang envelope carries, an id and a timestamp, as a Nest
 * application that wants to trace or deduplicate commands would add itself.
 */
export class TracedPingCommand implements ICommand {
  readonly id = randomUUID();
  readonly timestamp = Date.now();
  constructor(readonly n: number) {}
}

export class TracedPingHandler implements ICommandHandler<TracedPingCommand, number> {
  async execute(command: TracedPingCommand): Promise<number> {
    return command.n + 1;
  }
}
CommandHandler(TracedPingCommand)(TracedPingHandler);

// oxlint-disable-next-line typescript/no-extraneous-class -- a Nest module is an empty class
class BenchModule {}
Module({ imports: [CqrsModule.forRoot()], providers: [PingHandler, TracedPingHandler] })(BenchModule);

export interface NestBaseline {
  readonly commandBus: CommandBus;
  readonly context: INestApplicationContext;
}

/** Boots a Nest application context and returns its CommandBus. */
export async function nestCommandBus(): Promise<NestBaseline> {
  const context = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  return { commandBus: context.get(CommandBus), context };
}

/** The installed versions, for the report. */
export function nestVersions(): string {
  const require = createRequire(import.meta.url);
  return ['@nestjs/cqrs', '@nestjs/core', '@nestjs/common', 'rxjs']
    .map((name) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`)
    .join(', ');
}
