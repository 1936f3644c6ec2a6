#!/usr/bin/env node
/** `npm run build:agent [outfile]`: the same agent bundle the stack ships, for running it by hand. */
import { resolve } from 'node:path';
import { bundleAgent } from '../lib/agent-bundle';

const outfile = resolve(process.argv[2] ?? 'dist/agent.js');
bundleAgent(outfile);
console.log(outfile);
