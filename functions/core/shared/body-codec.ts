import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * How a stored body is encoded. Stored on every item, so old items stay readable when the default changes:
 * - `identity`: the bytes as received;
 * - `deflate-raw`: raw deflate, no dictionary (items written before the dictionary existed);
 * - `deflate-raw+dict1`: raw deflate primed with {@link BODY_DICTIONARY_V1} (what `encodeBody` writes today).
 */
export type BodyEncoding = 'identity' | 'deflate-raw' | 'deflate-raw+dict1';

export interface EncodedBody {
  readonly bytes: Buffer;
  readonly encoding: BodyEncoding;
}

/** A stored body names an encoding this code does not know (written by a newer version, or corrupted). */
export class UnknownBodyEncodingError extends Error {
  override name = 'UnknownBodyEncodingError';
}

/**
 * Preset dictionary for `deflate-raw+dict1`: the vocabulary every Voucherify webhook repeats (key names, enum values
 * and id prefixes from Voucherify's published schemas and API reference, written out as compact JSON fragments). A body
 * of 1-4 KB is too short for deflate to learn this vocabulary by itself, so priming it shrinks the stored body by
 * about a third.
 *
 * Built from the schemas only, never from sample payloads' values (ids, codes, names, failure codes seen in samples),
 * so it does not flatter the fixtures it is measured on. Deflate reaches back at most 32 KB and codes near matches
 * more cheaply, so the most common fragments (the envelope) come last.
 *
 * FROZEN: every item written with `deflate-raw+dict1` needs exactly these bytes to be read back. To improve the
 * dictionary, add a `BODY_DICTIONARY_V2` and a `deflate-raw+dict2` encoding; keep this one for decoding.
 */
export const BODY_DICTIONARY_V1: Buffer = Buffer.from(
  [
    // Other event types' vocabulary (kept short: the receiver exists for redemption events).
    '"type":"voucher.published"',
    '"type":"customer.',
    '"type":"campaign.',
    '"type":"publication.succeeded"',
    // Rewards, categories, stacking.
    '"parameters":{"campaign":{"id":"camp_',
    '"assignment_id":"',
    '"loyalty_tier_id":',
    '"object":"reward"',
    '"hierarchy":',
    '"object":"category"',
    '"stacking_rules_type":"JOINT"',
    '"categories":[]',
    '"description":',
    // Order items and orders.
    '"object":"order_item"',
    '"related_object":"product"',
    '"related_object":"sku"',
    '"product_id":"prod_',
    '"sku_id":"sku_',
    '"product":{"id":"prod_',
    '"sku":{"id":"sku_',
    '"discount_quantity":',
    '"quantity":',
    '"price":',
    '"subtotal_amount":',
    '"items_discount_amount":',
    '"items_applied_discount_amount":',
    '"total_discount_amount":',
    '"total_applied_discount_amount":',
    '"total_amount":',
    '"discount_amount":',
    '"applied_discount_amount":',
    '"status":"CREATED"',
    '"status":"CANCELED"',
    '"status":"FULFILLED"',
    '"status":"PAID"',
    '"items":[',
    '"object":"order"',
    '"order":{"id":"ord_',
    '"referrer_id":null',
    // Loyalty cards and gift cards.
    '"loyalty_card":{"points":',
    '"balance":',
    '"next_expiration_date":',
    '"next_expiration_points":',
    '"pending_points":',
    '"expired_points":',
    '"subtracted_points":',
    '"expiration_rules":{"period_type":"',
    '"gift":{"amount":',
    '"effect":"APPLY_TO_ORDER"',
    '"effect":"APPLY_TO_ITEMS"',
    // Discounts.
    '"type":"PERCENT","percent_off":',
    '"type":"FIXED","fixed_amount":',
    '"type":"UNIT","unit_off":',
    '"unit_type":"',
    '"amount_limit":',
    '"is_dynamic":false',
    '"units":null',
    '"type":"AMOUNT","amount_off":',
    // Campaigns.
    '"campaign_type":"DISCOUNT_COUPONS"',
    '"campaign_type":"REFERRAL_PROGRAM"',
    '"campaign_type":"GIFT_VOUCHERS"',
    '"campaign_type":"LOYALTY_PROGRAM"',
    '"campaign_type":"PROMOTION"',
    '"type":"AUTO_UPDATE"',
    '"type":"STATIC"',
    '"type":"STANDALONE"',
    '"auto_join":false',
    '"join_once":false',
    '"start_date":null',
    '"expiration_date":null',
    '"code_config":{"length":',
    '"prefix":"',
    '"charset":"',
    '"pattern":"',
    '"postfix":""',
    '"referral_program":{',
    '"custom_event":{"id":"',
    '"referee_reward":{"type":"',
    '"related_object_parent":{"id":"camp_',
    '"object":"CAMPAIGN"',
    '"conversion_event_type":"',
    '"object":"campaign"',
    '"campaign":{"id":"camp_',
    // Promotion tiers and stacks.
    '"promotion_stack":null',
    '"promotion_tier":null',
    '"promotion_tier":{"id":"promo_',
    '"banner":',
    '"tiers":{"ids":[',
    '"hierarchy_mode":"MANUAL"',
    // Vouchers.
    '"type":"GIFT_VOUCHER"',
    '"type":"LOYALTY_CARD"',
    '"type":"DISCOUNT_VOUCHER"',
    '"holder_id":"cust_',
    '"is_referral_code":false',
    '"is_referral_code":true',
    '"category_id":null',
    '"loyalty_card":null',
    '"gift":null',
    '"redemption":{"quantity":null,"redeemed_quantity":',
    '"campaign_id":"camp_',
    '"campaign":"',
    '"updated_at":"',
    '"discount":{',
    '"active":true',
    '"object":"voucher"',
    '"code":"',
    '"voucher":{"id":"v_',
    // Customers.
    '"holder":null',
    '"email":',
    '"name":',
    '"metadata":{}',
    '"object":"customer"',
    '"source_id":',
    '"customer":{"id":"cust_',
    '"customer_id":"cust_',
    // Redemptions and rollbacks.
    '"reward":',
    '"reason":',
    '"channel":{"channel_id":"',
    '"channel_type":"API"',
    '"amount":',
    '"failure_code":"',
    '"failure_message":"',
    '"tracking_id":"track_',
    '"result":"SUCCESS"',
    '"result":"FAILURE"',
    '"status":"SUCCEEDED"',
    '"status":"FAILED"',
    '"status":"ROLLED BACK"',
    '"status":"ROLLED_BACK"',
    '"object":"redemption_rollback"',
    '"redemption_rollback":{"id":"rr',
    '"object":"redemption"',
    '"redemption":"r_',
    '"redemption":{"id":"r',
    '"date":"20',
    // The v2024-01-01 envelope, in every event.
    '"event":{"id":"ev',
    '"entity_id":"',
    '"group_id":"v-',
    '"event_source":{"channel":"USER_PORTAL"',
    '"channel":"API"',
    '"user":{"id":"',
    '"api_key":{"name":"',
    '"app_id":"',
    '"source":{"id":"wh_',
    '"object":"webhook"',
    '"target_url":"https://',
    '"data":{',
    '"type":"redemption.succeeded"',
    '"type":"redemption.rollback.succeeded"',
    '"type":"redemption.failed"',
    '"type":"redemption.rollback.failed"',
    '{"id":"whs_',
    '"project_id":"proj_',
    '"created_at":"20',
    ':null,"',
  ].join(''),
);

/**
 * Compresses a raw webhook body for storage. Storage for the retention period is the largest cost per event, then
 * write units (billed per started KB of the whole item), and Voucherify's JSON shrinks about 3:1 with deflate and
 * 4:1 with the dictionary, at the same CPU cost (see docs/performance.md). Falls back to the raw bytes when
 * compressing does not make it smaller (tiny or random bodies).
 */
export function encodeBody(raw: Buffer): EncodedBody {
  const deflated = deflateRawSync(raw, deflateOptionsFor(raw.length));
  return deflated.length < raw.length
    ? { bytes: deflated, encoding: 'deflate-raw+dict1' }
    : { bytes: raw, encoding: 'identity' };
}

/** zlib's largest window (32 KB), what `inflateRawSync` reads every stored body with. */
const MAX_WINDOW_BITS = 15;
/** zlib keeps this many bytes of look-ahead out of the window: a match reaches back at most window - 262 bytes. */
const MIN_LOOKAHEAD = 262;
/** Output buffers smaller than this save nothing; zlib's default (16 KB) is the most a body needs at once. */
const MIN_CHUNK = 1024;
const MAX_CHUNK = 16 * 1024;

/**
 * The deflate settings for a body of `length` bytes. Most of what deflating a 1-4 KB webhook costs is fixed per call:
 * zlib allocates and clears its window, hash chains and output buffer (about 200 KB at the defaults) for bytes that
 * fill a tenth of them. A window just large enough for the dictionary and the whole body finds every match the full
 * window would (the output is the same), and an output buffer the size of the body is enough: together about a tenth
 * less CPU for the compression, 2-3 µs per event (docs/performance.md). Bodies larger than the window get the full 32 KB one, as before. Any window up
 * to 32 KB decodes with the same `inflateRawSync` call, so items written either way read back alike.
 */
function deflateOptionsFor(length: number): {
  dictionary: Buffer;
  windowBits: number;
  chunkSize: number;
} {
  const span = BODY_DICTIONARY_V1.length + length + MIN_LOOKAHEAD;
  const windowBits = Math.min(MAX_WINDOW_BITS, Math.max(9, Math.ceil(Math.log2(span))));
  const chunkSize = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, length));
  return { dictionary: BODY_DICTIONARY_V1, windowBits, chunkSize };
}

/** The original bytes of a stored body, whichever encoding wrote it. */
export function decodeBody(bytes: Uint8Array, encoding: string): Buffer {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (encoding) {
    case 'identity':
      return buffer;
    case 'deflate-raw':
      return inflateRawSync(buffer);
    case 'deflate-raw+dict1':
      return inflateRawSync(buffer, { dictionary: BODY_DICTIONARY_V1 });
    default:
      throw new UnknownBodyEncodingError(`unknown body encoding "${encoding}"`);
  }
}
