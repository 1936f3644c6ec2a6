/**
 * SDK client settings shared by every adapter. Adaptive retry mode adds client-side rate limiting with
 * jittered backoff on throttling, which mass scale-in needs: peers lost hooks to "Rate exceeded".
 * (AWS SDKs and Tools reference guide, "Retry behavior": standard and adaptive modes.)
 */
export const RETRY_SETTINGS = { retryMode: 'adaptive', maxAttempts: 8 } as const;
