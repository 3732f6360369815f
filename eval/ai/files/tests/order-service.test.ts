import { beforeEach, describe, expect, it, vi } from 'vitest';
import { OrderError, OrderService } from '../src/order-service';

describe('OrderService', () => {
  let orders: any;
  let payments: any;
  let inventory: any;
  let logger: any;
  let service: OrderService;

  beforeEach(() => {
    orders = {
      create: vi.fn().mockResolvedValue({ id: 'order-1', total: 4200 }),
      updateStatus: vi.fn().mockResolvedValue(undefined),
      findById: vi.fn(),
    };
    payments = { charge: vi.fn().mockResolvedValue(undefined), refund: vi.fn().mockResolvedValue(undefined) };
    inventory = { reserve: vi.fn().mockResolvedValue('res-1'), release: vi.fn().mockResolvedValue(undefined) };
    logger = { info: vi.fn(), error: vi.fn() };
    service = new OrderService(orders, payments, inventory, logger);
  });

  describe('placeOrder', () => {
    const input = { customerId: 'c-1', items: [{ sku: 'A', quantity: 2 }], paymentMethodId: 'pm-1' };

    it('creates, charges and marks the order as paid', async () => {
      await expect(service.placeOrder(input)).resolves.toBe('order-1');
      expect(payments.charge).toHaveBeenCalledWith('order-1', 4200, 'pm-1');
      expect(orders.updateStatus).toHaveBeenCalledWith('order-1', 'paid');
    });

    it('throws OUT_OF_STOCK when the reservation fails', async () => {
      inventory.reserve.mockRejectedValue(new Error('no stock'));
      await expect(service.placeOrder(input)).rejects.toMatchObject({ code: 'OUT_OF_STOCK' });
      expect(orders.create).not.toHaveBeenCalled();
    });

    it('releases the reservation when payment fails', async () => {
      payments.charge.mockRejectedValue(new Error('card declined'));
      await expect(service.placeOrder(input)).rejects.toBeInstanceOf(OrderError);
      expect(inventory.release).toHaveBeenCalledWith('res-1');
      expect(orders.updateStatus).toHaveBeenCalledWith('order-1', 'failed');
    });

    it('rejects an empty order', async () => {
      await expect(service.placeOrder({ ...input, items: [] })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    });
  });

  describe('cancelOrder', () => {
    it('throws NOT_FOUND for an unknown order', async () => {
      orders.findById.mockResolvedValue(null);
      await expect(service.cancelOrder('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refunds a paid order before cancelling it', async () => {
      orders.findById.mockResolvedValue({ id: 'order-1', status: 'paid', reservationId: 'res-1' });
      await service.cancelOrder('order-1');
      expect(payments.refund).toHaveBeenCalledWith('order-1');
      expect(inventory.release).toHaveBeenCalledWith('res-1');
      expect(orders.updateStatus).toHaveBeenCalledWith('order-1', 'cancelled');
    });
  });
});
