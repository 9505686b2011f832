export { contentBytes, createMemoryService } from './memory-service.js';
export type { MemoryChange, MemoryScope, MemoryService, NewFeedback, NewMemory } from './memory-service.js';
export { holdingRefusalError, holdingRefusalReasonOf } from './holding-refusal.js';
