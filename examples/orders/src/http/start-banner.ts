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

export interface StartBannerInput {
  readonly url: string;
  readonly dbPath: string;
  /** Where the HS256 secret came from. */
  readonly secret:
    | { readonly from: 'environment' }
    | { readonly from: 'data-dir'; readonly path: string; readonly created: boolean };
  /** Demo mode: what seeding did, the tokens, and the order the curl example places. */
  readonly demo?: {
    readonly seeded: SeedReport;
    readonly tokens: readonly TenantTokens[];
    readonly tokenLifetime: string;
    readonly order: {
      readonly orderId: string;
      readonly items: readonly { readonly productId: string; readonly quantity: number }[];
    };
  };
}

/** `acme` → `ACME`, `big-shop` → `BIG_SHOP`: a tenant's prefix for its shell variables. */
export const shellName = (tenantId: string): string => tenantId.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

/** The first line: `… on <url>`. */
export const LISTENING = 'Whizbang orders service listening on';

/**
 * @example
 * console.log(startBanner({ url: http.url, dbPath, secret: { from: 'environment' } }).join('\n'));
 */
export function startBanner(input: StartBannerInput): string[] {
  const { url, dbPath, secret, demo } = input;
  const lines = [
    `${LISTENING} ${url}`,
    `  events in ${dbPath} (SQLite, kept between runs)`,
    secret.from === 'environment'
      ? '  tokens: HS256 signed with ORDERS_JWT_SECRET'
      : `  tokens: HS256 signed with a development secret ${secret.created ? 'made now and kept' : 'kept'} in ${secret.path} (set ORDERS_JWT_SECRET to use your own)`,
  ];
  if (demo === undefined) {
    lines.push('  no demo data and no demo tokens (ORDERS_DEMO=1 for both)');
  } else {
    const tenants = demo.tokens.map((t) => t.tenantId).join(' and ');
    lines.push(
      `  demo tenants ${tenants}: ${demo.seeded.created} customers and products created, ${demo.seeded.existing} already there`,
      '',
      `# Demo tokens, valid ${demo.tokenLifetime}: paste these lines into a shell.`,
    );
    for (const t of demo.tokens) {
      const name = shellName(t.tenantId);
      lines.push(
        `# ${t.tenantId}: ${t.customer.name} (customer ${t.customer.customerId}) and an admin`,
        `export ${name}_CUSTOMER=${t.customerToken}`,
        `export ${name}_ADMIN=${t.adminToken}`,
      );
    }
    const [first, second] = demo.tokens;
    if (first !== undefined) {
      const bearer = `"authorization: Bearer $${shellName(first.tenantId)}_CUSTOMER"`;
      const body = JSON.stringify({
        orderId: demo.order.orderId,
        customerId: first.customer.customerId,
        items: demo.order.items,
      });
      lines.push(
        `# Place an order as ${first.customer.name} of ${first.tenantId}, then read it back:`,
        `curl -X POST ${url}/orders -H ${bearer} -H 'content-type: application/json' -d '${body}'`,
        `curl ${url}/orders/${demo.order.orderId} -H ${bearer}`,
      );
      if (second !== undefined)
        lines.push(
          `# ${second.tenantId}'s token does not see ${first.tenantId}'s order (404):`,
          `curl ${url}/orders/${demo.order.orderId} -H "authorization: Bearer $${shellName(second.tenantId)}_CUSTOMER"`,
        );
    }
  }
  lines.push(
    '',
    `More: ${url}/openapi.json, ${url}/metrics, ${url}/health/ready; load: ORDERS_URL=${url} npm run load`,
    'Ctrl+C stops it.',
  );
  return lines;
}
