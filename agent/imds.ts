/**
 * IMDSv2: a session token from `PUT /latest/api/token`, then metadata reads with it. The endpoint is
 * the one the AWS SDKs honour, AWS_EC2_METADATA_SERVICE_ENDPOINT, so the agent runs against a
 * stand-in off EC2. (EC2 user guide, "Use the Instance Metadata Service to access instance metadata".)
 */
import { instanceArnPrefix, instanceNamespace, partitionOfRegion } from '../core/instance-namespace';

const DEFAULT_ENDPOINT = 'http://169.254.169.254';
/** Token lifetime we ask for; IMDS allows up to 21,600 seconds. */
const TOKEN_TTL_SECONDS = 21_600;
const TIMEOUT_MS = 2000;

export class ImdsClient {
  private token?: { value: string; expiresAt: number };
  /** One token request at a time: concurrent reads share it. */
  private pending?: Promise<string>;

  constructor(
    private readonly endpoint = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT || DEFAULT_ENDPOINT,
    private readonly now: () => number = Date.now,
  ) {}

  /** A metadata path's text, or undefined for 404 (e.g. no lifecycle state yet). Throws when IMDS is unreachable. */
  async get(path: string): Promise<string | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await fetch(`${this.endpoint.replace(/\/$/, '')}/latest/${path}`, {
        headers: { 'X-aws-ec2-metadata-token': await this.sessionToken() },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (res.status === 401) {
        // The token expired or IMDS restarted: get a new one, once.
        this.token = undefined;
        continue;
      }
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`IMDS ${path}: HTTP ${res.status}`);
      return (await res.text()).trim();
    }
    throw new Error(`IMDS ${path}: token refused twice`);
  }

  private sessionToken(): Promise<string> {
    if (this.token && this.token.expiresAt > this.now() + 60_000) return Promise.resolve(this.token.value);
    this.pending ??= this.requestToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async requestToken(): Promise<string> {
    const res = await fetch(`${this.endpoint.replace(/\/$/, '')}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`IMDS token: HTTP ${res.status}`);
    this.token = { value: (await res.text()).trim(), expiresAt: this.now() + TOKEN_TTL_SECONDS * 1000 };
    return this.token.value;
  }
}

/** What the agent needs to know about its instance. */
export interface InstanceIdentity {
  readonly instanceId: string;
  readonly region: string;
  readonly groupName: string;
  /** The account and partition in the instance's ARN: with the region and id, the namespace it may write. */
  readonly account: string;
  readonly partition: string;
}

/**
 * Reads instance id, region and Auto Scaling group: the configured group, or the instance's
 * aws:autoscaling:groupName tag (instance tags in metadata must then be enabled); the account from the
 * instance identity document, and the partition from `services/partition` (or, where IMDS lacks it, the
 * region's). These name the instance's ARN, which IAM compares as `ec2:SourceInstanceARN`.
 */
export async function readIdentity(imds: ImdsClient, configuredGroup?: string): Promise<InstanceIdentity> {
  const [instanceId, region, groupName, document, partition] = await Promise.all([
    imds.get('meta-data/instance-id'),
    imds.get('meta-data/placement/region'),
    configuredGroup !== undefined ? Promise.resolve(configuredGroup) : imds.get('meta-data/tags/instance/aws:autoscaling:groupName'),
    imds.get('dynamic/instance-identity/document'),
    imds.get('meta-data/services/partition'),
  ]);
  if (!instanceId || !region) throw new Error('IMDS gave no instance id or region');
  if (!groupName) throw new Error('IMDS gave no aws:autoscaling:groupName tag: is the instance in an Auto Scaling group with instance metadata tags enabled?');
  const account = accountOf(document);
  if (!account) throw new Error('IMDS gave no account id in the instance identity document');
  return { instanceId, region, groupName, account, partition: partition || partitionOfRegion(region) };
}

function accountOf(document: string | undefined): string | undefined {
  try {
    const id = document === undefined ? undefined : JSON.parse(document)?.accountId;
    return typeof id === 'string' && /^\d{12}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The one namespace this instance's credentials may write (core/instance-namespace.ts): its
 * metrics go there, where the controller and the straggler detector read them.
 */
export function ownNamespace(base: string, identity: InstanceIdentity): string {
  return instanceNamespace(base, instanceArnPrefix(identity), identity.instanceId);
}

/** The instance's primary private IPv4 address: how a Trino worker is known to its coordinator by default. */
export function readPrivateIp(imds: ImdsClient): Promise<string | undefined> {
  return imds.get('meta-data/local-ipv4');
}

/** `autoscaling/target-lifecycle-state`: InService, Terminated, Warmed:*; undefined before Auto Scaling sets it. */
export function readTargetLifecycleState(imds: ImdsClient): Promise<string | undefined> {
  return imds.get('meta-data/autoscaling/target-lifecycle-state');
}
