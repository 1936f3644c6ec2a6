/** What the simulator CLI prices its dollars at: --instance-type, --region and --prices. */
import { readFileSync } from 'node:fs';
import { DEFAULT_PRICES, PriceTable, PriceTableError, parsePriceTable } from '../../core/cost/prices';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_ROOT_VOLUME_GIB, SimPricing, checkPricing } from '../../sim/cost';
import { usageError } from './options';

/**
 * What the dollars are priced at. The built-in table is one region's; naming another without a price
 * file would price it at the wrong region's rates, so it is refused.
 */
export function pricingFrom(instanceType = DEFAULT_INSTANCE_TYPE, region: string | undefined, pricesFile: string | undefined): SimPricing {
  let table: PriceTable = DEFAULT_PRICES;
  if (pricesFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(pricesFile, 'utf8');
    } catch (e) {
      usageError(`--prices ${pricesFile}: cannot be read (${(e as NodeJS.ErrnoException).code})`);
    }
    try {
      table = parsePriceTable(text, pricesFile);
    } catch (e) {
      if (e instanceof PriceTableError) usageError(`--prices ${e.message}`);
      throw e;
    }
  }
  if (region !== undefined && region !== table.region) {
    usageError(
      pricesFile === undefined
        ? `--region (${region}): the built-in prices are ${DEFAULT_PRICES.region}'s only; pass --prices FILE with "region": "${region}" and that region's prices (docs/cost.md)`
        : `--region (${region}) differs from ${pricesFile}'s region (${table.region}); set "region": "${region}" in the file or drop --region`,
    );
  }
  const pricing = { table, instanceType, rootVolumeGiB: DEFAULT_ROOT_VOLUME_GIB };
  try {
    checkPricing(pricing);
  } catch (e) {
    if (e instanceof PriceTableError) usageError(`--instance-type (${instanceType}): ${e.message}`);
    throw e;
  }
  return pricing;
}
