/**
 * What CloudWatch accepts as a datapoint value. PutMetricData rejects a whole request when one value is
 * NaN, ±Infinity, or of magnitude outside 8.515920e-109..1.174271e+108 (API reference, MetricDatum
 * Value); zero is accepted. Checking each value before it is sent keeps one fleet's bad number from
 * costing every fleet in the same request its datapoints.
 */

/** The smallest non-zero magnitude PutMetricData accepts. */
export const CLOUDWATCH_MIN_MAGNITUDE = 8.51592e-109;
/** The largest magnitude PutMetricData accepts. */
export const CLOUDWATCH_MAX_MAGNITUDE = 1.174271e108;

export function cloudWatchAccepts(value: number): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const m = Math.abs(value);
  return m === 0 || (m >= CLOUDWATCH_MIN_MAGNITUDE && m <= CLOUDWATCH_MAX_MAGNITUDE);
}
