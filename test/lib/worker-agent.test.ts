import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { parseAgentConfig } from '../../agent/config';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { AGENT_PATHS, AGENT_SERVICE } from '../../lib/worker-agent';
import { makeApp } from '../helpers';

// Bundling on for this stack: the asset must really be built at synth, offline, without Docker.
const app = makeApp({ bundle: true });
const [dev] = buildApp(app, { environments, selected: ['dev'], policyChecks: false });
const template = Template.fromStack(dev);

function userDataOf(logicalId: string): string {
  const lt = template.findResources('AWS::EC2::LaunchTemplate')[logicalId];
  const parts = lt.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1] as unknown[];
  return parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
}

test('every launch template installs Node.js 22, downloads the agent asset, writes its config and starts its service', () => {
  for (const f of dev.fleets) {
    const userData = userDataOf(dev.getLogicalId(f.fleet.launchTemplate.node.defaultChild as never));
    expect(userData).toContain('dnf install -y nodejs22');
    expect(userData).toMatch(new RegExp(`aws s3 cp 's3://.*/[0-9a-f]{64}\\.js' '${AGENT_PATHS.bundle}'`));
    expect(userData).toContain(`cat > ${AGENT_PATHS.config}`);
    expect(userData).toContain(`ExecStart=${AGENT_PATHS.node} ${AGENT_PATHS.bundle} --config ${AGENT_PATHS.config}`);
    expect(userData).toContain('Restart=always');
    expect(userData).toContain(`systemctl enable --now ${AGENT_SERVICE}`);
    // The agent is installed before CodeDeploy's installer, whose failure must not keep it off.
    expect(userData.indexOf(AGENT_SERVICE)).toBeLessThan(userData.indexOf('aws-codedeploy-'));
  }
});

test('the config written to the instance is what config/ resolves to, and valid for the agent', () => {
  const userData = userDataOf(dev.getLogicalId(dev.fleets[0].fleet.launchTemplate.node.defaultChild as never));
  const json = /<<'GRACEFUL_AUTOSCALER_AGENT_CONFIG'\n([\s\S]*?)\nGRACEFUL_AUTOSCALER_AGENT_CONFIG/.exec(userData)![1];
  expect(parseAgentConfig(json)).toMatchObject({ intervalSeconds: 10, namespace: 'GracefulAutoscaler', tasks: { kind: 'trino', url: 'http://127.0.0.1:8080' }, shutdown: { kind: 'trino' } });
});

test('the bundle is a real synthesized asset, and instances may read it', () => {
  const assembly = app.synth();
  const manifest = JSON.parse(readFileSync(join(assembly.directory, `${dev.stackName}.assets.json`), 'utf8'));
  const files = Object.values(manifest.files as Record<string, { source: { path: string; packaging: string } }>).map((f) => f.source);
  const bundle = files.find((f) => f.path.endsWith('.js') && f.packaging === 'file');
  expect(bundle).toBeDefined();
  const file = join(assembly.directory, bundle!.path);
  expect(existsSync(file)).toBe(true);
  expect(statSync(file).size).toBeGreaterThan(100_000); // the agent with its CloudWatch client inside
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
  expect(statements.some((s) => [s.Action].flat().includes('s3:GetObject*') && JSON.stringify(s.Resource).includes('cdk-hnb659fds-assets'))).toBe(true);
});
