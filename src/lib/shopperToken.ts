// Shopper tokens: how a shop's site or app proves to careloop which shopper is asking (inbox,
// preferences). A JWT signed with HS256 and a secret the shop shares with careloop, so shops can
// mint them in their own backend with any JWT library:
//   alg  HS256 (no other algorithm is accepted)
//   sub  the customer id (the shop's userId)                       required
//   aud  "careloop:shopper"                                          required
//   exp  expiry, seconds since the epoch                             required
//   iss  "careloop" when given (shops may leave it out)              optional
//   iat / nbf                                                       optional
// Never put a shopper token in a link: links use the signed link tokens of src/channels/links.ts.
import { repairString } from './text.ts'
import { jwtVerify, SignJWT, errors } from 'jose'

export const SHOPPER_AUDIENCE = 'careloop:shopper'
export const SHOPPER_ISSUER = 'careloop'
/** Shops' clocks drift; a token is honoured this long past exp (and before nbf). */
const CLOCK_TOLERANCE_S = 30

const keyOf = (secret: string): Uint8Array => new TextEncoder().encode(secret)

export interface MintOptions {
  ttlSeconds: number
  /** Epoch ms (the injected clock). */
  now: number
}

export async function mintShopperToken(secret: string, customerId: string, options: MintOptions): Promise<{ token: string; expiresAt: number }> {
  if (!customerId) throw new Error('mintShopperToken: customerId is required')
  const iat = Math.floor(options.now / 1000)
  const exp = iat + Math.max(1, Math.floor(options.ttlSeconds))
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(customerId)
    .setAudience(SHOPPER_AUDIENCE)
    .setIssuer(SHOPPER_ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keyOf(secret))
  return { token, expiresAt: exp * 1000 }
}

export type ShopperTokenResult = { ok: true; customerId: string } | { ok: false; reason: 'expired' | 'invalid' }

/** Verifies a shopper token at `now` (epoch ms), telling an expired token from a bad one. */
export async function readShopperToken(secret: string, token: string, now: number): Promise<ShopperTokenResult> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ['HS256'],
      audience: SHOPPER_AUDIENCE,
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(now),
      clockTolerance: CLOCK_TOLERANCE_S,
    })
    if (payload.iss !== undefined && payload.iss !== SHOPPER_ISSUER) return { ok: false, reason: 'invalid' }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return { ok: false, reason: 'invalid' }
    // The text policy applies to ids in tokens as to ids in events: both name the same shopper.
    return { ok: true, customerId: repairString(payload.sub).value }
  } catch (err) {
    return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' }
  }
}

/** The customer id, or undefined when the token is expired, forged or not a shopper token. */
export async function verifyShopperToken(secret: string, token: string, now: number): Promise<string | undefined> {
  const result = await readShopperToken(secret, token, now)
  return result.ok ? result.customerId : undefined
}
