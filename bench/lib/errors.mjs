export class BenchError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // 'mismatch' (wrong data) | 'http' (unexpected status) | 'network'
  }
}
