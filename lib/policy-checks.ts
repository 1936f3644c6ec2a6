import type { CfnGuardValidator, CfnGuardValidatorProps } from '@cdklabs/cdk-validator-cfnguard';
import { App, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import type * as CdkNag from 'cdk-nag';
import { FleetInvariantsPlugin } from './fleet-invariants';

/**
 * The optional peer dependencies these checks load, with the ranges package.json gives them (a test holds
 * the two equal). Optional because a consumer may build with the constructs alone; so they are loaded only
 * when the checks are added, and `graceful-autoscaler` and `graceful-autoscaler/app` (with
 * `policyChecks: false`) import without them.
 */
export const POLICY_CHECK_PEERS = { 'cdk-nag': '^3.0.2', '@cdklabs/cdk-validator-cfnguard': '0.0.62' } as const;
type PolicyCheckPeer = keyof typeof POLICY_CHECK_PEERS;

/** The peers that `require` cannot find from here: what the consumer's app resolves. */
export function missingPolicyCheckPeers(resolve: (name: string) => string = require.resolve): PolicyCheckPeer[] {
  return (Object.keys(POLICY_CHECK_PEERS) as PolicyCheckPeer[]).filter((name) => {
    try {
      resolve(name);
      return false;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return true;
      throw e;
    }
  });
}

/** Loads the optional peers, or throws one line naming what to install (not Node's "Cannot find module" trace). */
function loadPolicyCheckPeers(): { nag: typeof CdkNag; guard: typeof import('@cdklabs/cdk-validator-cfnguard') } {
  const missing = missingPolicyCheckPeers();
  if (missing.length > 0) {
    throw new Error(
      `addPolicyChecks needs the optional peer ${missing.length === 1 ? 'dependency' : 'dependencies'} ${missing.join(' and ')}, ` +
        `not installed: npm install --save-dev ${missing.map((name) => `'${name}@${POLICY_CHECK_PEERS[name]}'`).join(' ')}`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { nag: require('cdk-nag'), guard: require('@cdklabs/cdk-validator-cfnguard') };
}

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
    this.guard = new (loadPolicyCheckPeers().guard.CfnGuardValidator)(props);
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
 * Throws one line naming the package(s) to install when an optional peer (POLICY_CHECK_PEERS) is missing.
 */
export function addPolicyChecks(app: App): void {
  const { nag } = loadPolicyCheckPeers();
  Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app), new FailClosedGuardValidator({}), new FleetInvariantsPlugin());
}
