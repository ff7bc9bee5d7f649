import type { Telemetry } from './sdk.ts';

// The SDK is process-wide by nature (OpenTelemetry's API is a global), and register.ts runs before
// any of our modules, so the handle is handed over through a registered symbol rather than an import.
const key = Symbol.for('eventsourced-shop.telemetry');
type Holder = { [key]?: Telemetry };

export function publishTelemetry(telemetry: Telemetry): void {
  (globalThis as Holder)[key] = telemetry;
}

/** Flushes buffered spans and stops the SDK; a no-op when register.ts was not loaded. */
export async function shutdownTelemetry(): Promise<void> {
  const telemetry = (globalThis as Holder)[key];
  (globalThis as Holder)[key] = undefined;
  await telemetry?.shutdown();
}

/** Whether register.ts started the SDK in this process (and whether it exports spans). */
export const telemetryStatus = () => {
  const telemetry = (globalThis as Holder)[key];
  return { started: telemetry !== undefined, exporting: telemetry?.exporting ?? false };
};
