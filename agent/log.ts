/** How the agent and its start gate log: JSON lines that systemd hands to the journal. */

export interface AgentLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** JSON lines on stdout/stderr, which systemd hands to the journal. */
export const jsonLog: AgentLog = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'INFO', message, ...fields, time: new Date().toISOString() })),
  warn: (message, fields) => console.error(JSON.stringify({ level: 'WARN', message, ...fields, time: new Date().toISOString() })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'ERROR', message, ...fields, time: new Date().toISOString() })),
};

export function message(e: unknown): string {
  return String((e as Error)?.message ?? e).slice(0, 500);
}
