/**
 * What `npm start` prints once the service listens: where it is and where its data lives, then,
 * in demo mode, a customer's and an admin's token for each demo tenant as shell lines to paste,
 * and the curl commands that place an order and read it back. The first line always ends with
 * the URL, so a script can wait for it.
 */
import type { SeedReport } from '../demo/demo-data.js';

export interface TenantTokens {
  readonly tenantId: string;
  /** The customer the customer token speaks for (its `sub`). */
  readonly customer: { readonly customerId: string; readonly name: string };
  readonly customerToken: string;
  readonly adminToken: string;
}

export interface DemoSection {
  readonly seeded: SeedReport;
  readonly tokens: readonly TenantTokens[];
  readonly tokenLifetime: string;
  /** The order the curl example places. */
  readonly order: {
    readonly orderId: string;
    readonly items: readonly { readonly productId: string; readonly quantity: number }[];
  };
}

/** Where the HS256 secret came from. */
export type SecretSource =
  | { readonly from: 'environment' }
  | { readonly from: 'data-dir'; readonly path: string; readonly created: boolean };

export interface StartBannerInput {
  readonly url: string;
  /** Where the events are, for a person (`describeStore`). */
  readonly store: string;
  readonly secret: SecretSource;
  /** A node of a service split over processes: what it runs, and the broker between them. */
  readonly distributed?: { readonly role: string; readonly broker: string };
  /** Demo mode: what seeding did, the tokens, and the order the curl example places. */
  readonly demo?: DemoSection;
}

/** `acme` → `ACME`, `big-shop` → `BIG_SHOP`: a tenant's prefix for its shell variables. */
export const shellName = (tenantId: string): string => tenantId.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

/** The first line: `… on <url>`. */
export const LISTENING = 'Whizbang orders service listening on';

/**
 * @example
 * console.log(startBanner({ url: http.url, store: describeStore(config.store), secret: { from: 'environment' } }).join('\n'));
 */
export function startBanner(input: StartBannerInput): string[] {
  const { url, store, secret, distributed, demo } = input;
  const lines = [`${LISTENING} ${url}`, `  events in ${store}`];
  if (distributed !== undefined)
    lines.push(`  runs ${distributed.role}; the payment service is reached over ${distributed.broker}`);
  lines.push(secretLine(secret));
  if (demo === undefined) lines.push('  no demo data and no demo tokens (ORDERS_DEMO=1 for both)');
  else lines.push(seededLine(demo), '', ...demoLines(demo, { placeUrl: url, readUrl: url }));
  lines.push(
    '',
    `More: ${url}/openapi.json, ${url}/metrics, ${url}/health/ready; load: ORDERS_URL=${url} npm run load`,
    'Ctrl+C stops it.',
  );
  return lines;
}

/** Which secret signs the tokens. */
export function secretLine(secret: SecretSource): string {
  return secret.from === 'environment'
    ? '  tokens: HS256 signed with ORDERS_JWT_SECRET'
    : `  tokens: HS256 signed with a development secret ${secret.created ? 'made now and kept' : 'kept'} in ${secret.path} (set ORDERS_JWT_SECRET to use your own)`;
}

/** What seeding the demo tenants did. */
export function seededLine(demo: DemoSection): string {
  const tenants = demo.tokens.map((t) => t.tenantId).join(' and ');
  return `  demo tenants ${tenants}: ${demo.seeded.created} customers and products created, ${demo.seeded.existing} already there`;
}

/**
 * The demo tokens as shell lines to paste, and the curl commands that place an order on
 * `placeUrl`, read it back from `readUrl`, show another tenant's token getting 404 for it, and
 * the tenant's admin listing every order of the tenant.
 */
export function demoLines(
  demo: DemoSection,
  urls: { readonly placeUrl: string; readonly readUrl: string },
): string[] {
  const lines = [`# Demo tokens, valid ${demo.tokenLifetime}: paste these lines into a shell.`];
  for (const t of demo.tokens) {
    const name = shellName(t.tenantId);
    lines.push(
      `# ${t.tenantId}: ${t.customer.name} (customer ${t.customer.customerId}) and an admin`,
      `export ${name}_CUSTOMER=${t.customerToken}`,
      `export ${name}_ADMIN=${t.adminToken}`,
    );
  }
  const [first, second] = demo.tokens;
  if (first === undefined) return lines;
  const bearer = `"authorization: Bearer $${shellName(first.tenantId)}_CUSTOMER"`;
  const body = JSON.stringify({
    orderId: demo.order.orderId,
    customerId: first.customer.customerId,
    items: demo.order.items,
  });
  const { placeUrl, readUrl } = urls;
  const where = placeUrl === readUrl ? '' : ` on ${placeUrl}`;
  const readWhere = placeUrl === readUrl ? '' : ` from ${readUrl}`;
  lines.push(
    `# Place an order as ${first.customer.name} of ${first.tenantId}${where}, then read it back${readWhere}:`,
    `curl -X POST ${placeUrl}/orders -H ${bearer} -H 'content-type: application/json' -d '${body}'`,
    `curl ${readUrl}/orders/${demo.order.orderId} -H ${bearer}`,
  );
  if (second !== undefined)
    lines.push(
      `# ${second.tenantId}'s token does not see ${first.tenantId}'s order (404):`,
      `curl ${readUrl}/orders/${demo.order.orderId} -H "authorization: Bearer $${shellName(second.tenantId)}_CUSTOMER"`,
    );
  lines.push(
    `# ${first.tenantId}'s admin sees every order of ${first.tenantId}; a customer, only their own:`,
    `curl ${readUrl}/orders -H "authorization: Bearer $${shellName(first.tenantId)}_ADMIN"`,
  );
  return lines;
}
