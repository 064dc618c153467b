/** The key of the record with sequence number `seq` where a store needs one: 8 bytes, big-endian, so key order is sequence order. */
export function seqKey(seq) {
  const key = Buffer.allocUnsafe(8)
  key.writeBigUInt64BE(BigInt(seq))
  return key
}
