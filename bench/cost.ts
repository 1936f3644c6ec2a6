/**
 * npm run bench:cost: the autoscaler's own monthly AWS bill for a steady fleet, beside the fleet's EC2
 * and EBS bill, one JSON line per scenario (instance type × features). The fixed part is read from the
 * stack this product really synthesizes for that configuration; the part that grows with the fleet from
 * the agent's and the functions' cadences (core/cost/own-usage.ts). `--workers N`, `--prices FILE`.
 */
import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import * as cdkJson from '../cdk.json';
import { EnvironmentInput, resolveEnvironments } from '../lib/config';
import { FleetStack } from '../lib/fleet-stack';
import { runtimeProfileFor } from './cost-profile';
import { fleetUsage, ownUsd, priceUsage } from '../core/cost/bill';
import { inventoryOf, ownMonthlyUsage } from '../core/cost/own-usage';
import { DEFAULT_PRICES, HOURS_PER_MONTH, parsePriceTable } from '../core/cost/prices';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const workers = Number(option('workers') ?? 100);
if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers ${option('workers')}: must be a whole number of instances, 1 or more`);
const pricesFile = option('prices');
const prices = pricesFile ? parsePriceTable(readFileSync(pricesFile, 'utf8'), pricesFile) : DEFAULT_PRICES;

/** An alternative of the same size for each priced type, so the bench config passes the single-type advice. */
const SAME_SHAPE: Record<string, string> = { 'm7i.2xlarge': 'm6i.2xlarge', 'm7i.large': 'm6i.large' };

function environment(instanceType: string, features: 'all' | 'default'): EnvironmentInput {
  const all = features === 'all';
  return {
    region: prices.region,
    account: '111111111111',
    network: { kind: 'create' },
    fleets: [
      {
        name: 'workers',
        // Two types of one shape, as the config advises; the first is the one priced.
        instanceTypes: [instanceType, SAME_SHAPE[instanceType]],
        minCapacity: workers,
        maxCapacity: workers,
        ...(all ? { coordinatorUrl: 'http://coordinator.internal:8080', scaling: { signals: true }, stragglers: { detect: true, replace: true } } : {}),
      },
    ],
    ...(all ? { notifications: { emails: ['ops@example.com'] } } : {}),
  };
}

for (const instanceType of ['m7i.2xlarge', 'm7i.large']) {
  for (const features of ['all', 'default'] as const) {
    const started = performance.now();
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const [config] = resolveEnvironments({ bench: environment(instanceType, features) });
    const stack = new FleetStack(app, 'CostBench', { config, env: { account: config.account, region: config.region } });
    const inventory = inventoryOf(Template.fromStack(stack).toJSON());
    const fleet = config.fleets[0];
    const profile = runtimeProfileFor(config, workers);
    const own = priceUsage(ownMonthlyUsage(inventory, profile), prices);
    const fleetBill = priceUsage(fleetUsage(instanceType, workers * HOURS_PER_MONTH, 'rootVolumeGiB' in fleet ? fleet.rootVolumeGiB : 0), prices);
    const ec2 = fleetBill.byService.EC2 ?? 0;
    const ownMonthlyUsd = ownUsd(own);
    console.log(
      JSON.stringify({
        bench: 'cost',
        instanceType,
        workers,
        features,
        region: prices.region,
        pricesAsOf: prices.asOf,
        ownMonthlyUsd: round(ownMonthlyUsd),
        fleetMonthlyUsd: round(fleetBill.totalUsd),
        fleetEc2MonthlyUsd: round(ec2),
        ownShareOfEc2: round(ownMonthlyUsd / ec2, 4),
        ownPerInstanceMonthUsd: round(ownMonthlyUsd / workers),
        byService: roundAll(own.byService),
        byComponent: roundAll(own.byComponent),
        assumptions: profile.assumptions,
        ms: Math.round(performance.now() - started),
      }),
    );
  }
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
function roundAll(r: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]));
}
