export { summarizeUsage, groupRows, USAGE_DIMENSIONS } from './usage-summary.js';
export type { UsageDimension, UsageGroup, UsageQuery, UsageSummary } from './usage-summary.js';
export { createUsageReports } from './usage-report.js';
export type { UsageReport, UsageReportRequest, UsageReports } from './usage-report.js';
