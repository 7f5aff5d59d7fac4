// ATTUNE_CHECKS: whether to check the input of the SDK's callers (TypeErrors with messages for
// developers). The SDK's own builds define it as true; the widget, the only caller inside its bundle,
// defines it as false and esbuild drops the checks there, as bundlers drop NODE_ENV !== "production" code.

// ATTUNE_ANYWHERE: whether the SDK may run where a browser API is missing (a bare JS engine, server
// rendering, an old browser): true in the SDK's builds. The widget only runs in browsers with constructable
// stylesheets, which all have crypto, TextEncoder, AbortController and sendBeacon: false there, so the
// fallbacks are left out of every page's core.

declare global {
  const ATTUNE_CHECKS: boolean;
  const ATTUNE_ANYWHERE: boolean;
}

export {};
