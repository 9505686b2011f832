export { createMeter } from './meter.js';
export type { ChargeOptions, Meter, MeterOptions } from './meter.js';
export type { Decision, Granted, Refused, ScopeUsage } from './decision.js';
export type { TenantContext } from './tenant-context.js';
export { systemClock } from './system-clock.js';
