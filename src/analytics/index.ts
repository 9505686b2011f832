export { summarizeUsage, groupRows, USAGE_DIMENSIONS } from './usage-summary.js';
export type { UsageDimension, UsageGroup, UsageQuery, UsageSummary } from './usage-summary.js';
