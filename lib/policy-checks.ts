import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FleetInvariantsPlugin } from './fleet-invariants';

/**
 * Adds the security checks every synth runs: cdk-nag's AwsSolutions pack and cfn-guard with the
 * AWS Control Tower proactive-control rules, and this project's own invariants (lib/fleet-invariants.ts). A finding that is not acknowledged, with a reason, on the
 * construct it concerns fails synth.
 */
export function addPolicyChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator({}), new FleetInvariantsPlugin());
}
