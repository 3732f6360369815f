/**
 * Represents the shape of a user registration payload.
 */
export interface UserRegistration {
  /** The user's email address. */
  email: string;
  /** The user's chosen password. */
  password: string;
  /** The user's display name. */
  displayName: string;
  /** The user's age in years (optional). */
  age?: number;
}

/**
 * Represents the result of validating a user registration payload.
 */
export interface ValidationResult {
  /** Whether the payload passed all validation checks. */
  isValid: boolean;
  /** A map of field names to human-readable error messages. */
  errors: Record<string, string>;
}

// A simple regular expression for validating email addresses.
// Note: This is intentionally not RFC 5322 compliant, but covers the common cases.
const EMAIL_REGEX = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Minimum password length required by our security policy
const MIN_PASSWORD_LENGTH = 8;

/**
 * Validates a user registration payload.
 *
 * This function checks each field of the payload and collects any validation
 * errors into a single result object, so that all problems can be reported
 * to the user at once rather than one at a time.
 *
 * @param input - The registration payload to validate.
 * @returns A {@link ValidationResult} describing whether the input is valid.
 */
export function validateRegistration(input: UserRegistration): ValidationResult {
  // Initialize an empty errors object to collect validation messages
  const errors: Record<string, string> = {};

  // Step 1: Validate the email address
  if (!input.email || input.email.trim().length === 0) {
    errors.email = 'Email is required.';
  } else if (!EMAIL_REGEX.test(input.email)) {
    errors.email = 'Please enter a valid email address.';
  }

  // Step 2: Validate the password
  if (!input.password) {
    errors.password = 'Password is required.';
  } else if (input.password.length < MIN_PASSWORD_LENGTH) {
    errors.password = `Password must be at least ${MIN_PASSWORD_LENGTH} characters long.`;
  } else if (!/[A-Z]/.test(input.password) || !/[0-9]/.test(input.password)) {
    // Ensure the password contains at least one uppercase letter and one digit
    errors.password = 'Password must contain at least one uppercase letter and one number.';
  }

  // Step 3: Validate the display name
  if (!input.displayName || input.displayName.trim().length === 0) {
    errors.displayName = 'Display name is required.';
  } else if (input.displayName.length > 50) {
    errors.displayName = 'Display name must be 50 characters or fewer.';
  }

  // Step 4: Validate the age, if it was provided
  if (input.age !== undefined) {
    if (!Number.isInteger(input.age) || input.age < 13) {
      errors.age = 'You must be at least 13 years old to register.';
    }
  }

  // Return the final validation result
  return {
    isValid: Object.keys(errors).length === 0,
    errors,
  };
}
