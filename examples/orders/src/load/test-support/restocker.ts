/**
 * The warehouse beside a soak's load: it watches each tenant's catalogue and restocks a product
 * once its units run low, as the tenant's admin (`POST /products/:productId/stock`). With the
 * products started on little stock, shoppers keep running into sold-out products (a refusal the
 * mix expects) while the shop never sells out for good, however long the run: stock is always
 * near zero, where an oversold unit would show.
 */

export interface RestockAnswer {
  readonly tenantId: string;
  readonly productId: string;
  readonly quantity: number;
  /** The HTTP status; 0 for a request that got no answer. */
  readonly status: number;
}

export interface RestockOptions {
  readonly url: string;
  /** Each tenant, with its admin's token. */
  readonly tenants: readonly { readonly tenantId: string; readonly adminToken: string }[];
  /** Restock a product with fewer units available than this… */
  readonly below: number;
  /** …by this many. */
  readonly quantity: number;
  /** How long to wait between looks at the catalogues. */
  readonly everyMs: number;
  /** Hears the answer to every restock. */
  readonly onRestock: (answer: RestockAnswer) => void;
}

export interface Restocker {
  /** Finishes the restocks in hand and stops; rejects if a catalogue could not be read. */
  stop(): Promise<void>;
}

interface Listing {
  readonly productId: string;
  readonly available: number;
}

/**
 * @example
 * const warehouse = startRestocking({ url, tenants, below: 10, quantity: 40, everyMs: 200, onRestock: (a) => restocks.push(a) });
 * await runLoad({ … });
 * await warehouse.stop();
 */
export function startRestocking(options: RestockOptions): Restocker {
  const { url, tenants, below, quantity, everyMs, onRestock } = options;
  const stopping = new AbortController();

  async function restockLow(tenantId: string, adminToken: string): Promise<void> {
    const headers = { authorization: `Bearer ${adminToken}` };
    // The soak's tenants list a handful of products: one page holds them all.
    const response = await fetch(`${url}/products?limit=100`, { headers });
    if (response.status !== 200)
      throw new Error(
        `The warehouse could not read ${tenantId}'s catalogue: ${response.status} ${await response.text()}`,
      );
    const { products } = (await response.json()) as { products: Listing[] };
    for (const { productId } of products.filter((listing) => listing.available < below)) {
      let status = 0;
      try {
        const restocked = await fetch(`${url}/products/${productId}/stock`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ quantity }),
        });
        await restocked.text();
        status = restocked.status;
      } catch {
        // Counted as no answer.
      }
      onRestock({ tenantId, productId, quantity, status });
    }
  }

  const running = (async () => {
    while (!stopping.signal.aborted) {
      for (const { tenantId, adminToken } of tenants) await restockLow(tenantId, adminToken);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  // A failure is reported by stop(); until then it must not count as unhandled.
  running.catch(() => undefined);

  return {
    stop: async () => {
      stopping.abort();
      await running;
    },
  };
}
