/**
 * What AWS charges, as data: one price a line, each with the public page it comes from. Pure: no I/O.
 * The default table is us-east-1's on-demand list prices, read from AWS's pricing pages (the
 * addresses below) in December 2026; `parsePriceTable` takes a user's own (Spot, a savings plan,
 * another region) in the same shape, from `--prices FILE`.
 *
 * Free tiers are left out on purpose: they are per account, shared with everything else the account
 * runs, so the bill below is what the product adds at the margin.
 */

/** The priced dimensions other than EC2 instance hours, each in the unit its `per` names. */
export const PRICE_UNITS = {
  ebsGp3GbMonth: { service: 'EBS', per: 1, unit: 'GB-month of gp3 storage' },
  cloudwatchMetricMonth: { service: 'CloudWatch', per: 1, unit: 'custom metric-month (prorated by the hour)' },
  cloudwatchPutMetricDataRequests: { service: 'CloudWatch', per: 1_000, unit: '1,000 PutMetricData requests' },
  cloudwatchGetMetricDataMetrics: { service: 'CloudWatch', per: 1_000, unit: '1,000 metrics requested by GetMetricData' },
  cloudwatchAlarmStandardMetricMonth: { service: 'CloudWatch', per: 1, unit: 'standard-resolution alarm metric-month' },
  cloudwatchAlarmHighResolutionMetricMonth: { service: 'CloudWatch', per: 1, unit: 'high-resolution alarm metric-month' },
  cloudwatchDashboardMonth: { service: 'CloudWatch', per: 1, unit: 'dashboard-month' },
  cloudwatchLogsIngestedGb: { service: 'CloudWatch', per: 1, unit: 'GB of logs ingested' },
  lambdaRequests: { service: 'Lambda', per: 1_000_000, unit: 'million requests' },
  lambdaArm64GbSeconds: { service: 'Lambda', per: 1, unit: 'GB-second on arm64' },
  lambdaX86GbSeconds: { service: 'Lambda', per: 1, unit: 'GB-second on x86_64' },
  dynamodbWriteRequests: { service: 'DynamoDB', per: 1_000_000, unit: 'million on-demand write request units' },
  dynamodbReadRequests: { service: 'DynamoDB', per: 1_000_000, unit: 'million on-demand read request units' },
  sqsRequests: { service: 'SQS', per: 1_000_000, unit: 'million standard-queue requests (64 KB chunks)' },
  eventBridgeCustomEvents: { service: 'EventBridge', per: 1_000_000, unit: 'million custom events published' },
  kmsKeyMonth: { service: 'KMS', per: 1, unit: 'customer managed key-month' },
  kmsRequests: { service: 'KMS', per: 10_000, unit: '10,000 requests' },
} as const;

export type PriceKey = keyof typeof PRICE_UNITS;
export const PRICE_KEYS = Object.keys(PRICE_UNITS) as PriceKey[];

export interface Price {
  /** Dollars per `PRICE_UNITS[key].per` units (per hour for an instance type). */
  readonly usd: number;
  /** Where the figure comes from: a pricing page, or the user's own file. */
  readonly source: string;
}

export interface PriceTable {
  readonly region: string;
  /** When the prices were read from their sources (YYYY-MM or YYYY-MM-DD). */
  readonly asOf: string;
  readonly prices: Readonly<Record<PriceKey, Price>>;
  /** On-demand Linux price per instance-hour, by instance type. */
  readonly instanceHourly: Readonly<Record<string, Price>>;
}

/** Hours in AWS's billing month (365 × 24 ÷ 12), the figure its pricing pages use for monthly examples. */
export const HOURS_PER_MONTH = 730;

const EC2 = 'https://aws.amazon.com/ec2/pricing/on-demand/ (Linux, us-east-1)';
const EBS = 'https://aws.amazon.com/ebs/pricing/ (gp3 storage, us-east-1)';
const CW = 'https://aws.amazon.com/cloudwatch/pricing/ (paid tier, us-east-1)';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/ (us-east-1, first pricing tier)';
const DDB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (us-east-1, standard table class)';
const SQS = 'https://aws.amazon.com/sqs/pricing/ (standard queue, first tier)';
const EVENTS = 'https://aws.amazon.com/eventbridge/pricing/ (custom events; AWS service events to the default bus are free)';
const KMS = 'https://aws.amazon.com/kms/pricing/';

const ec2 = (usd: number): Price => ({ usd, source: EC2 });

/** us-east-1, on demand, read December 2026. */
export const DEFAULT_PRICES: PriceTable = {
  region: 'us-east-1',
  asOf: '2026-12',
  prices: {
    ebsGp3GbMonth: { usd: 0.08, source: EBS },
    cloudwatchMetricMonth: { usd: 0.3, source: `${CW}: first 10,000 metrics` },
    cloudwatchPutMetricDataRequests: { usd: 0.01, source: `${CW}: API requests` },
    cloudwatchGetMetricDataMetrics: { usd: 0.01, source: `${CW}: GetMetricData, per metric requested` },
    cloudwatchAlarmStandardMetricMonth: { usd: 0.1, source: `${CW}: standard resolution (60 s) alarm, per metric` },
    cloudwatchAlarmHighResolutionMetricMonth: { usd: 0.3, source: `${CW}: high resolution (10 s) alarm, per metric` },
    cloudwatchDashboardMonth: { usd: 3, source: `${CW}: per dashboard beyond the account's first three` },
    cloudwatchLogsIngestedGb: { usd: 0.5, source: `${CW}: standard log ingestion` },
    lambdaRequests: { usd: 0.2, source: LAMBDA },
    lambdaArm64GbSeconds: { usd: 0.0000133334, source: LAMBDA },
    lambdaX86GbSeconds: { usd: 0.0000166667, source: LAMBDA },
    dynamodbWriteRequests: { usd: 0.625, source: DDB },
    dynamodbReadRequests: { usd: 0.125, source: DDB },
    sqsRequests: { usd: 0.4, source: SQS },
    eventBridgeCustomEvents: { usd: 1, source: EVENTS },
    kmsKeyMonth: { usd: 1, source: KMS },
    kmsRequests: { usd: 0.03, source: KMS },
  },
  instanceHourly: {
    'm7i.large': ec2(0.1008),
    'm7i.xlarge': ec2(0.2016),
    'm7i.2xlarge': ec2(0.4032),
    'm7i.4xlarge': ec2(0.8064),
    'm6i.large': ec2(0.096),
    'm6i.2xlarge': ec2(0.384),
    'm7g.large': ec2(0.0816),
    'm7g.2xlarge': ec2(0.3264),
    'r7i.2xlarge': ec2(0.5292),
    'r7i.4xlarge': ec2(1.0584),
    'r6i.2xlarge': ec2(0.504),
    'c7i.2xlarge': ec2(0.357),
  },
};

/** A price file or option that cannot be used; the message names the field, the value and the rule. */
export class PriceTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceTableError';
  }
}

function priceAt(where: string, raw: unknown, fallbackSource: string): Price {
  const value = typeof raw === 'number' ? { usd: raw } : raw;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PriceTableError(`${where}: ${JSON.stringify(raw)} must be a number of dollars or { "usd": number, "source": string }`);
  const { usd, source, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new PriceTableError(`${where}: unknown key "${unknown[0]}" (a price has "usd" and "source")`);
  if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0) throw new PriceTableError(`${where}.usd: ${JSON.stringify(usd)} must be a finite number of dollars, 0 or more`);
  if (source !== undefined && typeof source !== 'string') throw new PriceTableError(`${where}.source: ${JSON.stringify(source)} must be a string`);
  return { usd, source: source ?? fallbackSource };
}

/**
 * A user's price file over the defaults: `{ "region"?, "asOf"?, "prices"?: { key: usd | { usd, source } },
 * "instanceHourly"?: { type: usd | { usd, source } } }`. What it names replaces the default; what it
 * leaves out keeps the default's figure and source. Unknown keys are errors, as in the config.
 */
export function parsePriceTable(text: string, origin: string, base: PriceTable = DEFAULT_PRICES): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PriceTableError(`${origin}: not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PriceTableError(`${origin}: must be a JSON object`);
  const { region, asOf, prices, instanceHourly, ...rest } = raw as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new PriceTableError(`${origin}: unknown key "${extra[0]}" (expected region, asOf, prices, instanceHourly)`);
  const source = `${origin} (the user's price file)`;
  const table = { region: base.region, asOf: base.asOf, prices: { ...base.prices }, instanceHourly: { ...base.instanceHourly } };
  if (region !== undefined) {
    if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new PriceTableError(`${origin}: region ${JSON.stringify(region)} must be a region name such as eu-west-1`);
    table.region = region;
  }
  if (asOf !== undefined) {
    if (typeof asOf !== 'string' || !/^\d{4}-\d{2}(-\d{2})?$/.test(asOf)) throw new PriceTableError(`${origin}: asOf ${JSON.stringify(asOf)} must be a date, YYYY-MM or YYYY-MM-DD`);
    table.asOf = asOf;
  }
  if (prices !== undefined) {
    if (typeof prices !== 'object' || prices === null || Array.isArray(prices)) throw new PriceTableError(`${origin}: prices must be an object keyed by ${PRICE_KEYS.join(', ')}`);
    for (const [key, value] of Object.entries(prices)) {
      if (!(PRICE_KEYS as string[]).includes(key)) throw new PriceTableError(`${origin}: prices.${key} is not a priced dimension (one of ${PRICE_KEYS.join(', ')})`);
      table.prices[key as PriceKey] = priceAt(`${origin}: prices.${key}`, value, source);
    }
  }
  if (instanceHourly !== undefined) {
    if (typeof instanceHourly !== 'object' || instanceHourly === null || Array.isArray(instanceHourly)) throw new PriceTableError(`${origin}: instanceHourly must be an object keyed by instance type`);
    for (const [type, value] of Object.entries(instanceHourly)) {
      if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(type)) throw new PriceTableError(`${origin}: instanceHourly key ${JSON.stringify(type)} is not an instance type such as m7i.2xlarge`);
      table.instanceHourly[type] = priceAt(`${origin}: instanceHourly.${type}`, value, source);
    }
  }
  return table;
}

/** The hourly price of an instance type, or an error naming the types the table has. */
export function instancePrice(table: PriceTable, instanceType: string): Price {
  const price = Object.hasOwn(table.instanceHourly, instanceType) ? table.instanceHourly[instanceType] : undefined;
  if (!price) throw new PriceTableError(`no price for instance type ${instanceType} in the ${table.region} table (it has ${Object.keys(table.instanceHourly).join(', ')}); add it with --prices FILE: { "instanceHourly": { "${instanceType}": 0.0 } }`);
  return price;
}
