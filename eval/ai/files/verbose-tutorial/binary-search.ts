/**
 * Performs a binary search on a sorted array to find the index of a target value.
 *
 * Binary search works by repeatedly dividing the search interval in half. If the
 * value of the target is less than the item in the middle of the interval, the
 * search continues in the lower half. Otherwise, it continues in the upper half.
 *
 * Time complexity: O(log n)
 * Space complexity: O(1)
 *
 * @param sortedArray - An array of numbers sorted in ascending order.
 * @param target - The value to search for.
 * @returns The index of the target if found, otherwise -1.
 *
 * @example
 * ```ts
 * binarySearch([1, 3, 5, 7, 9], 7); // returns 3
 * binarySearch([1, 3, 5, 7, 9], 4); // returns -1
 * ```
 */
export function binarySearch(sortedArray: number[], target: number): number {
  // Initialize the left and right pointers
  let left = 0;
  let right = sortedArray.length - 1;

  // Continue searching while the search space is not empty
  while (left <= right) {
    // Calculate the middle index (using this form to avoid potential overflow)
    const mid = left + Math.floor((right - left) / 2);

    // Check if we found the target
    if (sortedArray[mid] === target) {
      return mid;
    }

    // If the target is greater, ignore the left half
    if (sortedArray[mid] < target) {
      left = mid + 1;
    } else {
      // If the target is smaller, ignore the right half
      right = mid - 1;
    }
  }

  // The target was not found in the array
  return -1;
}

/**
 * Finds the index at which a value should be inserted to keep the array sorted.
 *
 * @param sortedArray - An array of numbers sorted in ascending order.
 * @param value - The value to insert.
 * @returns The index where the value should be inserted.
 */
export function findInsertionIndex(sortedArray: number[], value: number): number {
  let left = 0;
  let right = sortedArray.length;

  // Narrow down the range until left and right meet
  while (left < right) {
    const mid = Math.floor((left + right) / 2);
    if (sortedArray[mid] < value) {
      left = mid + 1;
    } else {
      right = mid;
    }
  }

  return left;
}
