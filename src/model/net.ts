/**
 * Address checks for inventories: IPv4/IPv6 addresses and CIDRs. Pure (node:net's isIP is a
 * pure parser).
 */
import { isIP } from "node:net";

/** 4 or 6 for an IP address without a mask, else 0. */
export function ipVersion(s: string): 0 | 4 | 6 {
  return isIP(s) as 0 | 4 | 6;
}

/** A CIDR `addr/len` with a mask in range for its family. */
export function isCidr(s: string): boolean {
  const slash = s.lastIndexOf("/");
  if (slash < 0) return false;
  const v = ipVersion(s.slice(0, slash));
  const len = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len) || v === 0) return false;
  return Number(len) <= (v === 4 ? 32 : 128);
}

/** A bare address or a CIDR. */
export function isAddressOrCidr(s: string): boolean {
  return ipVersion(s) !== 0 || isCidr(s);
}
