export interface Connection {
  query<T = unknown>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  release(): void;
}

export interface Pool {
  connect(): Promise<Connection>;
}

export class TransactionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransactionError';
  }
}

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

export async function withTransaction<T>(pool: Pool, work: (conn: Connection) => Promise<T>, retries = 3): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let conn: Connection;
    try {
      conn = await pool.connect();
    } catch (error) {
      throw new TransactionError('Failed to acquire a database connection', { cause: error });
    }

    try {
      await conn.query('BEGIN');
      const result = await work(conn);
      await conn.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await conn.query('ROLLBACK');
      } catch (rollbackError) {
        console.error('Rollback failed', rollbackError);
      }

      const code = (error as { code?: string }).code;
      const retryable = code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
      if (retryable && attempt < retries) {
        continue;
      }
      throw error instanceof TransactionError ? error : new TransactionError('Transaction failed', { cause: error });
    } finally {
      conn.release();
    }
  }
}
