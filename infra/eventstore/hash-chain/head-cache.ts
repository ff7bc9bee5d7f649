/** A stream's newest link as this process last saw it. (stream, revision) → hash never changes once written. */
export type ChainHead = { revision: bigint; hash: string };

/** Bounded LRU of chain heads by stream name (a Map keeps insertion order; re-insert on use). */
export class ChainHeadCache {
  private readonly heads = new Map<string, ChainHead>();
  constructor(private readonly max = 10_000) {}

  get(stream: string): ChainHead | undefined {
    const head = this.heads.get(stream);
    if (head) {
      this.heads.delete(stream);
      this.heads.set(stream, head);
    }
    return head;
  }

  set(stream: string, head: ChainHead): void {
    this.heads.delete(stream);
    this.heads.set(stream, head);
    if (this.heads.size > this.max) {
      const oldest = this.heads.keys().next().value;
      if (oldest !== undefined) this.heads.delete(oldest);
    }
  }

  delete(stream: string): void {
    this.heads.delete(stream);
  }

  get size(): number {
    return this.heads.size;
  }
}
