import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export interface ObjectStore {
  putObject(params: { bucket: string; key: string; body: NodeJS.ReadableStream; contentLength: number }): Promise<{ etag: string }>;
}

export class UploadError extends Error {
  constructor(message: string, readonly retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UploadError';
  }
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'SlowDown', 'RequestTimeout']);

function isRetryable(error: unknown): boolean {
  if (error instanceof UploadError) return error.retryable;
  const code = (error as { code?: string; name?: string } | null)?.code ?? (error as { name?: string } | null)?.name;
  return code !== undefined && RETRYABLE_CODES.has(code);
}

export async function uploadFile(
  store: ObjectStore,
  bucket: string,
  key: string,
  filePath: string,
  maxAttempts = 3,
): Promise<string> {
  let size: number;
  try {
    size = (await stat(filePath)).size;
  } catch (error) {
    throw new UploadError(`Cannot read file ${filePath}`, false, { cause: error });
  }

  if (size === 0) {
    throw new UploadError(`Refusing to upload empty file ${filePath}`, false);
  }

  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const { etag } = await store.putObject({ bucket, key, body: createReadStream(filePath), contentLength: size });
      if (!etag) {
        throw new UploadError(`Upload of ${key} returned no ETag`, true);
      }
      return etag;
    } catch (error) {
      lastError = error;
      if (!isRetryable(error) || attempt === maxAttempts) {
        break;
      }
      const delay = 200 * 2 ** (attempt - 1);
      console.warn(`Upload attempt ${attempt} for ${key} failed, retrying in ${delay}ms`, error);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  throw new UploadError(`Failed to upload ${filePath} to s3://${bucket}/${key}`, isRetryable(lastError), { cause: lastError });
}
