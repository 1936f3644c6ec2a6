/**
 * The readings function as deployed.
 *
 * The readings function runs outside the VPC, as its cfn-guard acknowledgement says: it calls only SQS
 * (through its event sources) and DynamoDB, so inside it would depend on the NAT path for nothing.
 * It was deployed inside the VPC while acknowledged as outside (an acknowledgement with an untrue reason).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { FleetStack } from '../../lib/fleet-stack';
import { makeApp } from '../helpers';

test('the readings function has no VPC configuration, in every environment that has one', () => {
  const stacks = buildApp(makeApp(), { environments, policyChecks: false }) as FleetStack[];
  const withReadings = stacks.filter((s) => s.drainController.readingsFunction);
  expect(withReadings.length).toBeGreaterThan(0);
  for (const stack of withReadings) {
    const id = stack.getLogicalId(stack.drainController.readingsFunction!.node.defaultChild as never);
    const fn = Template.fromStack(stack).findResources('AWS::Lambda::Function')[id];
    expect(fn.Properties.VpcConfig).toBeUndefined();
  }
});

test("each readings queue feeds the function with at most 2 concurrent invocations, so one fleet's flood backs up in its own queue", () => {
  const stacks = buildApp(makeApp(), { environments, policyChecks: false }) as FleetStack[];
  for (const stack of stacks.filter((s) => s.drainController.readingsFunction)) {
    const id = stack.getLogicalId(stack.drainController.readingsFunction!.node.defaultChild as never);
    const mappings = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify(m.Properties.FunctionName).includes(id));
    expect(mappings.length).toBe(stack.drainController.readingsQueues.size);
    for (const m of mappings) expect(m.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 2 });
  }
});
