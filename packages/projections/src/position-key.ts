/**
 * Global positions are bigints of any size (the EventStoreDB adapter packs commit and prepare
 * positions into one value wider than 64 bits), so SQLite cannot hold them as INTEGER. Where rows
 * are ordered or paged by position, they store this fixed-width hex key, which sorts as text in
 * the same order as the numbers.
 */
const WIDTH = 32; // 128 bits

export function positionKey(position: bigint): string {
  if (position < 0n || position >= 1n << 128n) throw new RangeError(`Position out of range: ${position}`);
  return position.toString(16).padStart(WIDTH, '0');
}

export function positionFromKey(key: string): bigint {
  return BigInt(`0x${key}`);
}
