import { readFileSync } from 'node:fs';
import {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
import { DRAIN_HOOK_NAME } from './names';

/** A CloudFormation template as parsed JSON. */
export interface CfnTemplate {
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: any }>;
}

/** One broken invariant: which rule, which resource, where in it. */
export interface InvariantFinding {
  readonly rule: string;
  readonly logicalId: string;
  readonly location: string;
}

/** The project's own rules, beyond cdk-nag and Control Tower. */
export const INVARIANTS = {
  'GA-HOOK': 'Every Auto Scaling group declares our termination hook inline with DefaultResult CONTINUE; on an adopted group, our hook resource has the same shape.',
  'GA-IAM-AUTOSCALING': 'No IAM statement allows an Auto Scaling write action on every resource ("*").',
  'GA-LAUNCH-TEMPLATE': 'Every launch template requires IMDSv2 and encrypts every EBS block device.',
} as const;

type Rule = keyof typeof INVARIANTS;

/** Checks one template against INVARIANTS; pure, so tests give it compliant and broken templates. */
export function checkFleetInvariants(template: CfnTemplate): InvariantFinding[] {
  const findings: InvariantFinding[] = [];
  const add = (rule: Rule, logicalId: string, location: string) => findings.push({ rule, logicalId, location });

  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::AutoScaling::AutoScalingGroup': {
        const hooks: any[] = props.LifecycleHookSpecificationList ?? [];
        const ours = hooks.find((h) => h.LifecycleHookName === DRAIN_HOOK_NAME);
        if (!ours || ours.LifecycleTransition !== 'autoscaling:EC2_INSTANCE_TERMINATING' || ours.DefaultResult !== 'CONTINUE') {
          add('GA-HOOK', logicalId, 'Properties/LifecycleHookSpecificationList');
        }
        break;
      }
      case 'AWS::AutoScaling::LifecycleHook':
        // An adopted group's hook is a resource of its own: held to the same shape as the inline one.
        if (props.LifecycleHookName === DRAIN_HOOK_NAME && (props.LifecycleTransition !== 'autoscaling:EC2_INSTANCE_TERMINATING' || props.DefaultResult !== 'CONTINUE')) {
          add('GA-HOOK', logicalId, 'Properties');
        }
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        checkPolicyDocument(props.PolicyDocument, (at) => add('GA-IAM-AUTOSCALING', logicalId, `Properties/PolicyDocument/${at}`));
        break;
      case 'AWS::IAM::Role':
        (props.Policies ?? []).forEach((p: any, i: number) =>
          checkPolicyDocument(p.PolicyDocument, (at) => add('GA-IAM-AUTOSCALING', logicalId, `Properties/Policies/${i}/PolicyDocument/${at}`)),
        );
        // Managed policies count: an AWS managed policy that grants Auto Scaling writes on "*" is the same hole.
        (props.ManagedPolicyArns ?? []).forEach((arn: unknown, i: number) => {
          const name = managedPolicyName(arn);
          if (name !== undefined && AUTOSCALING_WRITE_MANAGED_POLICIES.has(name)) add('GA-IAM-AUTOSCALING', logicalId, `Properties/ManagedPolicyArns/${i}`);
        });
        break;
      case 'AWS::EC2::LaunchTemplate': {
        const data = props.LaunchTemplateData ?? {};
        if (data.MetadataOptions?.HttpTokens !== 'required') {
          add('GA-LAUNCH-TEMPLATE', logicalId, 'Properties/LaunchTemplateData/MetadataOptions/HttpTokens');
        }
        (data.BlockDeviceMappings ?? []).forEach((m: any, i: number) => {
          if (m.Ebs && m.Ebs.Encrypted !== true) add('GA-LAUNCH-TEMPLATE', logicalId, `Properties/LaunchTemplateData/BlockDeviceMappings/${i}/Ebs/Encrypted`);
        });
        break;
      }
    }
  }
  return findings;
}

const READ_ONLY_AUTOSCALING = /^autoscaling:(Describe|Get)/i;

/**
 * AWS managed policies that allow Auto Scaling writes on every resource (their documents, in the AWS
 * Managed Policy reference): attaching one breaks GA-IAM-AUTOSCALING as surely as writing the statement.
 */
export const AUTOSCALING_WRITE_MANAGED_POLICIES: ReadonlySet<string> = new Set([
  'service-role/AWSCodeDeployRole',
  'AutoScalingFullAccess',
  'AmazonEC2FullAccess',
  'AdministratorAccess',
  'PowerUserAccess',
  'service-role/AmazonEC2RoleforSSM',
  'AWSCodeDeployFullAccess',
  'service-role/AutoScalingNotificationAccessRole',
]);

/** The name of an AWS managed policy (after `:iam::aws:policy/`), from a literal ARN or CDK's Fn::Join. */
function managedPolicyName(arn: unknown): string | undefined {
  const text = typeof arn === 'string' ? arn : JSON.stringify(arn);
  const m = /:iam::aws:policy\/([\w+=,.@/-]+)/.exec(text);
  return m?.[1];
}

function checkPolicyDocument(doc: any, report: (at: string) => void): void {
  (doc?.Statement ?? []).forEach((st: any, i: number) => {
    if (st.Effect !== 'Allow') return;
    const actions: string[] = [st.Action ?? []].flat();
    const resources: unknown[] = [st.Resource ?? []].flat();
    const autoscalingWrite = actions.some(
      (a) => typeof a === 'string' && /^(autoscaling:|\*$)/i.test(a) && !READ_ONLY_AUTOSCALING.test(a),
    );
    if (autoscalingWrite && resources.includes('*')) report(`Statement/${i}`);
  });
}

/** Runs checkFleetInvariants over every synthesized template as a CDK validation plugin. */
export class FleetInvariantsPlugin implements IPolicyValidationPlugin {
  readonly name = 'graceful-autoscaler-invariants';
  readonly version = '1.0.0';
  readonly ruleIds = Object.keys(INVARIANTS);

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const byRule = new Map<Rule, PolicyViolation['violatingResources'][number][]>();
    for (const path of context.templatePaths) {
      const template = JSON.parse(readFileSync(path, 'utf8')) as CfnTemplate;
      for (const f of checkFleetInvariants(template)) {
        const list = byRule.get(f.rule as Rule) ?? [];
        list.push({ resourceLogicalId: f.logicalId, templatePath: path, locations: [f.location] });
        byRule.set(f.rule as Rule, list);
      }
    }
    const violations: PolicyViolation[] = [...byRule].map(([rule, violatingResources]) => ({
      ruleName: rule,
      description: INVARIANTS[rule],
      violatingResources,
    }));
    return { success: violations.length === 0, violations };
  }
}
