/**
 * The in-process reference store. Guarantees every QuotaLedger rule within one process; keeps
 * nothing after the process ends and shares nothing with other processes.
 */
export { createRamStore } from './ram-store.js';
export type { RamStoreConfig } from './ram-store.js';
