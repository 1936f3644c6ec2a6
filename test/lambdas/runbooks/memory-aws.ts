/** In-memory Auto Scaling groups and CodeDeploy for runbook tests, with the API's refusals. */
import { DeploymentView, Deployments, FleetAdmin, GroupView } from '../../../lambdas/ports';

type Group = { minSize: number; maxSize: number; desiredCapacity: number; newInstancesProtected: boolean; instances: Map<string, { lifecycleState: string; protectedFromScaleIn: boolean }> };

export class MemoryAdmin implements FleetAdmin {
  readonly groups = new Map<string, Group>();
  readonly calls: string[] = [];

  addGroup(name: string, size: { min: number; max: number; desired: number }, instances: Record<string, string>): void {
    this.groups.set(name, {
      minSize: size.min,
      maxSize: size.max,
      desiredCapacity: size.desired,
      newInstancesProtected: false,
      instances: new Map(Object.entries(instances).map(([id, lifecycleState]) => [id, { lifecycleState, protectedFromScaleIn: false }])),
    });
  }

  async describeGroups(names: readonly string[]): Promise<GroupView[]> {
    return names.flatMap((groupName) => {
      const g = this.groups.get(groupName);
      return g ? [{ groupName, minSize: g.minSize, maxSize: g.maxSize, desiredCapacity: g.desiredCapacity, newInstancesProtected: g.newInstancesProtected, instances: [...g.instances].map(([instanceId, i]) => ({ instanceId, ...i })) }] : [];
    });
  }

  async groupsOf(ids: readonly string[]) {
    const out = new Map<string, { groupName: string; lifecycleState: string }>();
    for (const [groupName, g] of this.groups) for (const id of ids) if (g.instances.has(id)) out.set(id, { groupName, lifecycleState: g.instances.get(id)!.lifecycleState });
    return out;
  }

  async terminateInstance(instanceId: string, decrement: boolean): Promise<void> {
    this.calls.push(`terminate ${instanceId} ${decrement}`);
    for (const g of this.groups.values()) {
      const i = g.instances.get(instanceId);
      if (!i) continue;
      if (decrement && g.desiredCapacity <= g.minSize) throw Object.assign(new Error('Currently, desiredSize equals minSize'), { name: 'ValidationError' });
      if (decrement) g.desiredCapacity--;
      i.lifecycleState = 'Terminating:Wait'; // our hook holds it
      return;
    }
    throw Object.assign(new Error(`Instance Id not found - No managed instance found for instance ID ${instanceId}`), { name: 'ValidationError' });
  }

  async setScaleInProtection(groupName: string, ids: readonly string[], protect: boolean): Promise<void> {
    this.calls.push(`protect ${groupName} ${protect} ${ids.length}`);
    const g = this.groups.get(groupName)!;
    g.newInstancesProtected = protect;
    for (const id of ids) g.instances.get(id)!.protectedFromScaleIn = protect;
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
