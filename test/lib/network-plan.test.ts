import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { architectureOf } from '../../lib/instance-architecture';
import { SUBNET_LAYOUT, largestPrefixFor, layoutFits } from '../../lib/network-plan';

/** Whether CDK itself can lay our subnets out in a VPC of /prefix over `zones` zones. */
function cdkLaysOut(prefix: number, zones: number): boolean {
  const account = '123456789012';
  const region = 'eu-west-1';
  const app = new App({
    context: { [`availability-zones:account=${account}:region=${region}`]: ['a', 'b', 'c', 'd', 'e', 'f'].map((z) => `${region}${z}`) },
  });
  const stack = new Stack(app, 'Net', { env: { account, region } });
  try {
    new ec2.Vpc(stack, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(`10.40.0.0/${prefix}`),
      maxAzs: zones,
      natGateways: 1,
      subnetConfiguration: SUBNET_LAYOUT.map(({ name, cidrMask }) => ({
        name,
        cidrMask,
        subnetType: name === 'public' ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS,
      })),
    });
    return true;
  } catch {
    return false;
  }
}

test('the fit rule agrees with CDK on every VPC size from /16 to /28 and 2 to 6 zones', () => {
  for (let zones = 2; zones <= 6; zones++) {
    for (let prefix = 16; prefix <= 28; prefix++) {
      expect([prefix, zones, layoutFits(prefix, zones)]).toEqual([prefix, zones, cdkLaysOut(prefix, zones)]);
    }
  }
  expect([2, 3, 6].map(largestPrefixFor)).toEqual([18, 18, 17]);
});

test("our architecture rule agrees with CDK's for every type CDK parses, and covers the ones it cannot", () => {
  const types = [
    'm7g.large', 'a1.large', 'g5g.xlarge', 'is4gen.large', 'im4gn.large', 'c7gn.large', 'hpc7g.4xlarge', 't4g.micro', 'x2gd.large', 'r8g.large', 'm6gd.large', 'i8g.large', 'c8gn.large',
    'g4dn.xlarge', 'g6e.xlarge', 'gr6.4xlarge', 'm7i-flex.large', 'c6in.large', 'm7a.large', 'trn1.2xlarge', 'r7iz.large', 'z1d.large', 'p5.48xlarge', 'inf2.xlarge',
  ];
  for (const t of types) expect([t, architectureOf(t)]).toEqual([t, new ec2.InstanceType(t).architecture]);
  // CDK refuses these names; they are Intel high-memory types.
  expect(['u-6tb1.112xlarge', 'u7i-12tb.224xlarge'].map(architectureOf)).toEqual(['x86_64', 'x86_64']);
});
