/** SSM's SendCommand, EC2's DescribeInstances and CloudWatch's GetMetricData on the model's instances and metrics. */
import { awsError } from './throttling';
import { IDS_PER_CALL, type ModelState } from './types';

/** GetMetricData: 500 queries a call and 100,800 datapoints a page (CloudWatch API reference). */
const MAX_QUERIES = 500;
const MAX_DATAPOINTS = 100_800;
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

export class InstancesAndMetrics {
  constructor(private readonly m: ModelState) {}

  /** Answers an SSM, EC2 or CloudWatch operation, or undefined when the operation is none of theirs. */
  handle(operation: string, input: any): Record<string, unknown> | undefined {
    switch (operation) {
      case 'SendCommand':
        return this.sendCommand(input);
      case 'DescribeInstances':
        return this.describeInstances(input);
      case 'GetMetricData':
        return this.getMetricData(input);
      default:
        return undefined;
    }
  }

  /**
   * SendCommand with InstanceIds: at most 50, and the whole call fails with InvalidInstanceId when any
   * instance is not a managed node or is shutting down (Systems Manager API reference, SendCommand,
   * "InvalidInstanceId").
   */
  private sendCommand(input: any) {
    const ids: string[] = input.InstanceIds ?? [];
    if (ids.length > IDS_PER_CALL) throw awsError('ValidationException', `InstanceIds: at most ${IDS_PER_CALL}`);
    for (const id of ids) {
      const i = this.m.instances.get(id);
      if (!i || !i.ssmManaged || i.state === 'Terminating:Proceed' || i.state === 'Terminated') {
        throw awsError('InvalidInstanceId', 'The following supplied instance ids are not valid or the instances are not in a valid state: ' + id);
      }
    }
    this.m.commands.push({ instanceIds: [...ids], commands: [...(input.Parameters?.commands ?? [])] });
    return { Command: { CommandId: `cmd-${this.m.commands.length}`, InstanceIds: ids, Status: 'Pending' } };
  }

  /**
   * DescribeInstances by id: one unknown id fails the whole call with InvalidInstanceID.NotFound, a
   * malformed one with InvalidInstanceID.Malformed (EC2 API reference, "Error codes"). Terminated
   * instances stay visible for about an hour; ids never seen do not.
   */
  private describeInstances(input: any) {
    const ids: string[] = input.InstanceIds ?? [];
    for (const id of ids) if (!INSTANCE_ID.test(id)) throw awsError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
    const unknown = ids.filter((id) => !this.m.instances.has(id));
    if (unknown.length > 0) throw awsError('InvalidInstanceID.NotFound', `The instance IDs '${unknown.join(', ')}' do not exist`);
    const instances = ids.map((id) => this.m.instances.get(id)!);
    return {
      Reservations: instances.length === 0 ? [] : [{ Instances: instances.map((i) => ({ InstanceId: i.instanceId, LaunchTime: i.launchedAt === undefined ? undefined : new Date(i.launchedAt), PrivateIpAddress: i.privateIp, State: { Name: i.state === 'Terminated' ? 'terminated' : 'running' } })) }],
    };
  }

  private getMetricData(input: any) {
    const queries: any[] = input.MetricDataQueries;
    if (queries.length > MAX_QUERIES) throw awsError('ValidationError', `at most ${MAX_QUERIES} MetricDataQuery structures`);
    const start = new Date(input.StartTime).getTime();
    const end = new Date(input.EndTime).getTime();
    const from = Number(input.NextToken ?? 0);
    const results = [];
    let points = 0;
    let next: string | undefined;
    for (let q = from; q < queries.length; q++) {
      const dims = queries[q].MetricStat.Metric.Dimensions as { Name: string; Value: string }[];
      const series = (this.m.metrics.get(dims.find((d) => d.Name === 'InstanceId')!.Value) ?? []).filter((p) => p.at >= start && p.at < end).sort((a, b) => b.at - a.at);
      if (points + series.length > MAX_DATAPOINTS && results.length > 0) {
        next = String(q);
        break;
      }
      points += series.length;
      results.push({ Id: queries[q].Id, Timestamps: series.map((p) => new Date(p.at)), Values: series.map((p) => p.value), StatusCode: 'Complete' });
    }
    return { MetricDataResults: results, NextToken: next };
  }
}
