// GitHub platform limits, each with its source. Changing one changes behaviour visible to users.

/** "Each request can include up to 50 annotations" — REST: checks/runs, update a check run. */
export const CHECK_RUN_ANNOTATIONS_PER_REQUEST = 50;

/** Check run `output.summary` and `output.text`: "maximum 65535 characters" — REST: checks/runs. */
export const CHECK_RUN_SUMMARY_MAX_CHARS = 65_535;

/** Check run `output.title` is shown in one line; longer titles are cut by the UI. */
export const CHECK_RUN_TITLE_MAX_CHARS = 255;

/** Annotation `message`: "64 KB" — REST: checks/runs, annotations object. Kept well below. */
export const CHECK_RUN_ANNOTATION_MESSAGE_MAX_CHARS = 4_096;

/** "Responses include a maximum of 3000 files" — REST: pulls, list pull request files. */
export const PULL_REQUEST_FILES_LIMIT = 3_000;

/** "Lists a maximum of 250 commits for a pull request" — REST: pulls, list commits on a pull request. */
export const PULL_REQUEST_COMMITS_REST_LIMIT = 250;

/** Largest page size of list endpoints — REST: "Using pagination in the REST API". */
export const REST_PER_PAGE_MAX = 100;

/**
 * Workflow annotations: "a maximum of 10 warning annotations ... per step" are displayed (and as
 * many notices) — Actions docs, workflow commands, "Setting a warning message".
 */
export const WORKFLOW_ANNOTATIONS_DISPLAYED_PER_STEP = 10;

/** Job summary: "the maximum size of a job summary is 1 MiB" per step — Actions docs, "Adding a job summary". */
export const JOB_SUMMARY_MAX_BYTES = 1024 * 1024;

/** Contents API with the raw media type serves files up to 100 MB; we read far less (our cap). */
export const HEAD_TEXT_MAX_BYTES = 1024 * 1024;

/**
 * Secondary rate limit without `retry-after`: "wait for at least one minute before retrying"
 * — REST: "Rate limits for the REST API", handling rate limit errors.
 */
export const SECONDARY_RATE_LIMIT_DEFAULT_WAIT_MS = 60_000;

/** "The response includes a maximum of 300 files" — REST: commits, compare two commits. */
export const COMPARE_FILES_LIMIT = 300;

/**
 * "If there are more than 300 files in the commit diff and the request is not paginated, the
 * response includes a maximum of 3000 files" — REST: commits, get a commit. A commit that lists
 * this many may have changed more: its file list cannot be trusted for line tracking.
 */
export const COMMIT_FILES_LIMIT = 3_000;

/**
 * Blob reads per GraphQL query (numbered `object(expression:)` aliases). GitHub documents no
 * alias limit; each lookup costs no connection points, and 100 keeps a response (text of up to
 * 100 files) well inside the 10-second query timeout — GraphQL docs, "Rate limits and query limits".
 */
export const BLOBS_PER_GRAPHQL_QUERY = 100;

/** Commit reads (REST) in flight at once during line attribution. */
export const COMMIT_READ_CONCURRENCY = 4;
