/** The environment's dashboard: per fleet, its capacity, drains, signals and stragglers; the controller's health. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  BACKLOG_SECONDS_METRIC,
  DECISION_METRIC,
  DEFERRED_METRIC,
  DETECTION_FAILED_METRIC,
  DRAINS_EXTENDED_METRIC,
  DRAIN_QUERIES_AT_RISK_METRIC,
  FINISHED_METRIC,
  QUERIES_INVISIBLE_METRIC,
  QUEUED_METRIC,
  REMAINING_UNDERRUN_METRIC,
  REPLACEMENTS_METRIC,
  RUNNING_METRIC,
  STRAGGLERS_METRIC,
} from '../../core/contract/metrics';
import { ScalingRule } from '../../core/scaling-policy';
import { agentNamespace } from '../names';
import { OperationsContext } from './context';
import { ceilingAlarm } from './alarms';
import { controllerMetric, cpu, groupMetric, installFailures } from './metrics';

/** Every rule, for the decision widget (one line each). */
const SCALING_RULES: readonly ScalingRule[] = ['no-data', 'action-in-flight', 'stalled', 'backlog', 'capacity-ceiling', 'scale-in', 'hold'];

export function createDashboard(ctx: OperationsContext): cloudwatch.Dashboard {
  const c = ctx.props.controller;
  const dashboard = new cloudwatch.Dashboard(ctx.scope, 'Dashboard', {
    dashboardName: `graceful-autoscaler-${ctx.props.environmentName}`,
    defaultInterval: Duration.hours(6),
  });
  for (const f of ctx.props.fleets) {
    const group = f.fleet.autoScalingGroup.autoScalingGroupName;
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${f.config.name}: desired vs in service vs draining`,
        width: 8,
        left: [groupMetric('GroupDesiredCapacity', group, 'desired'), groupMetric('GroupInServiceInstances', group, 'in service'), groupMetric('GroupTerminatingInstances', group, 'draining (terminating)')],
      }),
      new cloudwatch.GraphWidget({
        title: `${f.config.name}: CPU against the ${f.config.targetCpuPercent}% target`,
        width: 8,
        left: [cpu(group)],
        leftAnnotations: [{ value: f.config.targetCpuPercent, label: 'target', color: '#d62728' }],
        leftYAxis: { min: 0, max: 100 },
      }),
      new cloudwatch.GraphWidget({
        title: `${f.config.name}: running tasks`,
        width: 8,
        left: [
          new cloudwatch.MathExpression({
            // Display only. Each worker publishes in its own namespace, `<agent namespace>/arn:…:instance/<id>`, so no
            // schema can name them all: a partial Namespace match on the composite token `<agent namespace>/arn`
            // finds every instance's, and never the shared agent namespace (CloudWatch user guide, "Search expression syntax").
            expression: `SUM(SEARCH('Namespace=${agentNamespace(ctx.props.environmentName)}/arn MetricName="RunningTasks" AutoScalingGroupName="${group}"', 'Maximum', 60))`,
            label: 'running tasks (sum over instances)',
            period: Duration.minutes(1),
          }),
        ],
      }),
    );
    const sig = ctx.props.signals;
    if (f.config.scaling && sig) {
      const name = f.config.name;
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${name}: queue (backlog) and needed ÷ current capacity`,
          width: 8,
          left: [
            sig.metric(name, QUEUED_METRIC, 'Maximum', 'queued'),
            sig.metric(name, RUNNING_METRIC, 'Maximum', 'running'),
            sig.metric(name, FINISHED_METRIC, 'Sum', 'finished a minute'),
            sig.metric(name, QUERIES_INVISIBLE_METRIC, 'Sum', 'working, yet the coordinator lists no queries'),
          ],
          right: [sig.ratio(name)],
          rightAnnotations: [{ value: 1, label: 'ratio tracked at 1.0', color: '#2ca02c' }],
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: which rule decided (minutes per rule)`,
          width: 8,
          stacked: true,
          left: SCALING_RULES.map((rule) => sig.metric(name, DECISION_METRIC, 'Sum', rule, { Rule: rule })),
          right: [sig.metric(name, BACKLOG_SECONDS_METRIC, 'Maximum', 'backlog time (s)')],
        }),
        new cloudwatch.AlarmWidget({ title: `${name}: capacity ceiling: queries queueing`, width: 8, alarm: ceilingAlarm(ctx, name) }),
      );
      if (f.config.drainPricing) {
        // The drain's price check (docs/scaling.md): what it weighed near each deadline and what it did, and
        // how well the run-time history predicts (about 0.1 of queries past the 90th percentile when calibrated).
        dashboard.addWidgets(
          new cloudwatch.GraphWidget({
            title: `${name}: drain price check: queries a force would kill, drains extended`,
            width: 8,
            left: [sig.metric(name, DRAIN_QUERIES_AT_RISK_METRIC, 'Maximum', 'queries at risk (due drains)'), sig.metric(name, DRAINS_EXTENDED_METRIC, 'Sum', 'drains extended')],
            right: [sig.metric(name, REMAINING_UNDERRUN_METRIC, 'Average', 'share past the predicted 90th percentile')],
            rightAnnotations: [{ value: 0.1, label: 'calibrated', color: '#2ca02c' }],
          }),
        );
      }
    }
    const st = ctx.props.stragglers;
    if (f.config.stragglers && st) {
      const name = f.config.name;
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${name}: stragglers now, replaced, waiting for a replacement slot`,
          width: 8,
          left: [st.metric(name, STRAGGLERS_METRIC, 'Maximum', 'stragglers'), st.metric(name, REPLACEMENTS_METRIC, 'Sum', 'marked unhealthy for replacement')],
          right: [st.metric(name, DEFERRED_METRIC, 'Sum', 'replacement deferred (runs)'), st.metric(name, DETECTION_FAILED_METRIC, 'Sum', 'detection unavailable (runs)')],
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: bottlenecked workers (minutes in a row; a straggler at ${f.config.stragglers.detector.replaceAfterMinutes})`,
          width: 8,
          left: [st.bottlenecked(group)],
          leftAnnotations: [{ value: f.config.stragglers.detector.replaceAfterMinutes, label: 'straggler', color: '#d62728' }],
        }),
      );
    }
  }
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Drain duration p50 / p99 (s)', width: 8, left: [controllerMetric(ctx, 'DrainDurationSeconds', 'p50', Duration.minutes(5)), controllerMetric(ctx, 'DrainDurationSeconds', 'p99', Duration.minutes(5))] }),
    new cloudwatch.GraphWidget({ title: 'Forced terminations and tasks killed', width: 8, left: [controllerMetric(ctx, 'ForcedTerminations', 'Sum'), controllerMetric(ctx, 'TasksKilled', 'Sum')], right: [controllerMetric(ctx, 'GracefulCompletions', 'Sum')] }),
    new cloudwatch.GraphWidget({ title: 'Draining now / oldest drain (s)', width: 8, left: [controllerMetric(ctx, 'InstancesDraining', 'Maximum')], right: [controllerMetric(ctx, 'OldestDrainAgeSeconds', 'Maximum')] }),
    new cloudwatch.GraphWidget({
      title: 'Controller errors and throttles',
      width: 8,
      left: [controllerMetric(ctx, 'InstanceErrors', 'Sum'), ...[c.eventFunction, c.sweepFunction, c.terminationPolicyFunction].map((fn) => fn.metricErrors({ period: Duration.minutes(1), label: `${fn.node.id} errors` }))],
      right: [c.eventFunction, c.sweepFunction, c.terminationPolicyFunction].map((fn) => fn.metricThrottles({ period: Duration.minutes(1), label: `${fn.node.id} throttles` })),
    }),
    new cloudwatch.GraphWidget({ title: 'Dead-letter queue depth', width: 8, left: [c.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) })] }),
    new cloudwatch.GraphWidget({
      title: 'Boot installs failed (CodeDeploy agent, worker agent)',
      width: 8,
      left: ctx.props.fleets.map((f) => installFailures(ctx, f.config.name)),
    }),
    new cloudwatch.LogQueryWidget({
      title: 'Deployments (scale-in guard)',
      width: 8,
      logGroupNames: [ctx.guard.logGroup.logGroupName],
      queryLines: ['fields @timestamp, fleet, deploymentId, state, scaleInHeld', 'filter message = "deployment guard"', 'sort @timestamp desc', 'limit 20'],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.LogQueryWidget({
      title: 'Forced terminations: what was killed',
      width: 24,
      logGroupNames: [c.eventFunction.logGroup.logGroupName, c.sweepFunction.logGroup.logGroupName, ctx.runbooks['force-complete'].logGroup.logGroupName],
      queryLines: ['fields @timestamp, instanceId, fleet, tasksKilled, drainSeconds, requestedBy, reason', 'filter message like /forced/', 'sort @timestamp desc', 'limit 50'],
    }),
  );
  return dashboard;
}
