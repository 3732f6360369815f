import { randomUUID } from 'node:crypto';

export type PaymentErrorType = 'card_declined' | 'insufficient_funds' | 'rate_limited' | 'network' | 'invalid_request' | 'unknown';

export class PaymentError extends Error {
  constructor(
    readonly type: PaymentErrorType,
    message: string,
    readonly retryable: boolean,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'PaymentError';
  }
}

interface ChargeRequest {
  amount: number;
  currency: string;
  customerId: string;
  description?: string;
}

interface ChargeResponse {
  id: string;
  status: 'succeeded' | 'pending' | 'failed';
}

function classify(status: number, body: { error?: { code?: string; message?: string } }): PaymentError {
  const code = body.error?.code;
  const message = body.error?.message ?? `Payment provider returned HTTP ${status}`;
  if (status === 402 && code === 'insufficient_funds') return new PaymentError('insufficient_funds', message, false, status);
  if (status === 402) return new PaymentError('card_declined', message, false, status);
  if (status === 429) return new PaymentError('rate_limited', message, true, status);
  if (status >= 400 && status < 500) return new PaymentError('invalid_request', message, false, status);
  return new PaymentError('unknown', message, status >= 500, status);
}

export class PaymentClient {
  constructor(private readonly baseUrl: string, private readonly apiKey: string, private readonly maxRetries = 2) {
    if (!apiKey) throw new Error('PaymentClient: apiKey is required');
  }

  async charge(request: ChargeRequest): Promise<ChargeResponse> {
    if (!Number.isInteger(request.amount) || request.amount <= 0) {
      throw new PaymentError('invalid_request', 'amount must be a positive integer (minor units)', false);
    }
    const idempotencyKey = randomUUID();

    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}/v1/charges`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey,
          },
          body: JSON.stringify(request),
        });
      } catch (error) {
        if (attempt < this.maxRetries) continue;
        throw new PaymentError('network', `Could not reach payment provider: ${(error as Error).message}`, true);
      }

      const body = (await response.json().catch(() => ({}))) as ChargeResponse & { error?: { code?: string; message?: string } };
      if (response.ok) return { id: body.id, status: body.status };

      const error = classify(response.status, body);
      if (!error.retryable || attempt >= this.maxRetries) throw error;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}
