/**
 * Ordering lanes: work for one key (facility + patient token) runs one at a time, in the order it was submitted;
 * different keys run concurrently. This is what keeps two connections that carry messages about the same patient
 * from publishing them out of order (the same idea as Mirth's thread assignment variable).
 */
export class Lanes {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget an idle lane, so the map holds only keys with work in flight.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running. */
  get active(): number {
    return this.tails.size;
  }
}
