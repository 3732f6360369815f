/**
 * A generic listener function type for events.
 *
 * @template T - The type of the payload passed to the listener.
 */
type Listener<T> = (payload: T) => void;

/**
 * A strongly-typed event emitter.
 *
 * This class allows you to subscribe to, unsubscribe from, and emit events
 * with full type safety. The generic parameter `Events` is a map from event
 * names to the type of payload each event carries.
 *
 * @template Events - A record mapping event names to payload types.
 *
 * @example
 * ```ts
 * type AppEvents = { login: { userId: string }; logout: void };
 * const emitter = new TypedEventEmitter<AppEvents>();
 * emitter.on('login', ({ userId }) => console.log(`User ${userId} logged in`));
 * emitter.emit('login', { userId: '42' });
 * ```
 */
export class TypedEventEmitter<Events extends Record<string, unknown>> {
  /**
   * Internal storage for all registered listeners, grouped by event name.
   */
  private listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};

  /**
   * Registers a listener for the specified event.
   *
   * @param event - The name of the event to listen for.
   * @param listener - The callback to invoke when the event is emitted.
   * @returns A function that removes the listener when called.
   */
  public on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    // Create the listener set for this event if it doesn't exist yet
    if (!this.listeners[event]) {
      this.listeners[event] = new Set();
    }

    // Add the listener to the set
    this.listeners[event]!.add(listener);

    // Return an unsubscribe function for convenience
    return () => this.off(event, listener);
  }

  /**
   * Registers a listener that will be invoked at most once.
   *
   * @param event - The name of the event to listen for.
   * @param listener - The callback to invoke when the event is emitted.
   */
  public once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    // Wrap the listener so that it removes itself after the first call
    const wrapper: Listener<Events[K]> = (payload) => {
      this.off(event, wrapper);
      listener(payload);
    };
    this.on(event, wrapper);
  }

  /**
   * Removes a previously registered listener.
   *
   * @param event - The name of the event.
   * @param listener - The listener to remove.
   */
  public off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners[event]?.delete(listener);
  }

  /**
   * Emits an event, invoking all registered listeners with the given payload.
   *
   * @param event - The name of the event to emit.
   * @param payload - The data to pass to each listener.
   */
  public emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    // Copy the listeners into an array to avoid issues if a listener
    // modifies the set while we are iterating over it
    const currentListeners = Array.from(this.listeners[event] ?? []);

    // Invoke each listener in the order it was registered
    for (const listener of currentListeners) {
      try {
        listener(payload);
      } catch (error) {
        // Log the error but continue notifying the remaining listeners
        console.error(`Error in listener for event "${String(event)}":`, error);
      }
    }
  }
}
