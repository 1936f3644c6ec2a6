import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { chunk } from '../controller/concurrency';
import { InstanceDetails } from '../ports';

/** Instance ids per DescribeInstances call; the API pages results, the id list we keep modest. */
const IDS_PER_CALL = 200;

export class Ec2InstanceDetails implements InstanceDetails {
  constructor(private readonly client: EC2Client) {}

  async describe(instanceIds: readonly string[]) {
    const out = new Map<string, { launchedAt?: number; privateIp?: string }>();
    for (const ids of chunk([...new Set(instanceIds)], IDS_PER_CALL)) {
      let token: string | undefined;
      do {
        const page = await this.client.send(new DescribeInstancesCommand({ InstanceIds: ids, NextToken: token }));
        for (const r of page.Reservations ?? []) {
          for (const i of r.Instances ?? []) {
            if (i.InstanceId) out.set(i.InstanceId, { launchedAt: i.LaunchTime?.getTime(), privateIp: i.PrivateIpAddress });
          }
        }
        token = page.NextToken;
      } while (token);
    }
    return out;
  }
}
