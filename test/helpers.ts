import { App } from 'aws-cdk-lib';
import * as cdkJson from '../cdk.json';

/**
 * An App with cdk.json's feature flags, as real synth has them. Bundling is skipped unless asked for:
 * construct tests assert on templates, not on esbuild output.
 */
export function makeApp(options: { bundle?: boolean; context?: Record<string, unknown> } = {}): App {
  return new App({
    context: {
      ...cdkJson.context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
}
