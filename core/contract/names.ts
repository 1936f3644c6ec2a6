/**
 * Names the stack writes and the instances' runtimes read, defined once. Changing one after a deploy
 * orphans what the old name pointed at.
 */

/** The agent's systemd unit (lib/worker-agent.ts writes it; the worker's own unit may not be it). */
export const AGENT_SERVICE = 'graceful-autoscaler-agent.service';
/** The worker's start gate's systemd unit (agent/in-service.ts). */
export const GATE_SERVICE = 'graceful-autoscaler-in-service.service';
