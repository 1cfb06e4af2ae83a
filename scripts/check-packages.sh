#!/usr/bin/env bash
# Packaging test: packs every publishable package, lints the tarballs with publint and
# are-the-types-wrong, then installs them into a plain ESM project outside the workspace and
# imports every public entry. Catches broken exports maps, missing files and undeclared deps.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
packages=(core testing sqlite postgres redis nats rabbitmq http otel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm run build --silent
tarballs=()
for p in "${packages[@]}"; do
  tarball=$(cd "packages/$p" && npm pack --silent --pack-destination "$work" | tail -1)
  tarballs+=("$work/$tarball")
  echo "== $p: publint"
  npx --no-install publint run "$work/$tarball" --strict
  echo "== $p: are-the-types-wrong (ESM only)"
  npx --no-install attw "$work/$tarball" --profile esm-only --format ascii
done

echo "== install tarballs into a plain ESM project"
mkdir -p "$work/consumer"
cd "$work/consumer"
cat >package.json <<JSON
{ "name": "consumer", "private": true, "type": "module" }
JSON
npm install --silent --no-audit --no-fund "${tarballs[@]}" vitest@5 >/dev/null
cat >check.mjs <<'JS'
const core = await import('@whizbang/core');
const driver = await import('@whizbang/core/driver');
const testing = await import('@whizbang/testing');
const conformance = await import('@whizbang/testing/conformance');
const sqlite = await import('@whizbang/sqlite');
const postgres = await import('@whizbang/postgres');
const redis = await import('@whizbang/redis');
const nats = await import('@whizbang/nats');
const rabbitmq = await import('@whizbang/rabbitmq');
const http = await import('@whizbang/http');
const otel = await import('@whizbang/otel');
const need = (mod, names, from) => {
  for (const name of names) if (!(name in mod)) throw new Error(`${from} does not export ${name}`);
};
need(core, ['whizbang', 'defineCommand', 'defineEvent', 'defineQuery', 'handle', 'memoryStore', 'handleCommand', 'ConcurrencyError', 'isConcurrencyError', 'uuidv7', 'memoryTransport', 'MemoryBroker', 'createRedactor', 'jsonLogger', 'JourneyQueries'], '@whizbang/core');
need(driver, ['checkAppend', 'versionMatches', 'UpcasterChain', 'EventTypeRegistry', 'tenantOf'], '@whizbang/core/driver');
need(testing, ['DeciderSpec'], '@whizbang/testing');
need(postgres, ['postgresStore', 'migrations'], '@whizbang/postgres');
need(redis, ['redisTransport', 'RedisTransport'], '@whizbang/redis');
need(nats, ['natsTransport', 'NatsTransport'], '@whizbang/nats');
need(rabbitmq, ['rabbitmqTransport', 'RabbitMqTransport'], '@whizbang/rabbitmq');
need(http, ['httpApi', 'jwtAuth', 'apiKeyAuth', 'serve'], '@whizbang/http');
need(otel, ['setupObservability', 'prometheusMetrics', 'pinoLogger', 'traceFields'], '@whizbang/otel');
need(conformance, ['storeConformance', 'eventStoreConformance', 'transportConformance', 'messagingChaosConformance'], '@whizbang/testing/conformance');
for (const store of [core.memoryStore(), sqlite.sqliteStore({ path: ':memory:' })]) {
  await store.events.appendToStream('s-1', [{ type: 'Happened', data: {} }]);
  if ((await store.events.readStream('s-1')).version !== 1) throw new Error(`installed ${store.driver} store does not work`);
  await store.close();
}
const telemetry = otel.setupObservability({ serviceName: 'consumer', otlp: false, prometheus: true });
if (!(await telemetry.prometheus.scrape()).body.includes('service_name="consumer"')) throw new Error('installed otel does not scrape');
await telemetry.shutdown();
console.log('installed packages import and run');
JS
"$root/node_modules/.bin/node" check.mjs
