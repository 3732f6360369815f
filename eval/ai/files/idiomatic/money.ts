export type Currency = 'USD' | 'EUR' | 'GBP' | 'JPY';

const MINOR_UNITS: Record<Currency, number> = { USD: 2, EUR: 2, GBP: 2, JPY: 0 };

export class Money {
  private constructor(readonly minor: bigint, readonly currency: Currency) {}

  static of(amount: string, currency: Currency): Money {
    const digits = MINOR_UNITS[currency];
    const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount.trim());
    if (!match) throw new Error(`invalid amount: ${amount}`);
    const [, sign, whole, frac = ''] = match;
    if (frac.length > digits) throw new Error(`${currency} supports ${digits} decimal places`);
    const minor = BigInt(whole! + frac.padEnd(digits, '0'));
    return new Money(sign ? -minor : minor, currency);
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.minor + other.minor, this.currency);
  }

  subtract(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.minor - other.minor, this.currency);
  }

  toString(): string {
    const digits = MINOR_UNITS[this.currency];
    const abs = this.minor < 0n ? -this.minor : this.minor;
    const s = abs.toString().padStart(digits + 1, '0');
    const body = digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
    return `${this.minor < 0n ? '-' : ''}${body} ${this.currency}`;
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) throw new Error(`currency mismatch: ${this.currency} vs ${other.currency}`);
  }
}
