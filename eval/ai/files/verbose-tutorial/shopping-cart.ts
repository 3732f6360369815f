/**
 * Represents a single item in the shopping cart.
 */
export interface CartItem {
  /** The unique identifier of the product. */
  productId: string;
  /** The display name of the product. */
  name: string;
  /** The unit price of the product, in cents. */
  unitPrice: number;
  /** The number of units of this product in the cart. */
  quantity: number;
}

/**
 * A simple shopping cart implementation.
 *
 * The cart keeps track of the items a user intends to purchase and provides
 * helper methods for adding, removing, and updating items, as well as
 * calculating totals.
 */
export class ShoppingCart {
  /** The items currently in the cart, keyed by product ID. */
  private items: Map<string, CartItem> = new Map();

  /**
   * Adds an item to the cart. If the item already exists, its quantity is increased.
   *
   * @param item - The item to add (quantity defaults to 1 if not provided).
   */
  addItem(item: Omit<CartItem, 'quantity'> & { quantity?: number }): void {
    // Default the quantity to 1 if it was not provided
    const quantity = item.quantity ?? 1;

    // Validate the quantity
    if (quantity <= 0) {
      throw new Error('Quantity must be greater than zero.');
    }

    // Check whether the product is already in the cart
    const existing = this.items.get(item.productId);
    if (existing) {
      // Increase the quantity of the existing item
      existing.quantity += quantity;
    } else {
      // Add a new entry for this product
      this.items.set(item.productId, { ...item, quantity });
    }
  }

  /**
   * Removes an item from the cart entirely.
   *
   * @param productId - The ID of the product to remove.
   * @returns `true` if the item was removed, `false` if it was not in the cart.
   */
  removeItem(productId: string): boolean {
    return this.items.delete(productId);
  }

  /**
   * Updates the quantity of an item in the cart.
   *
   * @param productId - The ID of the product to update.
   * @param quantity - The new quantity. If zero, the item is removed.
   */
  updateQuantity(productId: string, quantity: number): void {
    const item = this.items.get(productId);

    // Make sure the item exists before updating it
    if (!item) {
      throw new Error(`Product ${productId} is not in the cart.`);
    }

    // Remove the item if the quantity is zero
    if (quantity === 0) {
      this.items.delete(productId);
      return;
    }

    item.quantity = quantity;
  }

  /**
   * Calculates the subtotal of all items in the cart.
   *
   * @returns The subtotal in cents.
   */
  getSubtotal(): number {
    let subtotal = 0;
    for (const item of this.items.values()) {
      subtotal += item.unitPrice * item.quantity;
    }
    return subtotal;
  }

  /**
   * Returns the total number of units in the cart.
   *
   * @returns The total item count.
   */
  getItemCount(): number {
    return Array.from(this.items.values()).reduce((count, item) => count + item.quantity, 0);
  }

  /**
   * Removes all items from the cart.
   */
  clear(): void {
    this.items.clear();
  }
}
