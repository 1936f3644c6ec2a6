/**
 * A bill from counted usage: each line is one component's use of one priced dimension, times its price.
 * Pure: the counts come from the simulator, from a template and the product's cadences (own-usage.ts),
 * or from a test; the prices from prices.ts.
 */
import { HOURS_PER_MONTH, PRICE_UNITS, PriceKey, PriceTable, instancePrice } from './prices';

/** Who spends: the fleet itself, or one part of the autoscaler. */
export type CostComponent = 'fleet' | 'agent' | 'drain controller' | 'scaling signals' | 'straggler detection' | 'operations' | 'environment';

export type UsageItem =
  | { readonly component: CostComponent; readonly key: PriceKey; readonly quantity: number; readonly what: string }
  | { readonly component: CostComponent; readonly instanceType: string; readonly instanceHours: number; readonly what: string };

export interface BillLine {
  readonly component: CostComponent;
  readonly service: string;
  readonly what: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitUsd: number;
  readonly usd: number;
  readonly source: string;
}

export interface Bill {
  readonly lines: readonly BillLine[];
  readonly totalUsd: number;
  readonly byService: Readonly<Record<string, number>>;
  readonly byComponent: Readonly<Record<string, number>>;
}

function lineOf(item: UsageItem, table: PriceTable): BillLine {
  if ('instanceType' in item) {
    const price = instancePrice(table, item.instanceType);
    return { component: item.component, service: 'EC2', what: item.what, quantity: item.instanceHours, unit: `${item.instanceType} instance-hour`, unitUsd: price.usd, usd: item.instanceHours * price.usd, source: price.source };
  }
  if (!Number.isFinite(item.quantity) || item.quantity < 0) throw new RangeError(`usage ${item.key} for ${item.component}: quantity ${item.quantity} must be finite and 0 or more`);
  const unit = PRICE_UNITS[item.key];
  const price = table.prices[item.key];
  return { component: item.component, service: unit.service, what: item.what, quantity: item.quantity, unit: unit.unit, unitUsd: price.usd / unit.per, usd: (item.quantity / unit.per) * price.usd, source: price.source };
}

const add = (into: Record<string, number>, key: string, usd: number) => {
  into[key] = (into[key] ?? 0) + usd;
};

/** Prices every item; totals by service and by component. */
export function priceUsage(items: readonly UsageItem[], table: PriceTable): Bill {
  const lines = items.map((item) => lineOf(item, table));
  const byService: Record<string, number> = {};
  const byComponent: Record<string, number> = {};
  let totalUsd = 0;
  for (const l of lines) {
    add(byService, l.service, l.usd);
    add(byComponent, l.component, l.usd);
    totalUsd += l.usd;
  }
  return { lines, totalUsd, byService, byComponent };
}

/** The sum of the lines whose component is not the fleet itself: what the autoscaler costs to run. */
export function ownUsd(bill: Bill): number {
  return bill.lines.filter((l) => l.component !== 'fleet').reduce((s, l) => s + l.usd, 0);
}

/** The fleet's own EC2 and EBS for `instanceHours` of one type, each instance with a root volume of `rootGiB`. */
export function fleetUsage(instanceType: string, instanceHours: number, rootGiB: number): UsageItem[] {
  return [
    { component: 'fleet', instanceType, instanceHours, what: 'worker instances' },
    { component: 'fleet', key: 'ebsGp3GbMonth', quantity: (instanceHours / HOURS_PER_MONTH) * rootGiB, what: `${rootGiB} GiB gp3 root volume per instance` },
  ];
}
