// The installation ledgers in PostgreSQL: one log `installation/<id>` per installation in the
// ledger store of src/ledger/store/postgres.ts (same entry bytes, checkpoints and proofs as the
// directory store), and the App's per-installation locks as session-level advisory locks (the
// server releases them when a replica dies, so a killed replica never leaves one held).
import { advisoryKey, listPostgresLogs, openPostgresStore, type SqlClient } from '../../src/ledger/store/postgres.js';
import type { InstallationStores } from '../ledgers.js';

const LOG_NAME = /^installation\/([1-9][0-9]{0,15})$/;

export function installationLogName(installationId: number): string {
  return `installation/${installationId}`;
}

export function pgInstallationStores(sql: SqlClient, schema: string): InstallationStores {
  const holding = async <T>(key: bigint, fn: () => Promise<T>): Promise<T> => {
    const session = await sql.lockedSession(key);
    try {
      return await fn();
    } finally {
      await session.release();
    }
  };
  return {
    open: (id, create) => openPostgresStore(sql, { log: installationLogName(id), schema, create }),
    installations: async () => {
      const ids: number[] = [];
      for (const name of await listPostgresLogs(sql, schema)) {
        const m = LOG_NAME.exec(name);
        if (m !== null && Number.isSafeInteger(Number(m[1]))) ids.push(Number(m[1]));
      }
      return ids.sort((a, b) => a - b);
    },
    exclusive: (id, purpose, fn) => holding(advisoryKey('app', schema, purpose, String(id)), fn),
    appendTurn: (id, fn) => holding(advisoryKey('app', schema, 'append', String(id)), fn),
  };
}
