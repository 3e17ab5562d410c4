// What shoppers write and why things go wrong, in each demo locale. Complaint texts are what the
// engine's rules and the agents' work list see, so they read like real messages to a shop.
import type { Locale } from './catalog.ts'
import type { Rng } from './random.ts'

export type ComplaintTopic = 'payment_security' | 'refund' | 'damaged' | 'late' | 'wrong_item'

type Texts = Record<ComplaintTopic, readonly string[]>

// {order} and {date} are filled in; a text without them is used as is.
const EN: Texts = {
  payment_security: [
    'I was charged twice for order {order}.',
    'My card was charged twice but I only placed one order. Please refund the duplicate.',
    'I see two payments on my statement for the same order {order}, is my card safe?',
    'The payment said it failed but the money was still taken from my account.',
  ],
  refund: [
    "My refund still hasn't arrived, it's been more than a week.",
    'Where is my refund for the item I sent back from order {order}?',
    'You confirmed the return but I have not received any money back yet.',
  ],
  damaged: [
    'The item arrived damaged, the box was completely crushed.',
    'Order {order} came broken. Very disappointed.',
    'The product is cracked straight out of the box.',
  ],
  late: [
    "My parcel is late and the tracking hasn't updated for days.",
    'Order {order} was promised for {date} and still has not arrived.',
    'Where is my order? It was supposed to be here already.',
  ],
  wrong_item: ['I received the wrong item in order {order}.', 'This is not what I ordered.'],
}

const ZH_CN: Texts = {
  payment_security: [
    '我被重复扣款了，订单号 {order}。',
    '同一个订单扣了两次钱，请尽快退回多扣的款项。',
    '支付显示失败了，但是钱还是被扣了，我的账户安全吗？',
  ],
  refund: ['退款还没到账，已经一个多星期了。', '退货已经寄回去了，订单 {order} 的退款什么时候到账？'],
  damaged: ['收到的商品是坏的，外包装都被压扁了。', '订单 {order} 的东西摔坏了，很失望。'],
  late: ['快递迟迟不到，物流信息好几天没更新了。', '说好 {date} 送到，到现在还没收到，订单 {order}。'],
  wrong_item: ['发错货了，我买的不是这个。', '订单 {order} 收到的商品和下单的不一样。'],
}

const ZH_TW: Texts = {
  payment_security: [
    '我被重複扣款了，訂單編號 {order}。',
    '同一筆訂單被扣了兩次款，請盡快退回。',
    '付款顯示失敗，但錢還是被扣了，我的帳戶安全嗎？',
  ],
  refund: ['退款還沒入帳，已經超過一個星期了。', '退貨已經寄回，訂單 {order} 的退款什麼時候會到？'],
  damaged: ['收到的商品是壞的，外箱也被壓壞了。', '訂單 {order} 的商品破損，非常失望。'],
  late: ['包裹一直沒到，物流資訊好幾天沒有更新。', '說好 {date} 送達，訂單 {order} 到現在還沒收到。'],
  wrong_item: ['寄錯商品了，這不是我訂的。'],
}

export const COMPLAINT_TEXTS: Record<Locale, Texts> = { en: EN, 'zh-CN': ZH_CN, 'zh-TW': ZH_TW }

/** A complaint in the shopper's language; only templates whose placeholders can be filled. */
export function complaintText(
  rng: Rng,
  locale: Locale,
  topic: ComplaintTopic,
  values: { order?: string; date?: string },
): string {
  const usable = COMPLAINT_TEXTS[locale][topic].filter(
    (t) => (values.order !== undefined || !t.includes('{order}')) && (values.date !== undefined || !t.includes('{date}')),
  )
  return rng
    .pick(usable)
    .replace('{order}', values.order ?? '')
    .replace('{date}', values.date ?? '')
}

export const CHECKOUT_DECLINES = [
  ['card_declined', 45],
  ['insufficient_funds', 20],
  ['authentication_failed', 20],
  ['expired_card', 8],
  ['processing_error', 7],
] as const

export const RETURN_REASONS = [
  ['wrong_size', 30],
  ['not_as_described', 20],
  ['changed_mind', 20],
  ['defective', 12],
  ['damaged', 10],
  ['arrived_late', 8],
] as const

export const DELAY_DESCRIPTIONS = {
  delayed: ['High parcel volumes in the network', 'Weather disruption', 'Held at customs', 'Missed connection at hub'],
  exception: ['Address could not be found', 'Parcel damaged in transit', 'Delivery attempted, recipient unavailable', 'Parcel misrouted'],
} as const

export const COMPLAINT_CHANNELS = [
  ['email', 45],
  ['chat', 35],
  ['phone', 15],
  ['social', 5],
] as const
