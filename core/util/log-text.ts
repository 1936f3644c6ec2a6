/**
 * Bounds on what reaches a log line. Events, runbook inputs and error messages carry text a caller chose;
 * a log line built from them is capped so a hostile or broken input cannot flood CloudWatch Logs (each
 * event is at most 256 KB, Lambda's log line limit; we keep far below) or hide the line that matters.
 */

/** At most this much of any caller-controlled text reaches a log line. */
export const LOG_TEXT_MAX = 200;

/** The text, cut to `max` characters with an ellipsis and the original length when cut. */
export function capText(text: string, max = LOG_TEXT_MAX): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** Any value as bounded text: strings capped, anything else as capped JSON. */
export function capValue(value: unknown, max = LOG_TEXT_MAX): string {
  if (typeof value === 'string') return capText(value, max);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return capText(json ?? String(value), max);
}

/** An error's message, capped: SDK and parser messages may quote the input that caused them. */
export function capError(e: unknown, max = LOG_TEXT_MAX): string {
  return capText(String((e as Error)?.message ?? e), max);
}
