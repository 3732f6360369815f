// Names the capture side (src/capture), the collector (engine/collector.ts, app/) and the record
// parser (attest/agent-trace.ts) share: the spool record's schema id and the key of trailmark's
// own block in an Agent Trace record's `metadata`.

/** Schema id of a spool record (docs/spool.md) and of each record in a collector batch. */
export const SPOOL_RECORD_SCHEMA = 'trailmark.spool/v1';

/** Key of trailmark's own block in an Agent Trace record's `metadata`. */
export const TRACE_METADATA_KEY = 'dev.trailmark';

/** The collector's wire schema ids (docs/collector-protocol.md). */
export const DEVICE_SCHEMA = 'trailmark.device/v1';
export const BATCH_SCHEMA = 'trailmark.batch/v1';
export const RECEIPT_SCHEMA = 'trailmark.receipt/v1';
