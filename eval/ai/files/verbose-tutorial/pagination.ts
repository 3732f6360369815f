/**
 * Describes a single page of results returned from a paginated query.
 *
 * @template T - The type of the items in the page.
 */
export interface Page<T> {
  /** The items on the current page. */
  items: T[];
  /** The current page number (1-based). */
  page: number;
  /** The maximum number of items per page. */
  pageSize: number;
  /** The total number of items across all pages. */
  totalItems: number;
  /** The total number of pages. */
  totalPages: number;
  /** Whether there is a next page available. */
  hasNextPage: boolean;
  /** Whether there is a previous page available. */
  hasPreviousPage: boolean;
}

/**
 * Splits an array of items into a single page.
 *
 * This helper is handy when you already have all of your data in memory
 * (for example, from a cached API response) and simply want to present it
 * to the user one page at a time.
 *
 * @param allItems - The full list of items to paginate.
 * @param page - The 1-based page number to return.
 * @param pageSize - The number of items per page.
 * @returns A {@link Page} object containing the requested slice of items.
 * @throws {RangeError} If `page` or `pageSize` is less than 1.
 */
export function paginate<T>(allItems: T[], page: number, pageSize: number): Page<T> {
  // Validate the input parameters to avoid confusing results
  if (page < 1) {
    throw new RangeError('Page number must be greater than or equal to 1.');
  }
  if (pageSize < 1) {
    throw new RangeError('Page size must be greater than or equal to 1.');
  }

  // Calculate the total number of items and pages
  const totalItems = allItems.length;
  const totalPages = Math.max(1, Math.ceil(totalItems / pageSize));

  // Calculate the start and end indices for the requested page
  const startIndex = (page - 1) * pageSize;
  const endIndex = startIndex + pageSize;

  // Extract the items for the current page
  const items = allItems.slice(startIndex, endIndex);

  // Build and return the page object
  return {
    items,
    page,
    pageSize,
    totalItems,
    totalPages,
    hasNextPage: page < totalPages,
    hasPreviousPage: page > 1,
  };
}
