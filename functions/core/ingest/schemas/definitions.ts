/**
 * The project's own JSON Schemas for Voucherify webhooks (envelope v2024-01-01 and the redemption events' `data`).
 *
 * Wire-true, not spec-true: Voucherify's published schema rejects its own examples (nulls where objects are declared,
 * numbers where strings are declared, `ROLLED_BACK` vs `ROLLED BACK`). So these schemas allow `null` nearly everywhere
 * and extra properties everywhere, and are strict only on what the receiver relies on: the ids it stores and searches
 * by, the event type, failure codes and dates.
 *
 * These objects are the single source: `npm run build:validators` compiles them ahead of time with ajv's standalone
 * code into `generated/validators.js`, which is what the Lambda bundle loads (no schema compilation at cold start).
 */

import { EVENT_ID_MAX_BYTES } from '../../shared/event-id';

type Schema = Record<string, unknown>;

const nullable = (type: string | string[], extra: Schema = {}): Schema => ({
  type: [...(Array.isArray(type) ? type : [type]), 'null'],
  ...extra,
});

/** A string we store or search by: bounded so a hostile-but-signed payload cannot bloat an index. */
const id = (maxLength = 256): Schema => ({ type: 'string', minLength: 1, maxLength });
const optionalId = (maxLength = 256): Schema => nullable('string', { maxLength });
const text = nullable('string');
const dateTime = nullable('string', { format: 'date-time' });
const integer = nullable('integer');
const number = nullable('number');
const bool = nullable('boolean');
const anyObject = nullable('object');

/** Shared sub-schemas are compiled once each and referenced, so the generated code stays small. */
const ref = (schemaId: string): Schema => ({ $ref: schemaId });
const customer = ref('customer');
const orderItem = ref('order-item');
const order = ref('order');
const gift = ref('gift');
const loyaltyCard = ref('loyalty-card');
const discount = ref('discount');
const voucherRedemptionCounts = ref('redemption-counts');
const voucher = ref('voucher');
const campaign = ref('campaign');
const promotionTier = ref('promotion-tier');
const promotionStack = ref('promotion-stack');

const customerDef: Schema = nullable('object', {
  $id: 'customer',
  properties: {
    id: optionalId(),
    source_id: optionalId(),
    name: text,
    email: text,
    metadata: anyObject,
    object: text,
  },
});

const orderItemDef: Schema = nullable('object', {
  $id: 'order-item',
  properties: {
    object: text,
    source_id: optionalId(),
    related_object: text,
    product_id: optionalId(),
    sku_id: optionalId(),
    quantity: integer,
    discount_quantity: integer,
    amount: integer,
    discount_amount: integer,
    applied_discount_amount: integer,
    price: integer,
    subtotal_amount: integer,
    product: anyObject,
    sku: anyObject,
    metadata: anyObject,
  },
});

/** More items than any real order has; past this the items themselves are not looked at (see orderDef). */
const MAX_ORDER_ITEMS = 10_000;

const orderDef: Schema = nullable('object', {
  $id: 'order',
  properties: {
    id: optionalId(),
    source_id: optionalId(),
    status: text,
    customer_id: optionalId(),
    referrer_id: optionalId(),
    amount: integer,
    discount_amount: integer,
    applied_discount_amount: integer,
    items_discount_amount: integer,
    items_applied_discount_amount: integer,
    total_discount_amount: integer,
    total_applied_discount_amount: integer,
    total_amount: integer,
    items: nullable('array', {
      maxItems: MAX_ORDER_ITEMS,
      // Items are checked only when there are not too many of them: the one array that is validated per element is
      // what a hostile signed body can make huge, and one "too many items" says all there is to say about it.
      if: { type: 'array', maxItems: MAX_ORDER_ITEMS },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's `then`, not a thenable; the object is never awaited.
      then: { items: orderItem },
    }),
    metadata: anyObject,
    created_at: dateTime,
    object: text,
  },
});

const giftDef: Schema = nullable('object', {
  $id: 'gift',
  properties: { amount: number, balance: number, effect: text },
});

const loyaltyCardDef: Schema = nullable('object', {
  $id: 'loyalty-card',
  properties: {
    points: integer,
    balance: integer,
    next_expiration_date: text,
    next_expiration_points: integer,
    pending_points: integer,
    expired_points: integer,
    subtracted_points: integer,
  },
});

const discountDef: Schema = nullable('object', {
  $id: 'discount',
  properties: {
    type: text,
    amount_off: number,
    percent_off: number,
    fixed_amount: number,
    unit_off: number,
    unit_type: text,
    units: nullable('array'),
    effect: text,
  },
});

const voucherRedemptionCountsDef: Schema = nullable('object', {
  $id: 'redemption-counts',
  properties: { quantity: integer, redeemed_quantity: integer },
});

const voucherDef: Schema = nullable('object', {
  $id: 'voucher',
  properties: {
    id: optionalId(),
    code: optionalId(),
    type: text,
    campaign: optionalId(),
    campaign_id: optionalId(),
    category_id: optionalId(),
    holder_id: optionalId(),
    referrer_id: optionalId(),
    is_referral_code: bool,
    active: bool,
    gift,
    discount,
    loyalty_card: loyaltyCard,
    redemption: voucherRedemptionCounts,
    created_at: dateTime,
    updated_at: dateTime,
    start_date: dateTime,
    expiration_date: dateTime,
    metadata: anyObject,
    object: text,
  },
});

const campaignDef: Schema = nullable('object', {
  $id: 'campaign',
  properties: {
    id: optionalId(),
    name: optionalId(),
    campaign_type: text,
    type: text,
    is_referral_code: bool,
    auto_join: bool,
    join_once: bool,
    active: bool,
    category_id: optionalId(),
    voucher: nullable('object', {
      properties: {
        type: text,
        discount,
        gift,
        loyalty_card: anyObject,
        redemption: voucherRedemptionCounts,
        code_config: anyObject,
      },
    }),
    // The vendor's example sends referee_reward.amount as a number where the spec declares a string: accept both.
    referral_program: anyObject,
    metadata: anyObject,
    start_date: dateTime,
    expiration_date: dateTime,
    created_at: dateTime,
    updated_at: dateTime,
    object: text,
  },
});

const promotionTierDef: Schema = nullable('object', {
  $id: 'promotion-tier',
  properties: {
    id: optionalId(),
    name: optionalId(),
    banner: text,
    campaign: nullable('object', { properties: { id: optionalId() } }),
    metadata: anyObject,
  },
});

const promotionStackDef: Schema = nullable('object', {
  $id: 'promotion-stack',
  properties: {
    id: optionalId(),
    name: optionalId(),
    category_id: optionalId(),
    campaign: nullable('object', { properties: { id: optionalId() } }),
    tiers: anyObject,
  },
});

/** Both spellings are on the wire: the spec's `ROLLED BACK` and the examples' `ROLLED_BACK`. */
const REDEMPTION_STATUSES = ['SUCCEEDED', 'FAILED', 'ROLLED BACK', 'ROLLED_BACK', null];

/** A `SimpleRedemption` (also used for rollbacks). When present, its id and date are what we rely on. */
const simpleRedemption = (requireId: boolean): Schema => ({
  type: requireId ? 'object' : ['object', 'null'],
  required: ['id'],
  properties: {
    id: id(),
    date: dateTime,
    customer_id: optionalId(),
    tracking_id: optionalId(),
    amount: integer,
    order,
    reward: anyObject,
    customer,
    result: nullable('string', { enum: ['SUCCESS', 'FAILURE', null] }),
    status: { enum: REDEMPTION_STATUSES },
    voucher,
    promotion_tier: promotionTier,
    redemption: optionalId(),
    metadata: anyObject,
    failure_code: optionalId(128),
    failure_message: nullable('string', { maxLength: 2048 }),
    reason: text,
    channel: anyObject,
    object: text,
  },
});

/** The eight nullable objects every redemption event carries (`EventCustomerRedemption`). */
const customerRedemptionProperties = {
  customer,
  order,
  campaign,
  voucher,
  holder: customer,
  promotion_tier: promotionTier,
  promotion_stack: promotionStack,
  created_at: dateTime,
};

/** The v2024-01-01 envelope, checked for every event type. */
export const envelopeSchema: Schema = {
  $id: 'envelope',
  type: 'object',
  required: ['id', 'project_id', 'created_at', 'type', 'data', 'source', 'event'],
  properties: {
    id: id(),
    project_id: id(),
    created_at: { type: 'string', format: 'date-time' },
    type: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$' },
    data: { type: 'object' },
    source: {
      type: 'object',
      properties: { id: optionalId(), object: text, target_url: text },
    },
    event: {
      type: 'object',
      required: ['id'],
      properties: {
        // The idempotency key: the one event-id rule, in UTF-8 bytes (functions/core/shared/event-id.ts).
        id: { type: 'string', minLength: 1, maxBytes: EVENT_ID_MAX_BYTES, wellFormed: true },
        type: nullable('string', { maxLength: 128 }),
        created_at: dateTime,
        entity_id: optionalId(),
        group_id: optionalId(),
        event_source: anyObject,
      },
    },
  },
};

/** `data` of `redemption.failed` and `redemption.succeeded`: the redemption (attempt) itself must be there. */
export const redemptionDataSchema: Schema = {
  $id: 'redemption-data',
  type: 'object',
  required: ['redemption'],
  properties: {
    ...customerRedemptionProperties,
    redemption: simpleRedemption(true),
  },
};

/** `data` of `redemption.rollback.failed` and `redemption.rollback.succeeded`: the rollback (attempt) must be there. */
export const rollbackDataSchema: Schema = {
  $id: 'rollback-data',
  type: 'object',
  required: ['redemption_rollback'],
  properties: {
    ...customerRedemptionProperties,
    redemption: simpleRedemption(false),
    redemption_rollback: simpleRedemption(true),
  },
};

/** Sub-schemas referenced by `$ref` from the validators' schemas. */
export const sharedSchemas: readonly Schema[] = [
  customerDef,
  orderItemDef,
  orderDef,
  giftDef,
  loyaltyCardDef,
  discountDef,
  voucherRedemptionCountsDef,
  voucherDef,
  campaignDef,
  promotionTierDef,
  promotionStackDef,
];

/** Every schema that gets a validator, by the export name used in the generated module. */
export const compiledSchemas = {
  validateEnvelope: envelopeSchema,
  validateRedemptionData: redemptionDataSchema,
  validateRollbackData: rollbackDataSchema,
} as const;

/** ajv options shared by the ahead-of-time build and the runtime-compiled anchors in the benchmark. */
export const ajvOptions = {
  allErrors: true,
  allowUnionTypes: true,
  strict: true,
  inlineRefs: false,
  code: { source: true, lines: false, optimize: true },
} as const;
