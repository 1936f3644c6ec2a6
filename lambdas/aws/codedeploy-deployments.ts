import { CodeDeployClient, CreateDeploymentCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DeploymentView, Deployments } from '../../core/ports';

export class CodeDeployDeployments implements Deployments {
  constructor(private readonly client: CodeDeployClient) {}

  async create(applicationName: string, deploymentGroupName: string, revision: { bucket: string; key: string; bundleType: string; version?: string }, description: string): Promise<string> {
    const out = await this.client.send(
      new CreateDeploymentCommand({
        applicationName,
        deploymentGroupName,
        description,
        revision: { revisionType: 'S3', s3Location: { bucket: revision.bucket, key: revision.key, bundleType: revision.bundleType as never, version: revision.version } },
      }),
    );
    return out.deploymentId!;
  }

  async get(deploymentId: string): Promise<DeploymentView> {
    const { deploymentInfo: d } = await this.client.send(new GetDeploymentCommand({ deploymentId }));
    return {
      deploymentId,
      applicationName: d?.applicationName ?? '',
      deploymentGroupName: d?.deploymentGroupName ?? '',
      status: d?.status ?? 'Unknown',
      overview: d?.deploymentOverview ? Object.fromEntries(Object.entries(d.deploymentOverview).filter(([, v]) => typeof v === 'number')) as Record<string, number> : undefined,
      errorMessage: d?.errorInformation?.message,
      createTime: d?.createTime?.getTime(),
      completeTime: d?.completeTime?.getTime(),
    };
  }
}
