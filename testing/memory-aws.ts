/**
 * Auto Scaling for runbook tests: the real AutoScalingAdmin adapter over the faithful model
 * (testing/aws-model.ts), so every refusal (SetInstanceProtection's whole-call ValidationError, the minimum
 * size on terminate) is AWS's, not this file's. CodeDeploy stays in memory here; moto covers its adapter.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { AutoScalingAdmin } from '../lambdas/aws/auto-scaling-admin';
import { DeploymentView, Deployments, FleetAdmin, GroupView } from '../core/ports';
import { AwsModel, LifecycleState } from './aws-model';

/** A group as tests read it back. */
interface GroupReadback {
  readonly desiredCapacity: number;
  readonly newInstancesProtected: boolean;
  readonly instances: ReadonlyMap<string, { lifecycleState: string; protectedFromScaleIn: boolean }>;
}

export class MemoryAdmin implements FleetAdmin {
  readonly aws: AwsModel;
  private readonly admin: AutoScalingAdmin;
  /** The writes made, in order, as `terminate <id> <decrement>` and `protect <group> <on> <n>`. */
  readonly calls: string[] = [];
  /** Called before each write reaches the model: tests use it to interleave a racing caller. */
  beforeWrite?: (call: string) => Promise<void>;

  constructor(now: () => number = Date.now) {
    this.aws = new AwsModel({ now, consistencyLagMs: 0 });
    this.admin = new AutoScalingAdmin(this.aws.attach(new AutoScalingClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 })));
  }

  addGroup(name: string, size: { min: number; max: number; desired: number }, instances: Record<string, string>): void {
    for (const [instanceId, state] of Object.entries(instances)) this.aws.addInstance({ instanceId, groupName: name, state: state as LifecycleState });
    if (!this.aws.groups.has(name)) this.aws.groups.set(name, { newInstancesProtected: false, minSize: 0, maxSize: 0, desiredCapacity: 0 });
    Object.assign(this.aws.groups.get(name)!, { minSize: size.min, maxSize: size.max, desiredCapacity: size.desired });
  }

  /** The model's groups, read back the way the tests assert on them. */
  get groups(): ReadonlyMap<string, GroupReadback> {
    const out = new Map<string, GroupReadback>();
    for (const [name, g] of this.aws.groups) {
      const instances = new Map([...this.aws.instances.values()].filter((i) => i.groupName === name).map((i) => [i.instanceId, { lifecycleState: i.state as string, protectedFromScaleIn: i.protectedFromScaleIn ?? false }]));
      out.set(name, { desiredCapacity: g.desiredCapacity, newInstancesProtected: g.newInstancesProtected, instances });
    }
    return out;
  }

  describeGroups(names: readonly string[]): Promise<GroupView[]> {
    return this.admin.describeGroups(names);
  }

  groupsOf(ids: readonly string[]) {
    return this.admin.groupsOf(ids);
  }

  async terminateInstance(instanceId: string, decrement: boolean): Promise<void> {
    const call = `terminate ${instanceId} ${decrement}`;
    await this.beforeWrite?.(call);
    this.calls.push(call);
    await this.admin.terminateInstance(instanceId, decrement);
  }

  async setScaleInProtection(groupName: string, ids: readonly string[], protect: boolean) {
    const call = `protect ${groupName} ${protect} ${ids.length}`;
    await this.beforeWrite?.(call);
    this.calls.push(call);
    return this.admin.setScaleInProtection(groupName, ids, protect);
  }
}

export class MemoryDeployments implements Deployments {
  readonly deployments = new Map<string, DeploymentView>();
  private n = 0;

  async create(applicationName: string, deploymentGroupName: string): Promise<string> {
    const deploymentId = `d-${String(++this.n).padStart(9, '0')}`;
    this.deployments.set(deploymentId, { deploymentId, applicationName, deploymentGroupName, status: 'Created', overview: { Pending: 3, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 } });
    return deploymentId;
  }

  async get(deploymentId: string): Promise<DeploymentView> {
    const d = this.deployments.get(deploymentId);
    if (!d) throw Object.assign(new Error(`Deployment ${deploymentId} does not exist`), { name: 'DeploymentDoesNotExistException' });
    return d;
  }
}
