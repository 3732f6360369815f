import { describe, it, expect } from 'vitest';
import { validateRegistration } from '../src/user-validation';

describe('validateRegistration', () => {
  const validInput = {
    email: 'jane@example.com',
    password: 'Secret123',
    displayName: 'Jane',
  };

  it('returns isValid true for a valid payload', () => {
    const result = validateRegistration(validInput);
    expect(result.isValid).toBe(true);
    expect(result.errors).toEqual({});
  });

  it.each([
    ['', 'Email is required.'],
    ['not-an-email', 'Please enter a valid email address.'],
  ])('rejects email %j', (email, message) => {
    const result = validateRegistration({ ...validInput, email });
    expect(result.isValid).toBe(false);
    expect(result.errors.email).toBe(message);
  });

  it('rejects a short password', () => {
    const result = validateRegistration({ ...validInput, password: 'Ab1' });
    expect(result.errors.password).toMatch(/at least 8 characters/);
  });

  it('requires an uppercase letter and a digit in the password', () => {
    const result = validateRegistration({ ...validInput, password: 'alllowercase' });
    expect(result.errors.password).toContain('uppercase');
  });

  it('rejects users younger than 13', () => {
    const result = validateRegistration({ ...validInput, age: 12 });
    expect(result.errors.age).toBeDefined();
  });

  it('collects multiple errors at once', () => {
    const result = validateRegistration({ email: '', password: '', displayName: '' });
    expect(Object.keys(result.errors).sort()).toEqual(['displayName', 'email', 'password']);
  });
});
