import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import * as packageJson from '../../package.json';
import { POLICY_CHECK_PEERS, addPolicyChecks, missingPolicyCheckPeers } from '../../lib/policy-checks';
import { makeApp } from '../helpers';

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: { severity?: string }[] }[];
}

// Every environment through every plugin (cdk-nag AwsSolutions, cfn-guard Control Tower, our invariants)
// in one synth, as `cdk synth --all` runs them. Synth throws on any unacknowledged finding.
test('every environment synthesizes with zero unacknowledged cdk-nag, cfn-guard or invariant findings', () => {
  const app = makeApp();
  buildApp(app, { environments });
  const assembly = app.synth();
  const report: ValidationReport = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
  for (const plugin of report.pluginReports) {
    // Construct warnings (e.g. dev's Spot drain notice) are advice for the operator, not findings.
    const findings = plugin.violations.filter((v) => !(plugin.pluginName === 'Construct Annotations' && v.severity === 'warning'));
    expect({ plugin: plugin.pluginName, findings }).toEqual({ plugin: plugin.pluginName, findings: [] });
  }
});

test('the checks fail synth on non-compliant resources, each plugin naming its rule', () => {
  const app = makeApp();
  addPolicyChecks(app);
  const stack = new Stack(app, 'NonCompliant');
  new s3.Bucket(stack, 'Plain'); // no access logs, no SSL enforcement, no public access block
  new autoscaling.AutoScalingGroup(stack, 'NoHook', {
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }),
    instanceType: new ec2.InstanceType('m7i.large'),
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
  });
  let message = '';
  try {
    app.synth();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toMatch(/AwsSolutions-S1/);
  expect(message).toMatch(/CT\.S3\.PR\.1/);
  expect(message).toMatch(/GA-HOOK/);
});

describe('the gate fails closed for any configuration, not only the shipped one', () => {
  // m4.large is not a Nitro type: Control Tower's CT.EC2.PR.15 denies it. Before the guard's findings
  // carried a severity, the app's other acknowledgements turned this report into a pass and synth exited 0.
  const nonNitro = { dev: { network: { kind: 'create' as const, maxAzs: 2, natGateways: 1 }, fleets: [{ name: 'old', instanceTypes: ['m4.large'], minCapacity: 1, maxCapacity: 2 }] } };

  test('in memory, synth throws naming the rule', () => {
    const app = makeApp();
    buildApp(app, { environments: nonNitro });
    expect(() => app.synth()).toThrow(/CT\.EC2\.PR\.15/);
  });

  test('under the CDK CLI (cdk synth, cdk deploy), the app exits 1', () => {
    const app = makeApp({ context: { '@aws-cdk/core:appMode': 'process' } });
    buildApp(app, { environments: nonNitro });
    const before = process.exitCode;
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      app.synth();
      expect(process.exitCode).toBe(1);
      expect(error.mock.calls.flat().join('\n')).toMatch(/CT\.EC2\.PR\.15/);
    } finally {
      process.exitCode = before;
      error.mockRestore();
    }
  });
});

describe('the optional peers (cdk-nag, cfn-guard) are loaded only when the checks are added', () => {
  test('the ranges named in the install hint are the ones package.json declares as optional peers', () => {
    for (const [name, range] of Object.entries(POLICY_CHECK_PEERS)) {
      expect({ name, range }).toEqual({ name, range: (packageJson.peerDependencies as Record<string, string>)[name] });
      expect((packageJson.peerDependenciesMeta as Record<string, { optional?: boolean }>)[name]?.optional).toBe(true);
    }
  });

  test('a peer the resolver cannot find is reported missing; any other resolution error is not swallowed', () => {
    const notFound = (missing: string[]) => (name: string) => {
      if (missing.includes(name)) throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
      return `/node_modules/${name}/index.js`;
    };
    expect(missingPolicyCheckPeers()).toEqual([]);
    expect(missingPolicyCheckPeers(notFound(['cdk-nag']))).toEqual(['cdk-nag']);
    expect(missingPolicyCheckPeers(notFound(['cdk-nag', '@cdklabs/cdk-validator-cfnguard']))).toEqual(['cdk-nag', '@cdklabs/cdk-validator-cfnguard']);
    expect(() =>
      missingPolicyCheckPeers(() => {
        throw new Error('EACCES');
      }),
    ).toThrow(/EACCES/);
  });
  // Without them installed, addPolicyChecks' one-line message is checked on the packed library (scripts/test-package.ts).
});
