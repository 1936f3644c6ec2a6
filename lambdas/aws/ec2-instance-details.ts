import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { chunk } from '../../core/util/concurrency';
import { InstanceDetails } from '../../core/ports';
import { errorName } from '../../core/util/errors';

/** Instance ids per DescribeInstances call; the API pages results, the id list we keep modest. */
const IDS_PER_CALL = 200;

export class Ec2InstanceDetails implements InstanceDetails {
  constructor(private readonly client: EC2Client) {}

  async describe(instanceIds: readonly string[]) {
    const out = new Map<string, { launchedAt?: number; privateIp?: string }>();
    for (const ids of chunk([...new Set(instanceIds)], IDS_PER_CALL)) await this.describeBatch(ids, out);
    return out;
  }

  /**
   * DescribeInstances fails the whole call with InvalidInstanceID.NotFound when one id is unknown (an
   * instance terminated long enough ago, or a forged id), naming the ids in its message (EC2 API
   * reference, "Error codes"). Those are dropped and the rest asked again; if the message names none we
   * know, the batch is split. One bad id never hides the others.
   */
  private async describeBatch(ids: readonly string[], out: Map<string, { launchedAt?: number; privateIp?: string }>): Promise<void> {
    if (ids.length === 0) return;
    try {
      let token: string | undefined;
      do {
        const page = await this.client.send(new DescribeInstancesCommand({ InstanceIds: [...ids], NextToken: token }));
        for (const r of page.Reservations ?? []) {
          for (const i of r.Instances ?? []) {
            if (i.InstanceId) out.set(i.InstanceId, { launchedAt: i.LaunchTime?.getTime(), privateIp: i.PrivateIpAddress });
          }
        }
        token = page.NextToken;
      } while (token);
    } catch (e) {
      const name = errorName(e);
      if (name !== 'InvalidInstanceID.NotFound' && name !== 'InvalidInstanceID.Malformed') throw e;
      if (ids.length === 1) return; // that id is unknown: left out
      const named = new Set(((e as Error).message ?? '').match(/i-[0-9a-f]+/g) ?? []);
      const rest = ids.filter((id) => !named.has(id));
      if (rest.length < ids.length) return this.describeBatch(rest, out);
      const half = Math.ceil(ids.length / 2);
      await this.describeBatch(ids.slice(0, half), out);
      await this.describeBatch(ids.slice(half), out);
    }
  }
}
