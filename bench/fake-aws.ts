/**
 * An in-memory AWS for benchmarks: Auto Scaling, CloudWatch and DynamoDB answering the real SDK clients.
 * It is plugged into each client's middleware stack inside the retry loop (deserialize step), so every
 * call is signed, retried and rate-limited by the SDK itself; only the network is replaced. Each call
 * answers after a fixed latency, and each API family sits behind a token bucket that answers
 * `Throttling`/`ThrottlingException` when a burst exceeds it, as AWS does.
 */

export interface FakeAwsOptions {
  /** Latency of every answer. */
  readonly latencyMs: number;
  /** Token buckets per service: sustained calls per second and burst. */
  readonly limits: Readonly<Record<Service, { readonly rate: number; readonly burst: number }>>;
}

type Service = 'autoscaling-read' | 'autoscaling-write' | 'cloudwatch' | 'dynamodb';

interface FakeInstance {
  instanceId: string;
  groupName: string;
  state: 'InService' | 'Terminating:Wait' | 'Terminating:Proceed';
}

type AttrValue = { S?: string; N?: string };
type Item = Record<string, AttrValue>;

/** GetMetricData: 500 queries a call and 100,800 datapoints a page (CloudWatch API reference). */
const MAX_QUERIES = 500;
const MAX_DATAPOINTS = 100_800;
/** DynamoDB Query pages stop at 1 MB of items read (DynamoDB developer guide, "Paginating table query results"). */
const QUERY_PAGE_BYTES = 1024 * 1024;

class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function awsError(name: string, message: string, status = 400, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status }, ...extra });
}

export class FakeAws {
  readonly instances = new Map<string, FakeInstance>();
  readonly metrics = new Map<string, { at: number; value: number }[]>();
  readonly table = new Map<string, Item>();
  readonly calls = { read: 0, write: 0, throttled: 0 };
  readonly byOperation = new Map<string, number>();
  private readonly buckets: Record<Service, TokenBucket>;

  constructor(private readonly options: FakeAwsOptions) {
    this.buckets = Object.fromEntries(Object.entries(options.limits).map(([k, v]) => [k, new TokenBucket(v.rate, v.burst)])) as Record<Service, TokenBucket>;
  }

  /** Routes a client's calls to this fake. */
  attach<C extends { middlewareStack: { add: (middleware: any, options: any) => void } }>(client: C): C {
    client.middlewareStack.add(
      (_next: unknown, context: { commandName: string }) => async (args: { input: any }) => {
        const operation = String(context.commandName).replace(/Command$/, '');
        const { service, write } = classify(operation);
        this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
        if (write) this.calls.write++;
        else this.calls.read++;
        await new Promise((r) => setTimeout(r, this.options.latencyMs));
        if (!this.buckets[service].take()) {
          this.calls.throttled++;
          throw service.startsWith('autoscaling') ? awsError('Throttling', 'Rate exceeded') : awsError('ThrottlingException', 'Rate exceeded');
        }
        const output = this.handle(operation, args.input);
        return { output: { ...output, $metadata: { httpStatusCode: 200 } }, response: { statusCode: 200, headers: {} } } as never;
      },
      { step: 'deserialize', priority: 'high', name: 'inMemoryAws' },
    );
    return client;
  }

  private handle(operation: string, input: any): Record<string, unknown> {
    switch (operation) {
      case 'DescribeAutoScalingGroups':
        return this.describeGroups(input);
      case 'DescribeAutoScalingInstances': {
        if ((input.InstanceIds ?? []).length > 50) throw awsError('ValidationError', 'InstanceIds: at most 50');
        return {
          AutoScalingInstances: (input.InstanceIds as string[])
            .map((id) => this.instances.get(id))
            .filter((i): i is FakeInstance => !!i)
            .map((i) => ({ InstanceId: i.instanceId, AutoScalingGroupName: i.groupName, LifecycleState: i.state })),
        };
      }
      case 'CompleteLifecycleAction':
      case 'RecordLifecycleActionHeartbeat': {
        const i = this.instances.get(input.InstanceId);
        if (!i || i.state !== 'Terminating:Wait' || i.groupName !== input.AutoScalingGroupName) {
          throw awsError('ValidationError', `No active Lifecycle Action found with instance ID ${input.InstanceId}`);
        }
        if (operation === 'CompleteLifecycleAction') i.state = 'Terminating:Proceed';
        return {};
      }
      case 'GetMetricData':
        return this.getMetricData(input);
      case 'Query':
        return this.query(input);
      case 'PutItem':
        return this.putItem(input);
      case 'UpdateItem':
        return this.updateItem(input);
      case 'TransactWriteItems':
        return this.transact(input);
      default:
        throw awsError('UnknownOperationException', `${operation} is not modelled`);
    }
  }

  private describeGroups(input: any) {
    const names: string[] = input.AutoScalingGroupNames ?? [];
    const max = input.MaxRecords ?? 50;
    if (names.length > Math.max(50, max)) throw awsError('ValidationError', 'too many AutoScalingGroupNames');
    const start = Number(input.NextToken ?? 0);
    const page = names.slice(start, start + max);
    const groups = page.map((name) => ({
      AutoScalingGroupName: name,
      Instances: [...this.instances.values()].filter((i) => i.groupName === name).map((i) => ({ InstanceId: i.instanceId, LifecycleState: i.state })),
    }));
    return { AutoScalingGroups: groups, NextToken: start + max < names.length ? String(start + max) : undefined };
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
      const series = (this.metrics.get(dims.find((d) => d.Name === 'InstanceId')!.Value) ?? []).filter((p) => p.at >= start && p.at < end).sort((a, b) => b.at - a.at);
      if (points + series.length > MAX_DATAPOINTS && results.length > 0) {
        next = String(q);
        break;
      }
      points += series.length;
      results.push({ Id: queries[q].Id, Timestamps: series.map((p) => new Date(p.at)), Values: series.map((p) => p.value), StatusCode: 'Complete' });
    }
    return { MetricDataResults: results, NextToken: next };
  }

  private query(input: any) {
    const pk = input.ExpressionAttributeValues[':pk'].S;
    const items = [...this.table.values()].filter((i) => i.pk.S === pk).sort((a, b) => a.sk.S!.localeCompare(b.sk.S!));
    const startAfter = input.ExclusiveStartKey?.sk?.S;
    const out: Item[] = [];
    let bytes = 0;
    let last: Item | undefined;
    for (const item of items) {
      if (startAfter !== undefined && item.sk.S! <= startAfter) continue;
      bytes += JSON.stringify(item).length;
      if (bytes > QUERY_PAGE_BYTES) break;
      out.push(item);
      last = item;
    }
    const more = last !== undefined && items[items.length - 1] !== last;
    return { Items: out, LastEvaluatedKey: more ? { pk: last!.pk, sk: last!.sk } : undefined };
  }

  private key(k: Item): string {
    return `${k.pk.S}|${k.sk.S}`;
  }

  private putItem(input: any) {
    const key = this.key(input.Item);
    const existing = this.table.get(key);
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, existing, input.ExpressionAttributeValues)) {
      throw awsError('ConditionalCheckFailedException', 'The conditional request failed', 400, input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: existing } : {});
    }
    this.table.set(key, { ...input.Item });
    return {};
  }

  private updateItem(input: any) {
    const key = this.key(input.Key);
    const existing = this.table.get(key);
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, existing, input.ExpressionAttributeValues)) {
      throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
    }
    this.table.set(key, applyUpdate(input.UpdateExpression, { ...(existing ?? input.Key) }, input.ExpressionAttributeValues));
    return {};
  }

  private transact(input: any) {
    const items: any[] = input.TransactItems;
    const reasons = items.map((t) => {
      const op = t.Delete ?? t.Put ?? t.Update ?? t.ConditionCheck;
      const existing = this.table.get(this.key(op.Key ?? op.Item));
      return op.ConditionExpression && !evaluateCondition(op.ConditionExpression, existing, op.ExpressionAttributeValues) ? 'ConditionalCheckFailed' : 'None';
    });
    if (reasons.some((r) => r !== 'None')) {
      throw awsError('TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}]`, 400, {
        CancellationReasons: reasons.map((Code) => ({ Code })),
      });
    }
    for (const t of items) {
      if (t.Delete) this.table.delete(this.key(t.Delete.Key));
      if (t.Put) this.table.set(this.key(t.Put.Item), { ...t.Put.Item });
    }
    return {};
  }
}

function classify(operation: string): { service: Service; write: boolean } {
  if (['CompleteLifecycleAction', 'RecordLifecycleActionHeartbeat'].includes(operation)) return { service: 'autoscaling-write', write: true };
  if (operation.startsWith('DescribeAutoScaling')) return { service: 'autoscaling-read', write: false };
  if (operation === 'GetMetricData') return { service: 'cloudwatch', write: false };
  return { service: 'dynamodb', write: operation !== 'Query' && operation !== 'GetItem' };
}

/** Evaluates the condition expressions the store uses: attribute_(not_)exists, <, AND, OR, parentheses. */
export function evaluateCondition(expression: string, item: Item | undefined, values: Record<string, AttrValue> = {}): boolean {
  const tokens = expression.match(/attribute_not_exists\(\w+\)|attribute_exists\(\w+\)|\(|\)|AND|OR|[\w:]+|</g) ?? [];
  let pos = 0;
  const atom = (): boolean => {
    const t = tokens[pos++];
    if (t === '(') {
      const v = or();
      pos++; // ')'
      return v;
    }
    const exists = /^attribute_(not_)?exists\((\w+)\)$/.exec(t);
    if (exists) return (item?.[exists[2]] !== undefined) !== (exists[1] !== undefined);
    if (tokens[pos] === '<') {
      pos++;
      const right = values[tokens[pos++]];
      const left = item?.[t];
      return left?.N !== undefined && right?.N !== undefined && Number(left.N) < Number(right.N);
    }
    throw new Error(`condition not modelled: ${expression}`);
  };
  const and = (): boolean => {
    let v = atom();
    while (tokens[pos] === 'AND') {
      pos++;
      v = atom() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (tokens[pos] === 'OR') {
      pos++;
      v = and() || v;
    }
    return v;
  };
  return or();
}

/** Applies the update expressions the store uses: SET a = :x, b = :y REMOVE c ADD d :n. */
export function applyUpdate(expression: string, item: Item, values: Record<string, AttrValue>): Item {
  const clauses = expression.split(/\b(?=SET |REMOVE |ADD )/);
  for (const clause of clauses) {
    const [verb, ...rest] = clause.trim().split(/\s+/);
    const body = rest.join(' ');
    if (verb === 'SET') for (const part of body.split(',')) {
      const [name, value] = part.split('=').map((s) => s.trim());
      item[name] = values[value];
    }
    else if (verb === 'REMOVE') for (const name of body.split(',')) delete item[name.trim()];
    else if (verb === 'ADD') {
      const [name, value] = body.split(/\s+/);
      item[name] = { N: String(Number(item[name]?.N ?? 0) + Number(values[value].N)) };
    }
  }
  return item;
}
