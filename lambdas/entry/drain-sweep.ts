import { makeDrainSweepHandler } from '../handlers/drain-sweep';
import { controllerDeps } from './controller';
import { withMetrics } from './runtime';

export const handler = withMetrics(makeDrainSweepHandler(controllerDeps));
