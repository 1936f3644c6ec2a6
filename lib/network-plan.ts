/**
 * The subnets a created VPC gets in each Availability Zone, and whether a VPC block can hold them. The
 * stack builds the VPC from this layout and config checks the fit at synth, so the two cannot drift.
 */

/** Per zone, in the order CDK allocates them: every zone's public subnet, then every zone's workers subnet. */
export const SUBNET_LAYOUT = [
  /** NAT gateways only; instances never get public addresses. */
  { name: 'public', cidrMask: 24 },
  /** The workers and the controller's functions: room for 4,091 addresses per zone. */
  { name: 'workers', cidrMask: 20 },
] as const;

/**
 * Whether a VPC of `/prefix` holds the layout in `zones` zones. CDK's NetworkBuilder (aws-ec2
 * `IpAddresses.cidr`) places subnets one after another, each aligned to its own size, in the order of
 * the subnet configuration and then of the zones; the last one must end inside the block.
 */
export function layoutFits(prefix: number, zones: number): boolean {
  const blockSize = 2 ** (32 - prefix);
  let next = 0;
  for (const { cidrMask } of SUBNET_LAYOUT) {
    const size = 2 ** (32 - cidrMask);
    for (let zone = 0; zone < zones; zone++) {
      const start = Math.ceil(next / size) * size;
      next = start + size;
    }
  }
  return next <= blockSize;
}

/** The longest prefix (smallest VPC) that holds the layout in `zones` zones. */
export function largestPrefixFor(zones: number): number {
  let prefix = 16;
  while (prefix < 28 && layoutFits(prefix + 1, zones)) prefix++;
  return prefix;
}
