import { makeDrainSweepHandler } from '../drain/sweep';
import { controllerDeps } from './controller';
import { withMetrics } from './runtime';

export const handler = withMetrics(makeDrainSweepHandler(controllerDeps));
