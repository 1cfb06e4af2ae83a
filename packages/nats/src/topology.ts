/**
 * Declares destinations and groups as JetStream streams and durable consumers: creates what is
 * missing and leaves alone what exists, even if its settings differ (an operator may have tuned it).
 */
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Subscription, Topology } from '@whizbang/core';
import type { NatsSettings } from './config.js';
import { isNotFound } from './errors.js';
import type { Names } from './names.js';

export class TopologyDeclarer {
  constructor(
    private readonly jsm: JetStreamManager,
    private readonly names: Names,
    private readonly settings: NatsSettings,
  ) {}

  async declare(topology: Topology): Promise<void> {
    const subscriptions = new Map(
      (topology.subscriptions ?? []).map((s) => [`${s.destination} ${s.group}`, s]),
    );
    const destinations = new Set([
      ...(topology.destinations ?? []),
      ...[...subscriptions.values()].map((s) => s.destination),
    ]);
    const grouped = new Set([...subscriptions.values()].map((s) => s.destination));
    await Promise.all([...destinations].map((d) => this.#destination(d, grouped.has(d))));
    await Promise.all([...subscriptions.values()].map((s) => this.#group(s)));
  }

  async #destination(destination: string, hasGroups: boolean): Promise<void> {
    const common = {
      storage: StorageType.File,
      num_replicas: this.settings.replicas,
      duplicate_window: nanos(this.settings.duplicateWindowMs),
    };
    // Interest retention: a message stays until every group that existed when it was published
    // has settled it, so the stream holds the work outstanding, not history. A destination
    // without groups keeps nothing, as with the in-memory broker.
    await this.#stream({
      name: this.names.stream(destination),
      subjects: [this.names.subject(destination)],
      retention: RetentionPolicy.Interest,
      ...common,
    });
    // Dead letters stay until taken; direct gets read them oldest first per group.
    if (hasGroups)
      await this.#stream({
        name: this.names.deadLetterStream(destination),
        subjects: [this.names.deadLetterSubjects(destination)],
        retention: RetentionPolicy.Limits,
        allow_direct: true,
        ...common,
      });
  }

  async #stream(config: Partial<StreamConfig> & { name: string }): Promise<void> {
    if (await this.#exists(() => this.jsm.streams.info(config.name))) return;
    try {
      await this.jsm.streams.add(config);
    } catch (error) {
      // Someone else declared it between our look and our add.
      if (!(await this.#exists(() => this.jsm.streams.info(config.name)))) throw error;
    }
  }

  async #group(subscription: Subscription): Promise<void> {
    const stream = this.names.stream(subscription.destination);
    const name = this.names.consumer(subscription);
    if (await this.#exists(() => this.jsm.consumers.info(stream, name))) return;
    try {
      await this.jsm.consumers.add(stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        // A group receives what is published after it was declared.
        deliver_policy: DeliverPolicy.New,
        ack_wait: nanos(this.settings.ackWaitMs),
        // Redelivered until settled: giving up is the handler's call (`deadLetter`), not the broker's.
        max_deliver: -1,
        description: `Whizbang group '${subscription.group}' of '${subscription.destination}'`,
      });
    } catch (error) {
      if (!(await this.#exists(() => this.jsm.consumers.info(stream, name)))) throw error;
    }
  }

  async #exists(info: () => Promise<unknown>): Promise<boolean> {
    try {
      await info();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
