/**
 * The shape of an environment file: which keys exist at every level and which object each `kind` selects.
 * `cdk.json` runs the app with tsx, which does not type-check, so a misspelled key (`drainTimout`) would
 * otherwise be dropped in silence and its default applied. zod's strict objects find every unknown key;
 * the values themselves are judged by the resolvers beside this file, whose messages name the
 * environment, field, value and rule, so every leaf here is `unknown`.
 */
import * as z from 'zod';
import type {
  AgentInput,
  AgentWorkerInput,
  ControllerInput,
  EnvironmentInput,
  ExistingFleetInput,
  ExistingGroupInput,
  NetworkInput,
  NewFleetInput,
  NotificationsInput,
  ScalingInput,
  SpotInput,
  StragglersInput,
  TrinoEndpointInput,
} from './input';
import { Problems } from './problems';

const value = z.unknown();
const kind = <K extends string>(k: K) => z.literal(k);

const trinoEndpoint = { port: value, scheme: value, user: value };
const network = z.discriminatedUnion('kind', [
  z.strictObject({ kind: kind('create'), cidr: value, maxAzs: value, natGateways: value }),
  z.strictObject({ kind: kind('existing'), vpcId: value, privateSubnets: z.array(z.strictObject({ subnetId: value, availabilityZone: value })) }),
]);
const notifications = z.strictObject({ emails: value, topicArn: value });
const spot = z.strictObject({ onDemandBaseCapacity: value, onDemandPercentageAboveBase: value });
const scaling = z.strictObject({ signals: value, targetBacklog: value, toleratedBacklog: value, scaleInLookbackMinutes: value, scaleInHorizonMinutes: value, priceDrains: value, killPrice: value, maxDrain: value });
const stragglers = z.strictObject({ detect: value, replace: value, replaceDrainTimeout: value, replaceAfter: value, bottleneckExcessPercent: value, window: value });
const deploymentConfig = z.union([z.string(), z.strictObject({ minimumHealthyHostsPercent: value })]);
const fleetCommon = {
  name: value,
  targetCpuPercent: value,
  drainTimeout: value,
  deploymentConfig: deploymentConfig.optional(),
  shutdownGracePeriod: value,
  coordinatorUrl: value,
  scaling: scaling.optional(),
  stragglers: stragglers.optional(),
};
const newFleetOwn = {
  instanceTypes: value,
  minCapacity: value,
  maxCapacity: value,
  desiredCapacity: value,
  instanceWarmup: value,
  rootVolumeGiB: value,
  spot: spot.optional(),
  predictiveScaling: value,
};
const newFleet = z.strictObject({ ...fleetCommon, ...newFleetOwn, existing: z.undefined().optional() });
const existingGroup = z.strictObject({ groupName: value, securityGroupId: value, agentInstalled: value });
// A launched fleet's own fields are known here too: the fleet resolver refuses them beside `existing`
// with the reason (an adopted group keeps its own), which says more than "not a known field".
const existingFleet = z.strictObject({ ...fleetCommon, ...newFleetOwn, existing: existingGroup });
const taskSource = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: kind('metric'),
    namespace: value,
    metricName: value,
    periodSeconds: value,
    instanceDimension: value,
    groupDimension: value,
    extraDimensions: z.record(z.string(), value).optional(),
    ageMetricName: value,
  }),
  z.strictObject({ kind: kind('trino'), ...trinoEndpoint }),
]);
const stopWorker = z.discriminatedUnion('kind', [
  z.strictObject({ kind: kind('agent') }),
  z.strictObject({ kind: kind('ssm'), commands: z.array(value) }),
  z.strictObject({ kind: kind('trino'), ...trinoEndpoint }),
]);
const controller = z.strictObject({ taskSource: taskSource.optional(), stopWorker: stopWorker.optional(), idleReadings: value });
const agentTrino = z.strictObject({ kind: kind('trino'), url: value, user: value, sharedSecretFile: value });
const agentCommand = z.strictObject({ kind: kind('command'), command: value });
const agentWorker = z.discriminatedUnion('kind', [agentTrino, agentCommand]);
const agent = z.strictObject({
  install: value,
  tasks: agentWorker.optional(),
  shutdown: z.discriminatedUnion('kind', [agentTrino, agentCommand, z.strictObject({ kind: kind('none') })]).optional(),
  intervalSeconds: value,
  runAsRoot: value,
  workerUnit: value,
});
// Fleets are checked one at a time against the shape their `existing` selects (fleetShape): a union of
// the two would report a typo inside a fleet as "Invalid input" for the whole fleet.
const environment = z.strictObject({
  account: value,
  region: value,
  network: network.optional(),
  notifications: notifications.optional(),
  fleets: z.array(value).optional(),
  controller: controller.optional(),
  agent: agent.optional(),
});

// Each shape knows exactly the keys of its input type: a field added to input.ts and not here (or the
// reverse) fails `tsc`, so no key the resolvers read is ever refused as unknown.
type KeysOf<T> = T extends unknown ? keyof T : never;
type SameKeys<S extends z.ZodType, T> = [KeysOf<z.infer<S>>] extends [KeysOf<T>] ? ([KeysOf<T>] extends [KeysOf<z.infer<S>>] ? true : false) : false;
type Assert<T extends true> = T;
export type ShapeMatchesInput = [
  Assert<SameKeys<typeof environment, EnvironmentInput>>,
  Assert<SameKeys<typeof network, NetworkInput>>,
  Assert<SameKeys<typeof notifications, NotificationsInput>>,
  Assert<SameKeys<typeof spot, SpotInput>>,
  Assert<SameKeys<typeof scaling, ScalingInput>>,
  Assert<SameKeys<typeof stragglers, StragglersInput>>,
  Assert<SameKeys<typeof newFleet, NewFleetInput>>,
  Assert<SameKeys<z.ZodObject<typeof fleetCommon & { existing: typeof existingGroup }>, ExistingFleetInput>>,
  Assert<SameKeys<typeof existingGroup, ExistingGroupInput>>,
  Assert<SameKeys<typeof controller, ControllerInput>>,
  Assert<SameKeys<z.ZodObject<typeof trinoEndpoint>, TrinoEndpointInput>>,
  Assert<SameKeys<typeof agent, AgentInput>>,
  Assert<SameKeys<typeof agentWorker, AgentWorkerInput>>,
];

/** What a container holds, for the message when something else is found in its place. */
const EXPECTED: Record<string, string> = { object: 'must be an object { … }', array: 'must be a list [ … ]', record: 'must be an object { … }' };

/** Levenshtein distance with adjacent transpositions (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

/** The known key nearest to `key`, when near enough to be a slip (a third of its letters, at least 2). */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const distance = editDistance(key, k);
    if (distance < bestDistance) [best, bestDistance] = [k, distance];
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3))) return best;
  // A shortened name (`interval` for intervalSeconds) is far in letters but plain in intent.
  const lower = key.toLowerCase();
  return lower.length >= 4 ? known.find((k) => k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase())) : undefined;
}

/** The keys an object schema at `path` of `schema` knows, following the branch the input's `kind` selects. */
function knownKeys(schema: z.ZodType, input: unknown, path: readonly PropertyKey[]): string[] {
  let s: z.ZodType = schema;
  let v: unknown = input;
  for (const step of [...path, undefined]) {
    // Unwrap optional, and pick the union branch that fits this value.
    for (;;) {
      if (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
      else if (s instanceof z.ZodDiscriminatedUnion || s instanceof z.ZodUnion) {
        const options = s.options as z.ZodType[];
        const k = (v as { kind?: unknown } | undefined)?.kind;
        s = options.find((o) => o instanceof z.ZodObject && (o.shape as Record<string, z.ZodType>).kind instanceof z.ZodLiteral && (o.shape.kind as z.ZodLiteral).values.has(k as never)) ?? options.find((o) => o instanceof z.ZodObject) ?? options[0];
      } else break;
    }
    if (step === undefined) break;
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(step)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    v = (v as Record<PropertyKey, unknown>)?.[step];
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** `fleets[0].spot`, as the resolvers name fields. */
function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((at, step) => (typeof step === 'number' ? `${at}[${step}]` : at === '' ? String(step) : `${at}.${String(step)}`), prefix);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, step) => (v as Record<PropertyKey, unknown> | undefined)?.[step], input);
}

/**
 * Records one problem per unknown key (with the nearest known name) and per container of the wrong type
 * under `prefix`; returns whether the input may be resolved (every container is what its resolver reads).
 */
function checkAgainst(p: Problems, schema: z.ZodType, input: unknown, prefix: string): boolean {
  const result = schema.safeParse(input);
  if (result.success) return true;
  let resolvable = true;
  const visit = (issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...base, ...issue.path];
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeys(schema, input, path);
        for (const key of issue.keys) {
          const near = nearestKey(key, known);
          p.add(
            fieldPath(prefix, [...path, key]),
            valueAt(input, [...path, key]),
            `is not a known field, so it would be ignored: ${near !== undefined ? `did you mean ${near}?` : `known fields here are ${known.join(', ')}`}`,
          );
        }
      } else if (issue.code === 'invalid_type' && EXPECTED[issue.expected] !== undefined && valueAt(input, path) !== undefined) {
        const known = issue.expected === 'object' ? knownKeys(schema, input, path) : [];
        p.add(fieldPath(prefix, path), valueAt(input, path), known.length > 0 ? `must be an object { ${known.join(', ')} }` : EXPECTED[issue.expected]);
        resolvable = false;
      } else if (issue.code === 'invalid_union') {
        // The branch whose container type fits (a string where a name is allowed, an object where the
        // object is): its issues are the ones that say what is wrong. A `kind` no branch has is the
        // resolvers' to report, with the kinds there are.
        const fitting = issue.errors.filter((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
        if (fitting.length === 1) visit(fitting[0], path);
      }
      // Any other issue is about a value, which the resolvers judge and name.
    }
  };
  visit(result.error.issues, []);
  return resolvable;
}

/**
 * Checks an environment's shape before it is resolved. Unknown keys are reported with the nearest known
 * name; a container of the wrong type (a number where `spot: { … }` belongs) makes the environment
 * unresolvable, and the caller stops there.
 */
export function checkShape(p: Problems, input: unknown): boolean {
  if (!p.check(typeof input === 'object' && input !== null && !Array.isArray(input), '(environment)', input, 'must be an object { network, fleets, … }')) return false;
  let ok = checkAgainst(p, environment, input, '');
  const fleets = (input as { fleets?: unknown }).fleets;
  if (Array.isArray(fleets)) {
    fleets.forEach((fleet, i) => {
      if (!p.check(typeof fleet === 'object' && fleet !== null && !Array.isArray(fleet), `fleets[${i}]`, fleet, 'must be an object { name, … }')) {
        ok = false;
        return;
      }
      const adopted = (fleet as { existing?: unknown }).existing !== undefined;
      ok = checkAgainst(p, adopted ? existingFleet : newFleet, fleet, `fleets[${i}]`) && ok;
    });
  }
  return ok;
}
