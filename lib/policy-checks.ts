import { CfnGuardValidator, CfnGuardValidatorProps } from '@cdklabs/cdk-validator-cfnguard';
import { App, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FleetInvariantsPlugin } from './fleet-invariants';

/**
 * cfn-guard's plugin reports its violations without a severity. Once any acknowledgement exists in the
 * app, aws-cdk-lib recomputes each report's success as "no violation of severity error or fatal"
 * (core/lib/private/synthesis-validation.js, collectSuppressions), so every unacknowledged guard finding
 * counted as a pass and `cdk synth` exited 0 while printing "ERROR [CT.EC2.PR.15]". Every Control Tower
 * proactive control we run is a deny rule: its findings are errors, and this wrapper says so. The name
 * is the wrapped plugin's, so acknowledgements (`cdk-validator-cfnguard::rule`) keep naming the same rules.
 */
export class FailClosedGuardValidator implements IPolicyValidationPlugin {
  private readonly guard: CfnGuardValidator;
  readonly name: string;
  readonly version?: string;
  readonly ruleIds?: string[];

  constructor(props: CfnGuardValidatorProps = {}) {
    this.guard = new CfnGuardValidator(props);
    this.name = this.guard.name;
    this.version = this.guard.version;
    this.ruleIds = this.guard.ruleIds;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.guard.validate(context);
    return { ...report, violations: report.violations.map((v) => ({ ...v, severity: v.severity ?? 'error' })) };
  }
}

/**
 * Adds the security checks every synth runs: cdk-nag's AwsSolutions pack, cfn-guard with the AWS Control
 * Tower proactive-control rules, and this project's own invariants (lib/fleet-invariants.ts). A finding
 * that is not acknowledged, with a reason, on the construct it concerns fails synth, and so deploy: in
 * `cdk synth`/`cdk deploy` the app prints the report and exits 1; in memory (tests) synth throws.
 */
export function addPolicyChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new FailClosedGuardValidator({}), new FleetInvariantsPlugin());
}
