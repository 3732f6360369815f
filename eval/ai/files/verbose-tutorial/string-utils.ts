/**
 * Converts a string to title case.
 *
 * Each word in the input string will have its first letter capitalized and
 * the remaining letters converted to lowercase.
 *
 * @param input - The string to convert.
 * @returns The title-cased string.
 *
 * @example
 * toTitleCase('hello world'); // 'Hello World'
 */
export function toTitleCase(input: string): string {
  return input
    .split(' ')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join(' ');
}

/**
 * Converts a camelCase or PascalCase string to kebab-case.
 *
 * @param input - The string to convert.
 * @returns The kebab-cased string.
 *
 * @example
 * toKebabCase('myVariableName'); // 'my-variable-name'
 */
export function toKebabCase(input: string): string {
  return input
    // Insert a hyphen between lowercase and uppercase letters
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    // Replace spaces and underscores with hyphens
    .replace(/[\s_]+/g, '-')
    // Convert the entire string to lowercase
    .toLowerCase();
}

/**
 * Truncates a string to the specified maximum length, appending an ellipsis
 * if the string was shortened.
 *
 * @param input - The string to truncate.
 * @param maxLength - The maximum allowed length, including the ellipsis.
 * @returns The truncated string.
 */
export function truncate(input: string, maxLength: number): string {
  // If the string is already short enough, return it unchanged
  if (input.length <= maxLength) {
    return input;
  }

  // Make sure we leave room for the ellipsis
  const ellipsis = '...';
  const sliceLength = Math.max(0, maxLength - ellipsis.length);

  return input.slice(0, sliceLength) + ellipsis;
}

/**
 * Checks whether a string is a palindrome, ignoring case and non-alphanumeric characters.
 *
 * @param input - The string to check.
 * @returns `true` if the string is a palindrome, otherwise `false`.
 */
export function isPalindrome(input: string): boolean {
  // Normalize the string by removing non-alphanumeric characters and lowercasing it
  const normalized = input.toLowerCase().replace(/[^a-z0-9]/g, '');

  // Compare the normalized string with its reverse
  return normalized === normalized.split('').reverse().join('');
}
