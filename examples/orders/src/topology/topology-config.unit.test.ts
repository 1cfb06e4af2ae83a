import { describe, expect, it } from 'vitest';
import { topologyPlan } from './topology-config.js';

describe('the topology plan', () => {
  it('runs, by default, 2 API nodes on 3000 and 3001, 2 daemon nodes and the payment service, on PostgreSQL and RabbitMQ', () => {
    const plan = topologyPlan({});
    expect(plan.nodes.map((node) => [node.name, node.role, node.env['PORT']])).toEqual([
      ['payments', 'payments', undefined],
      ['daemon-1', 'daemon', undefined],
      ['daemon-2', 'daemon', undefined],
      ['api-1', 'api', '3000'],
      ['api-2', 'api', '3001'],
    ]);
    // What the shell did not set, every node gets from the topology; it seeds the demo, no node does.
    expect(plan.nodes.at(0)?.env).toEqual({
      ORDERS_STORE: 'postgres',
      ORDERS_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      ORDERS_TRANSPORT: 'rabbitmq',
      ORDERS_ROLE: 'payments',
      ORDERS_DEMO: '0',
      ORDERS_MANAGEMENT_PORT: '3004',
    });
    // Health and metrics of the nodes without the API, on the ports after the API nodes'.
    expect(plan.nodes.map((node) => node.env['ORDERS_MANAGEMENT_PORT'] ?? '-')).toEqual([
      '3004',
      '3002',
      '3003',
      '-',
      '-',
    ]);
    expect(plan.config).toMatchObject({
      store: { kind: 'postgres', schema: 'orders' },
      paymentsStore: { kind: 'postgres', schema: 'payments' },
      transport: { kind: 'rabbitmq' },
      demo: true,
    });
  });

  it('takes what the shell says: the broker, the database, how many nodes, free ports', () => {
    const plan = topologyPlan({
      ORDERS_TRANSPORT: 'nats',
      ORDERS_DATABASE_URL: 'postgres://127.0.0.1/test',
      TOPOLOGY_API_NODES: '3',
      TOPOLOGY_DAEMON_NODES: '1',
      PORT: '0',
    });
    expect(plan.nodes.map((node) => node.name)).toEqual(['payments', 'daemon-1', 'api-1', 'api-2', 'api-3']);
    expect(plan.nodes.map((node) => node.env['PORT'] ?? '-')).toEqual(['-', '-', '0', '0', '0']);
    expect(plan.nodes.map((node) => node.env['ORDERS_MANAGEMENT_PORT'] ?? '-')).toEqual([
      '0',
      '0',
      '-',
      '-',
      '-',
    ]);
    // Set in the shell, so the nodes inherit it: the plan adds only what it defaults.
    expect(plan.nodes.at(-1)?.env).toEqual({
      ORDERS_STORE: 'postgres',
      ORDERS_ROLE: 'api',
      ORDERS_DEMO: '0',
      PORT: '0',
    });
    expect(plan.config.transport).toMatchObject({ kind: 'nats' });
  });

  it('refuses what cannot run as separate processes, naming each variable', () => {
    expect(() =>
      topologyPlan({
        TOPOLOGY_API_NODES: '0',
        TOPOLOGY_DAEMON_NODES: 'many',
        ORDERS_STORE: 'sqlite',
        ORDERS_TRANSPORT: 'none',
      }),
    ).toThrow(
      'Invalid environment: TOPOLOGY_API_NODES: must be a whole number from 1 to 9; ' +
        'TOPOLOGY_DAEMON_NODES: must be a whole number from 1 to 9; ' +
        'ORDERS_TRANSPORT: must be rabbitmq or nats with ORDERS_ROLE=api: the processes talk over it; ' +
        "ORDERS_STORE: must be postgres with ORDERS_ROLE=api: API and daemon nodes share one database, and SQLite is one process's",
    );
    expect(() => topologyPlan({ PORT: '65535' })).toThrow(
      "PORT: leaves no room for 5 nodes' ports below 65536",
    );
  });
});
