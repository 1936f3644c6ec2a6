/** The metrics the dashboard and the alarms both read. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { metricsServiceName } from '../drain-controller';
import { INSTALL_FAILURES_METRIC } from '../boot-steps';
import { METRICS_NAMESPACE, agentNamespace } from '../names';
import { OperationsContext } from './context';

export function controllerMetric(ctx: OperationsContext, metricName: string, statistic: string, period = Duration.minutes(1)): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: metricsServiceName(ctx.props.environmentName) }, statistic, period });
}

export function groupMetric(metricName: string, groupName: string, label: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: 'AWS/AutoScaling', metricName, dimensionsMap: { AutoScalingGroupName: groupName }, statistic: 'Average', period: Duration.minutes(1), label });
}

export function cpu(groupName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensionsMap: { AutoScalingGroupName: groupName }, statistic: 'Average', period: Duration.minutes(1), label: 'average CPU' });
}

/** Boot steps that failed on the fleet's instances (lib/boot-steps.ts), in the agent's namespace. */
export function installFailures(ctx: OperationsContext, fleet: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: agentNamespace(ctx.props.environmentName), metricName: INSTALL_FAILURES_METRIC, dimensionsMap: { Fleet: fleet }, statistic: 'Sum', period: Duration.minutes(5), label: `${fleet}: failed installs` });
}
