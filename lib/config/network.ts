/** Resolves the environment's network (a VPC to create or to import) and its notifications. */
import { SUBNET_LAYOUT, largestPrefixFor, layoutFits } from '../network-plan';
import { DEFAULT_MAX_AZS, DEFAULT_NAT_GATEWAYS, DEFAULT_VPC_CIDR } from './defaults';
import { EnvironmentInput, NetworkInput, NotificationsInput } from './input';
import { PATTERNS, Problems } from './problems';
import { EnvironmentConfig } from './resolved';

export function resolveNetwork(p: Problems, input: NetworkInput | undefined, region: string | undefined): EnvironmentConfig['network'] | undefined {
  if (input?.kind === 'create') {
    const cidr = input.cidr ?? DEFAULT_VPC_CIDR;
    const m = PATTERNS.cidr.exec(cidr);
    // VPC CIDR blocks are /16 to /28 (VPC user guide, "VPC CIDR blocks").
    const cidrOk = p.check(m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) >= 16 && Number(m[5]) <= 28, 'network.cidr', cidr, 'must be an IPv4 CIDR block from /16 to /28');
    if (cidrOk) checkVpcBlock(p, cidr, m!);
    const maxAzs = input.maxAzs ?? DEFAULT_MAX_AZS;
    const azsOk = p.integer('network.maxAzs', maxAzs, 2, 6);
    if (cidrOk && azsOk) {
      // Up to maxAzs zones, each with the whole layout: the block must hold them all or CDK fails mid-synth.
      const layout = SUBNET_LAYOUT.map((s) => `a /${s.cidrMask} ${s.name}`).join(' and ');
      p.check(layoutFits(Number(m![5]), maxAzs), 'network.cidr', cidr, `must hold ${layout} subnet in each of network.maxAzs (${maxAzs}) zones: use /${largestPrefixFor(maxAzs)} or larger`);
    }
    const natGateways = input.natGateways ?? DEFAULT_NAT_GATEWAYS;
    if (p.integer('network.natGateways', natGateways, 1, 6)) {
      p.check(natGateways <= maxAzs, 'network.natGateways', natGateways, `must be <= network.maxAzs (${maxAzs})`);
    }
    return { kind: 'create', cidr, maxAzs, natGateways };
  }
  if (input?.kind === 'existing') {
    p.pattern('network.vpcId', input.vpcId, PATTERNS.vpcId, 'must be a VPC id such as "vpc-0abc12345def67890"');
    const subnets = input.privateSubnets;
    if (p.check(Array.isArray(subnets) && subnets.length > 0, 'network.privateSubnets', subnets, 'must list at least one subnet')) {
      const seen = new Set<string>();
      subnets.forEach((s, i) => {
        p.pattern(`network.privateSubnets[${i}].subnetId`, s.subnetId, PATTERNS.subnetId, 'must be a subnet id such as "subnet-0abc12345def67890"');
        p.pattern(`network.privateSubnets[${i}].availabilityZone`, s.availabilityZone, PATTERNS.availabilityZone, 'must be an Availability Zone such as "eu-west-1a"');
        p.check(!seen.has(s.subnetId), `network.privateSubnets[${i}].subnetId`, s.subnetId, 'must not be listed twice');
        seen.add(s.subnetId);
      });
      const zones = new Set(subnets.map((s) => s.availabilityZone));
      // A zone's name is its region's plus one letter; a stack's subnets all live in its region.
      if (region !== undefined) {
        subnets.forEach((s, i) => {
          if (typeof s.availabilityZone === 'string' && PATTERNS.availabilityZone.test(s.availabilityZone)) {
            p.check(s.availabilityZone.slice(0, -1) === region, `network.privateSubnets[${i}].availabilityZone`, s.availabilityZone, `must be a zone of the environment's region (${region})`);
          }
        });
      } else {
        const regions = new Set([...zones].filter((z) => typeof z === 'string').map((z) => z.slice(0, -1)));
        p.check(regions.size <= 1, 'network.privateSubnets', [...zones], 'must all be in zones of one region');
      }
      // One zone is one failure away from no fleet at all (Control Tower CT.AUTOSCALING.PR.1).
      p.check(zones.size >= 2, 'network.privateSubnets', [...zones], 'must span at least 2 Availability Zones');
    }
    return input;
  }
  p.add('network.kind', (input as { kind?: unknown } | undefined)?.kind, 'must be "create" or "existing"');
  return undefined;
}

export function resolveNotifications(p: Problems, input: NotificationsInput, env: Pick<EnvironmentInput, 'account' | 'region'>): EnvironmentConfig['notifications'] {
  const emails = input.emails ?? [];
  const seen = new Map<string, number>();
  emails.forEach((e, i) => {
    if (!p.pattern(`notifications.emails[${i}]`, e, PATTERNS.email, 'must be an email address')) return;
    // One subscription per address: a second is the same construct id and fails synth with a CDK message.
    const first = seen.get(e.toLowerCase());
    p.check(first === undefined, `notifications.emails[${i}]`, e, `must not be listed twice (it is notifications.emails[${first}] too; addresses are compared without case)`);
    if (first === undefined) seen.set(e.toLowerCase(), i);
  });
  if (input.topicArn !== undefined) {
    // CloudWatch alarm actions publish to standard topics only (CloudWatch user guide, "Using Amazon SNS topics").
    const fifo = typeof input.topicArn === 'string' && input.topicArn.endsWith('.fifo');
    p.check(!fifo, 'notifications.topicArn', input.topicArn, 'must be a standard topic, not a FIFO one: CloudWatch alarms cannot publish to FIFO topics');
    if (!fifo && p.pattern('notifications.topicArn', input.topicArn, PATTERNS.topicArn, 'must be an SNS topic ARN')) {
      // Alarm actions publish only to a topic in the alarm's own region (CloudWatch user guide, "Using
      // Amazon SNS topics"), and this stack's key, rules and alarms must be allowed by the topic's owner:
      // the topic is the environment's, in its account and region, which synth can check only when set.
      const [, , , topicRegion, topicAccount] = input.topicArn.split(':');
      if (p.check(env.region !== undefined && env.account !== undefined, 'notifications.topicArn', input.topicArn, 'needs the environment\'s account and region set, so synth can check the topic is in them')) {
        p.check(topicRegion === env.region, 'notifications.topicArn', input.topicArn, `must be in the environment's region (${env.region}): alarms cannot publish to another region's topic`);
        p.check(topicAccount === env.account, 'notifications.topicArn', input.topicArn, `must be in the environment's account (${env.account})`);
      }
    }
    p.check(emails.length === 0, 'notifications.emails', emails, 'must be empty when notifications.topicArn is set: subscribe them to that topic instead');
  }
  return { emails, topicArn: input.topicArn };
}

/** The private ranges a VPC block may take: RFC 1918, and RFC 6598's shared space, which VPCs also accept. */
const PRIVATE_RANGES: readonly (readonly [string, number])[] = [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]];

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** A created VPC's block: its network address, with no host bits, in a private range. */
function checkVpcBlock(p: Problems, cidr: string, m: RegExpExecArray): void {
  const prefix = Number(m[5]);
  const address = ipv4ToNumber(m.slice(1, 5).join('.'));
  const size = 2 ** (32 - prefix);
  const network = Math.floor(address / size) * size;
  // EC2 takes 10.40.0.5/16 as 10.40.0.0/16 without a word: say which block the user meant.
  p.check(network === address, 'network.cidr', cidr, `must be a network address with no host bits set: did you mean ${numberToIpv4(network)}/${prefix}?`);
  const inside = PRIVATE_RANGES.some(([base, bits]) => {
    const span = 2 ** (32 - bits);
    const start = ipv4ToNumber(base);
    return prefix >= bits && network >= start && network + size <= start + span;
  });
  p.check(inside, 'network.cidr', cidr, 'must be inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, or 100.64.0.0/10): a public block shadows those addresses on the internet for every worker');
}
