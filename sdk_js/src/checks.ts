// ATTUNE_CHECKS: whether to check the input of the SDK's callers (TypeErrors with messages for
// developers). The SDK's own builds define it as true; the widget, the only caller inside its bundle,
// defines it as false and esbuild drops the checks there, as bundlers drop NODE_ENV !== "production" code.

declare global {
  const ATTUNE_CHECKS: boolean;
}

export {};
