import type { Logger } from './logger';
import type { OrderRepository, PaymentGateway, InventoryClient } from './ports';

export class OrderError extends Error {
  constructor(
    message: string,
    public readonly code: 'NOT_FOUND' | 'OUT_OF_STOCK' | 'PAYMENT_FAILED' | 'INVALID_STATE',
    public readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'OrderError';
  }
}

export interface PlaceOrderInput {
  customerId: string;
  items: { sku: string; quantity: number }[];
  paymentMethodId: string;
}

export class OrderService {
  constructor(
    private readonly orders: OrderRepository,
    private readonly payments: PaymentGateway,
    private readonly inventory: InventoryClient,
    private readonly logger: Logger,
  ) {}

  async placeOrder(input: PlaceOrderInput): Promise<string> {
    if (!input.customerId) {
      throw new OrderError('customerId is required', 'INVALID_STATE');
    }
    if (!Array.isArray(input.items) || input.items.length === 0) {
      throw new OrderError('order must contain at least one item', 'INVALID_STATE');
    }

    let reservationId: string | undefined;
    try {
      reservationId = await this.inventory.reserve(input.items);
    } catch (error) {
      this.logger.error('Failed to reserve inventory', { customerId: input.customerId, error });
      throw new OrderError('One or more items are out of stock', 'OUT_OF_STOCK', error);
    }

    const order = await this.orders.create({
      customerId: input.customerId,
      items: input.items,
      status: 'pending',
      reservationId,
    });

    try {
      await this.payments.charge(order.id, order.total, input.paymentMethodId);
    } catch (error) {
      this.logger.error('Payment failed, releasing reservation', { orderId: order.id, error });
      try {
        await this.inventory.release(reservationId);
      } catch (releaseError) {
        this.logger.error('Failed to release reservation after payment failure', {
          orderId: order.id,
          reservationId,
          error: releaseError,
        });
      }
      await this.orders.updateStatus(order.id, 'failed');
      throw new OrderError(`Payment failed for order ${order.id}`, 'PAYMENT_FAILED', error);
    }

    await this.orders.updateStatus(order.id, 'paid');
    this.logger.info('Order placed successfully', { orderId: order.id });
    return order.id;
  }

  async cancelOrder(orderId: string): Promise<void> {
    const order = await this.orders.findById(orderId);
    if (!order) {
      throw new OrderError(`Order ${orderId} not found`, 'NOT_FOUND');
    }
    if (order.status === 'shipped' || order.status === 'cancelled') {
      throw new OrderError(`Cannot cancel order in status ${order.status}`, 'INVALID_STATE');
    }

    try {
      if (order.status === 'paid') {
        await this.payments.refund(order.id);
      }
      if (order.reservationId) {
        await this.inventory.release(order.reservationId);
      }
      await this.orders.updateStatus(order.id, 'cancelled');
    } catch (error) {
      this.logger.error('Failed to cancel order', { orderId, error });
      throw error;
    }
  }
}
