import { describe, expect, it } from 'vitest';
import { Money } from '../src/money';

describe('Money', () => {
  it('parses and formats amounts', () => {
    expect(Money.of('12.5', 'USD').toString()).toBe('12.50 USD');
    expect(Money.of('-0.05', 'EUR').toString()).toBe('-0.05 EUR');
    expect(Money.of('1500', 'JPY').toString()).toBe('1500 JPY');
  });

  it('adds and subtracts amounts in the same currency', () => {
    const a = Money.of('10.10', 'USD');
    const b = Money.of('0.95', 'USD');
    expect(a.add(b).toString()).toBe('11.05 USD');
    expect(b.subtract(a).toString()).toBe('-9.15 USD');
  });

  it('rejects too many decimal places', () => {
    expect(() => Money.of('1.005', 'USD')).toThrow(/2 decimal places/);
    expect(() => Money.of('1.5', 'JPY')).toThrow();
  });

  it('rejects mixing currencies', () => {
    expect(() => Money.of('1', 'USD').add(Money.of('1', 'EUR'))).toThrow('currency mismatch');
  });

  it('rejects malformed input', () => {
    expect(() => Money.of('abc', 'USD')).toThrow('invalid amount');
  });
});
