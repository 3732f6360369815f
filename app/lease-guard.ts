// A run whose queue lost the job's lease must stop at its next step and write nothing more
// (queue.ts, JobRunner.run): another replica may be running the same job by then. The ports the
// engine's use cases call are wrapped here so that each call first checks the run's AbortSignal:
// every read (the change, the policy, the records) and every write (a check run, a reply) is a
// step boundary, and the engine, which does no I/O of its own, needs no change. Ledger appends
// check it inside the installation's append turn (ledgers.ts), the last moment before the write.
// A step already under way when the lease is lost (one GitHub request) finishes; the queue
// discards what the run ends with.
import type { ChangeSource, CheckSink, PolicySource, RecordSource } from '../src/core/ports.js';

/** A signal that never aborts: a run outside a lease (the file queue, a direct call). */
export const NOT_ABORTED: AbortSignal = new AbortController().signal;

export function guardedChanges(source: ChangeSource, signal: AbortSignal): ChangeSource {
  return {
    load: () => {
      signal.throwIfAborted();
      return source.load();
    },
  };
}

export function guardedPolicy(policy: PolicySource, signal: AbortSignal): PolicySource {
  const organization = policy.organization?.bind(policy);
  return {
    atBase: () => {
      signal.throwIfAborted();
      return policy.atBase();
    },
    ...(organization === undefined ? {} : {
      organization: () => {
        signal.throwIfAborted();
        return organization();
      },
    }),
  };
}

export function guardedRecords(records: RecordSource, signal: AbortSignal): RecordSource {
  return {
    load: () => {
      signal.throwIfAborted();
      return records.load();
    },
  };
}

export function guardedChecks(sink: CheckSink, signal: AbortSignal): CheckSink {
  return {
    publish: (check) => {
      signal.throwIfAborted();
      return sink.publish(check);
    },
  };
}
