export { summarizeUsage, groupRows, groupRowsByType, TYPED_DIMENSIONS, USAGE_DIMENSIONS } from './usage-summary.js';
export type { TypedDimension, TypedUsageGroup, UsageDimension, UsageGroup, UsageQuery, UsageSummary } from './usage-summary.js';
export { createUsageReports } from './usage-report.js';
export type { UsageReport, UsageReportRequest, UsageReports, UsageScope } from './usage-report.js';
export { resolveUsageView } from './usage-access.js';
export type { UsageAsk, UsageCaller, UsageView } from './usage-access.js';
