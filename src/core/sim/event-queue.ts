// The simulator's agenda: a binary min-heap of events ordered by (virtual time, insertion order).
// Struct-of-arrays in typed arrays so the hot loop neither allocates nor chases object pointers.
// An event is an id into these arrays: kind plus two integer arguments (a message slot, a node, a generation).

export class EventQueue {
  time: Float64Array;
  kind: Uint8Array;
  a: Int32Array;
  b: Int32Array;
  private seq: Float64Array;
  private heap: Int32Array;
  private free: Int32Array;
  private freeTop = 0;
  private allocated = 0;
  private nextSeq = 0;
  size = 0;

  constructor(capacity = 256) {
    // One allocation for all columns: a simulation is created per Monte-Carlo run.
    const buf = new ArrayBuffer(capacity * (8 + 8 + 4 + 4 + 4 + 4 + 1));
    let at = 0;
    const take = <T>(make: (b: ArrayBuffer, offset: number, n: number) => T, bytes: number): T => {
      const view = make(buf, at, capacity);
      at += bytes * capacity;
      return view;
    };
    this.time = take((b, o, n) => new Float64Array(b, o, n), 8);
    this.seq = take((b, o, n) => new Float64Array(b, o, n), 8);
    this.a = take((b, o, n) => new Int32Array(b, o, n), 4);
    this.b = take((b, o, n) => new Int32Array(b, o, n), 4);
    this.heap = take((b, o, n) => new Int32Array(b, o, n), 4);
    this.free = take((b, o, n) => new Int32Array(b, o, n), 4);
    this.kind = take((b, o, n) => new Uint8Array(b, o, n), 1);
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const g = <T extends Float64Array | Uint8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(cap);
      next.set(old);
      return next;
    };
    this.time = g(this.time, (n) => new Float64Array(n));
    this.kind = g(this.kind, (n) => new Uint8Array(n));
    this.a = g(this.a, (n) => new Int32Array(n));
    this.b = g(this.b, (n) => new Int32Array(n));
    this.seq = g(this.seq, (n) => new Float64Array(n));
    this.heap = g(this.heap, (n) => new Int32Array(n));
    this.free = g(this.free, (n) => new Int32Array(n));
  }

  /** Schedules an event; events at the same time run in the order they were pushed. */
  push(time: number, kind: number, a: number, b: number): number {
    let id: number;
    if (this.freeTop > 0) id = this.free[--this.freeTop];
    else {
      if (this.allocated === this.time.length) this.grow();
      id = this.allocated++;
    }
    this.time[id] = time;
    this.kind[id] = kind;
    this.a[id] = a;
    this.b[id] = b;
    this.seq[id] = this.nextSeq++;
    // sift up
    const heap = this.heap;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (!this.less(id, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = id;
    return id;
  }

  /** Time of the next event, Infinity when empty. */
  peekTime(): number {
    return this.size === 0 ? Infinity : this.time[this.heap[0]];
  }

  /** Removes the earliest event and returns its id; read its fields, then call release(id). */
  pop(): number {
    const heap = this.heap;
    const top = heap[0];
    const last = heap[--this.size];
    const n = this.size;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(heap[child + 1], heap[child])) child++;
      if (!this.less(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }

  release(id: number): void {
    if (this.freeTop === this.free.length) this.grow();
    this.free[this.freeTop++] = id;
  }

  clear(): void {
    this.size = 0;
    this.freeTop = 0;
    this.allocated = 0;
  }

  private less(x: number, y: number): boolean {
    const tx = this.time[x];
    const ty = this.time[y];
    return tx < ty || (tx === ty && this.seq[x] < this.seq[y]);
  }
}
