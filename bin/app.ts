#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { environments } from '../config/environments';
import { ConfigError } from '../lib/config';
import { buildApp, parseSelectedEnvironments } from '../lib/app';

const app = new App();
try {
  buildApp(app, { environments, selected: parseSelectedEnvironments(app.node.tryGetContext('env')) });
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
app.synth();
