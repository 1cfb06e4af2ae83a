/** Amounts are integer cents: no floating-point rounding in totals or credit. */
export type Cents = number;

/** `1999` → `'19.99'`. */
export function formatCents(cents: Cents): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A positive whole number of cents. */
export function isPositiveCents(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

/** A positive whole number of units. */
export function isPositiveQuantity(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}
