/**
 * Who may write which per-instance signal (issue 35; docs/security.md): the workers' REAL policy documents,
 * as synthesized, evaluated for PutMetricData requests the way IAM evaluates StringEquals and StringLike
 * with policy variables; and the readers' settings, so that what a reader reads for instance X is what
 * only X may write. moto does not enforce IAM: the document's conditions are what is tested.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { instanceNamespace } from '../../core/instance-namespace';
import { buildApp } from '../../lib/app';
import { EnvironmentInput } from '../../lib/config';
import { WorkerFleet } from '../../lib/worker-fleet';
import { agentNamespace, signalsNamespace } from '../../lib/names';
import { makeApp } from '../helpers';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const input: Record<string, EnvironmentInput> = {
  prov: {
    account: ACCOUNT,
    region: REGION,
    network: { kind: 'create', maxAzs: 2, natGateways: 1 },
    fleets: [
      { name: 'etl', instanceTypes: ['m7i.large', 'm6i.large'], minCapacity: 1, maxCapacity: 4, stragglers: { detect: true, replace: true } },
      { name: 'adhoc', instanceTypes: ['m7i.large', 'm6i.large'], minCapacity: 1, maxCapacity: 2 },
      { name: 'legacy', existing: { groupName: 'trino-legacy-workers', agentInstalled: true }, targetCpuPercent: 50, drainTimeout: '20m' },
    ],
  },
};
const [stack] = buildApp(makeApp(), { environments: input, policyChecks: false });
const template = Template.fromStack(stack);
const resources: Record<string, any> = template.toJSON().Resources;

const BASE = agentNamespace('prov');
const arnOf = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`;
const [A, B] = ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2'];

/** A CloudFormation value with the pseudo parameters of this account and region; other references stay opaque. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Ref' in o) return ({ 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' } as Record<string, string>)[o.Ref as string] ?? `<${o.Ref as string}>`;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => String(resolve(p))).join(sep);
    }
    if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v)]));
  }
  return value;
}

interface Request {
  readonly action: string;
  /** The resource acted on (a resolved ARN, or `<LogicalId.Arn>` for one of this template's); absent: any. */
  readonly resource?: string;
  /** The request context: condition keys, and the keys policy variables read (absent keys are absent). */
  readonly context: Readonly<Record<string, string>>;
}

/** `${key}` replaced from the context; undefined when a variable's key is absent (the value then matches nothing). */
function substitute(pattern: string, context: Request['context']): string | undefined {
  let missing = false;
  const out = pattern.replace(/\$\{([^}]+)\}/g, (_m, key: string) => {
    // IAM's escapes for literal characters in a policy variable position ("IAM policy elements: Variables").
    if (key === '*' || key === '?' || key === '$') return key;
    const found = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase());
    if (!found) missing = true;
    return found?.[1] ?? '';
  });
  return missing ? undefined : out;
}

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** One condition block: every operator and key must hold; within a key, any value (IAM's AND of keys, OR of values). */
function conditionsHold(condition: Record<string, Record<string, string | string[]>> | undefined, context: Request['context']): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => {
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      if (actual === undefined) return false;
      return [values].flat().some((v) => {
        const expected = substitute(v, context);
        if (expected === undefined) return false;
        if (operator === 'StringEquals') return actual === expected;
        if (operator === 'StringLike') return glob(expected).test(actual);
        throw new Error(`the evaluator does not model ${operator}: extend it before relying on this test`);
      });
    }),
  );
}

const actionMatches = (actions: string | string[], action: string) => [actions].flat().some((a) => glob(a.toLowerCase()).test(action.toLowerCase()));

const resourceMatches = (resources: unknown, resource: string | undefined) => resource === undefined || [resolve(resources)].flat().some((r) => typeof r === 'string' && glob(r).test(resource));

/** Allowed by these statements: some Allow matches the action, resource and conditions, and no Deny does. */
function allowed(statements: any[], request: Request): boolean {
  const matching = statements.filter((s) => actionMatches(s.Action, request.action) && resourceMatches(s.Resource, request.resource) && conditionsHold(s.Condition, request.context));
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}

/** PutMetricData from instance `from`'s instance-profile credentials, to `namespace`. */
const put = (from: string | undefined, namespace: string): Request => ({
  action: 'cloudwatch:PutMetricData',
  context: { 'cloudwatch:namespace': namespace, ...(from ? { 'ec2:SourceInstanceARN': arnOf(from) } : {}) },
});

const etl = (stack as any).fleets.find((f: any) => f.config.name === 'etl').fleet as WorkerFleet;
const roleId = Stack.of(etl).getLogicalId(etl.role.node.defaultChild as never);
const workerPolicies: [string, any[]][] = [
  [
    'the launched fleet\'s instance role',
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .flatMap((r) => r.Properties.PolicyDocument.Statement),
  ],
  ['the adopted fleet\'s managed policy', Object.values(resources).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy').flatMap((r) => r.Properties.PolicyDocument.Statement)],
];

describe.each(workerPolicies)('%s', (_name, statements) => {
  test('the policy variable reaches the template literally, for IAM to resolve', () => {
    const values = statements.filter((s) => s.Action === 'cloudwatch:PutMetricData').flatMap((s) => [s.Condition.StringEquals['cloudwatch:namespace']].flat());
    expect(values).toContain(`${BASE}/\${ec2:SourceInstanceARN}`);
  });

  test('instance A may write its own namespace, and never B\'s', () => {
    expect(allowed(statements, put(A, instanceNamespace(BASE, arnOf(''), A)))).toBe(true);
    expect(allowed(statements, put(A, instanceNamespace(BASE, arnOf(''), B)))).toBe(false);
    expect(allowed(statements, put(B, instanceNamespace(BASE, arnOf(''), A)))).toBe(false);
  });

  test('no per-instance namespace without instance-profile credentials, nor a look-alike, nor the signals', () => {
    expect(allowed(statements, put(undefined, instanceNamespace(BASE, arnOf(''), A)))).toBe(false);
    expect(allowed(statements, put(A, `${BASE}/${arnOf(A)}/x`))).toBe(false);
    expect(allowed(statements, put(A, `${BASE}/${arnOf('*')}`))).toBe(false);
    expect(allowed(statements, put(A, signalsNamespace('prov')))).toBe(false);
    expect(allowed(statements, put(A, agentNamespace('other')))).toBe(false);
  });

  test('the shared agent namespace stays writable (the boot steps\' InstallFailures): which is why no reader takes per-instance data from it', () => {
    expect(allowed(statements, put(A, BASE))).toBe(true);
  });
});

describe('the readers read instance X only where only X may write', () => {
  const settingsOf = (variable: string) =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.[variable])
      .map((r) => JSON.parse(String(resolve(r.Properties.Environment.Variables[variable]))));
  const [launched] = workerPolicies;

  test.each([
    ['the drain functions (CONTROLLER_SETTINGS)', () => settingsOf('CONTROLLER_SETTINGS').map((s) => s.taskSource)],
    ['the termination policy (TERMINATION_POLICY_SETTINGS)', () => settingsOf('TERMINATION_POLICY_SETTINGS').map((s) => s.taskSource)],
    ['the straggler function (STRAGGLER_SETTINGS)', () => settingsOf('STRAGGLER_SETTINGS').map((s) => ({ namespace: s.pressureNamespace, instanceArnPrefix: s.instanceArnPrefix }))],
  ])('%s: X\'s namespace is one only X may write', (_name, sources) => {
    const found = sources();
    expect(found.length).toBeGreaterThan(0);
    for (const source of found) {
      expect(source).toMatchObject({ namespace: BASE, instanceArnPrefix: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/` });
      const read = instanceNamespace(source.namespace, source.instanceArnPrefix, B);
      expect(allowed(launched[1], put(B, read))).toBe(true);
      expect(allowed(launched[1], put(A, read))).toBe(false);
    }
  });
});

describe('readings: a worker may send only to its own fleet\'s readings queue, with the key only through SQS', () => {
  const queueOf = (fleet: string) => `<${Object.keys(resources).find((id) => new RegExp(`^DrainControllerReadingsQueue${fleet}[0-9A-F]{8}$`).test(id))}.Arn>`;
  const keyArn = `<${Object.keys(resources).find((id) => resources[id].Type === 'AWS::KMS::Key')}.Arn>`;
  const roleStatements = (fleet: string) => {
    const f = (stack as any).fleets.find((x: any) => x.config.name === fleet).fleet as WorkerFleet;
    const id = Stack.of(f).getLogicalId(f.role.node.defaultChild as never);
    return Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(id))
      .flatMap((r) => r.Properties.PolicyDocument.Statement);
  };
  const send = (queue: string): Request => ({ action: 'sqs:SendMessage', resource: queue, context: {} });
  const key = (action: string, via?: string): Request => ({ action, resource: keyArn, context: via ? { 'kms:ViaService': via } : {} });

  test.each(['etl', 'adhoc'])('%s\'s role sends to its own queue, never the other fleet\'s', (fleet) => {
    const other = fleet === 'etl' ? 'adhoc' : 'etl';
    const statements = roleStatements(fleet);
    expect(queueOf(fleet)).not.toContain('undefined');
    expect(allowed(statements, send(queueOf(fleet)))).toBe(true);
    expect(allowed(statements, send(queueOf(other)))).toBe(false);
    // Nothing else on its own queue: it cannot read, delete or purge what it or its peers sent.
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue', 'sqs:SetQueueAttributes']) expect(allowed(statements, { ...send(queueOf(fleet)), action })).toBe(false);
  });

  test('the key: a data key and Decrypt through SQS only; never directly, never Encrypt', () => {
    const statements = roleStatements('etl');
    expect(allowed(statements, key('kms:GenerateDataKey', `sqs.${REGION}.amazonaws.com`))).toBe(true);
    expect(allowed(statements, key('kms:Decrypt', `sqs.${REGION}.amazonaws.com`))).toBe(true);
    expect(allowed(statements, key('kms:GenerateDataKey'))).toBe(false);
    expect(allowed(statements, key('kms:Decrypt', `dynamodb.${REGION}.amazonaws.com`))).toBe(false);
    expect(allowed(statements, key('kms:Decrypt'))).toBe(false);
    // The CodeDeploy agent's revisions, through S3.
    expect(allowed(statements, key('kms:Decrypt', `s3.${REGION}.amazonaws.com`))).toBe(true);
    expect(allowed(statements, key('kms:Encrypt', `sqs.${REGION}.amazonaws.com`))).toBe(false);
  });

  test('the readings function accepts each group only from its own role, on its own queue; the adopted group sends none', () => {
    const fn = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.READINGS_SETTINGS);
    const settings = JSON.stringify(fn.Properties.Environment.Variables.READINGS_SETTINGS);
    for (const fleet of ['etl', 'adhoc']) {
      const f = (stack as any).fleets.find((x: any) => x.config.name === fleet).fleet as WorkerFleet;
      expect(settings).toContain(Stack.of(f).getLogicalId(f.role.node.defaultChild as never));
      expect(settings).toContain(queueOf(fleet).slice(1, -5));
    }
    expect(settings).not.toContain('trino-legacy-workers');
  });
});
