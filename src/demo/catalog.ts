// The demo shop: what it sells, who buys it and where they live. Prices are in USD and converted
// per region when the trace asks for local currency.

export type Category =
  | 'electronics'
  | 'home'
  | 'kitchen'
  | 'fashion'
  | 'beauty'
  | 'sports'
  | 'books'
  | 'toys'
  | 'tea'

export interface Product {
  product_id: string
  sku: string
  name: string
  category: Category
  /** USD list price. */
  price: number
}

// [name, category, USD price]; a few big-ticket items make orders ≥ 500 happen naturally.
const ROWS: readonly (readonly [string, Category, number])[] = [
  ['Noise-Cancelling Headphones', 'electronics', 279],
  ['Wireless Earbuds', 'electronics', 129],
  ['14" Ultrabook Laptop', 'electronics', 1099],
  ['4K Action Camera', 'electronics', 349],
  ['Smartwatch Series 5', 'electronics', 399],
  ['Mechanical Keyboard', 'electronics', 119],
  ['USB-C Charging Hub', 'electronics', 49],
  ['E-Reader Paperwhite', 'electronics', 149],
  ['小米移动电源 20000mAh', 'electronics', 35],
  ['Mirrorless Camera Kit', 'electronics', 899],
  ['Robot Vacuum Cleaner', 'home', 459],
  ['Linen Duvet Cover Set', 'home', 89],
  ['Memory Foam Pillow', 'home', 45],
  ['Scented Soy Candle', 'home', 19],
  ['Air Purifier HEPA', 'home', 229],
  ['真丝枕套 Silk Pillowcase', 'home', 39],
  ['Standing Desk Frame', 'home', 529],
  ['Ceramic Table Lamp', 'home', 79],
  ['Espresso Machine', 'kitchen', 549],
  ['Cast Iron Skillet 12"', 'kitchen', 42],
  ['Chef Knife 8"', 'kitchen', 95],
  ['电饭煲 IH Rice Cooker', 'kitchen', 169],
  ['Pour-Over Coffee Set', 'kitchen', 58],
  ['Stand Mixer', 'kitchen', 399],
  ['Bamboo Cutting Board', 'kitchen', 25],
  ['Merino Wool Sweater', 'fashion', 119],
  ['Waterproof Rain Jacket', 'fashion', 159],
  ['Leather Ankle Boots', 'fashion', 189],
  ['Classic White Sneakers', 'fashion', 85],
  ['Cashmere Scarf', 'fashion', 135],
  ['旗袍 Silk Qipao Dress', 'fashion', 210],
  ['Slim Fit Chinos', 'fashion', 59],
  ['Canvas Tote Bag', 'fashion', 29],
  ['Hyaluronic Acid Serum', 'beauty', 32],
  ['SPF 50 Sunscreen', 'beauty', 22],
  ['Vitamin C Brightening Cream', 'beauty', 48],
  ['气垫BB霜 Cushion Compact', 'beauty', 36],
  ['Hair Dryer Pro', 'beauty', 299],
  ['Yoga Mat Non-Slip', 'sports', 39],
  ['Adjustable Dumbbells 24kg', 'sports', 319],
  ['Trail Running Shoes', 'sports', 139],
  ['Insulated Water Bottle', 'sports', 27],
  ['Carbon Road Bike Helmet', 'sports', 179],
  ['Two-Person Camping Tent', 'sports', 249],
  ['Badminton Racket Set', 'sports', 65],
  ['The Pragmatic Programmer', 'books', 44],
  ['三体 The Three-Body Problem', 'books', 18],
  ['Watercolour Sketchbook', 'books', 16],
  ['Fountain Pen Set', 'books', 68],
  ['红楼梦 (Dream of the Red Chamber)', 'books', 26],
  ['Building Blocks Space Station', 'toys', 159],
  ['Wooden Train Set', 'toys', 75],
  ['Remote Control Drone', 'toys', 199],
  ['Plush Panda Bear', 'toys', 24],
  ['1000-Piece Jigsaw Puzzle', 'toys', 21],
  ['西湖龙井 Longjing Green Tea 250g', 'tea', 58],
  ['阿里山高山茶 Alishan Oolong', 'tea', 46],
  ['Pu-erh Tea Cake 357g', 'tea', 72],
  ['景德镇青花瓷茶具 Porcelain Tea Set', 'tea', 238],
  ['Yixing Clay Teapot', 'tea', 129],
  ['Matcha Starter Kit', 'tea', 64],
]

export const CATEGORIES: readonly Category[] = [
  'electronics',
  'home',
  'kitchen',
  'fashion',
  'beauty',
  'sports',
  'books',
  'toys',
  'tea',
]

export const PRODUCTS: readonly Product[] = ROWS.map(([name, category, price], i) => {
  const n = String(i + 1).padStart(3, '0')
  return { product_id: `prod_${n}`, sku: `${category.slice(0, 3).toUpperCase()}-${n}`, name, category, price }
})

export const PRODUCTS_BY_CATEGORY: ReadonlyMap<Category, readonly Product[]> = new Map(
  CATEGORIES.map((c) => [c, PRODUCTS.filter((p) => p.category === c)]),
)

export type Locale = 'en' | 'zh-CN' | 'zh-TW'

export interface Carrier {
  name: string
  /** Tracking-number template for Rng.pattern (# digit, @ letter, * alphanumeric). */
  tracking: string
}

/** Where a shopper lives: time zone, usual locales, currency, phone format and carriers. */
export interface Region {
  timezone: string
  weight: number
  locales: readonly (readonly [Locale, number])[]
  currency: string
  /** USD → local, with a rounding step so local prices look like real price tags. */
  rate: number
  step: number
  /** Phone template; fictional ranges where the numbering plan has one (UK 07700 900, US 555-01, AU 491 570). */
  phone: string
  carriers: readonly Carrier[]
  /** Days from order to promised delivery. */
  shipDays: readonly [number, number]
  paymentMethods: readonly string[]
}

const UPS = { name: 'UPS', tracking: '1Z******##########' }
const USPS = { name: 'USPS', tracking: '9400##################' }
const FEDEX = { name: 'FedEx', tracking: '############' }
const DHL = { name: 'DHL', tracking: '##########' }
const SF = { name: 'SF Express', tracking: 'SF#############' }

export const REGIONS: readonly Region[] = [
  { timezone: 'America/New_York', weight: 20, locales: [['en', 92], ['zh-CN', 6], ['zh-TW', 2]], currency: 'USD', rate: 1, step: 0.01, phone: '+1 212-555-01##', carriers: [UPS, USPS, FEDEX], shipDays: [3, 6], paymentMethods: ['card', 'paypal', 'apple_pay'] },
  { timezone: 'America/Los_Angeles', weight: 10, locales: [['en', 85], ['zh-CN', 8], ['zh-TW', 7]], currency: 'USD', rate: 1, step: 0.01, phone: '+1 310-555-01##', carriers: [UPS, USPS, FEDEX], shipDays: [3, 6], paymentMethods: ['card', 'paypal', 'apple_pay'] },
  { timezone: 'Europe/London', weight: 17, locales: [['en', 93], ['zh-CN', 7]], currency: 'GBP', rate: 0.79, step: 0.01, phone: '+44 7700 900###', carriers: [{ name: 'Royal Mail', tracking: '@@#########GB' }, { name: 'DPD', tracking: '##############' }], shipDays: [2, 5], paymentMethods: ['card', 'paypal', 'klarna'] },
  { timezone: 'Europe/Berlin', weight: 5, locales: [['en', 100]], currency: 'EUR', rate: 0.92, step: 0.01, phone: '+49 1555 #######', carriers: [DHL, { name: 'DPD', tracking: '##############' }], shipDays: [3, 6], paymentMethods: ['card', 'paypal', 'klarna'] },
  { timezone: 'Australia/Sydney', weight: 4, locales: [['en', 90], ['zh-CN', 10]], currency: 'AUD', rate: 1.52, step: 0.01, phone: '+61 491 570 ###', carriers: [{ name: 'Australia Post', tracking: '@@#########AU' }], shipDays: [5, 9], paymentMethods: ['card', 'paypal'] },
  { timezone: 'Asia/Shanghai', weight: 20, locales: [['zh-CN', 96], ['en', 4]], currency: 'CNY', rate: 7.2, step: 1, phone: '+86 199 0000 ####', carriers: [SF, { name: 'ZTO Express', tracking: '75##########' }, { name: 'JD Logistics', tracking: 'JD#############' }], shipDays: [2, 4], paymentMethods: ['alipay', 'wechat_pay', 'card'] },
  { timezone: 'Asia/Taipei', weight: 11, locales: [['zh-TW', 95], ['en', 5]], currency: 'TWD', rate: 32, step: 10, phone: '+886 900 000 ###', carriers: [{ name: 'T-Cat', tracking: '############' }, { name: 'Chunghwa Post', tracking: '####################' }], shipDays: [2, 5], paymentMethods: ['card', 'line_pay', 'jko_pay'] },
  { timezone: 'Asia/Hong_Kong', weight: 5, locales: [['zh-TW', 75], ['en', 25]], currency: 'HKD', rate: 7.8, step: 1, phone: '+852 5000 ####', carriers: [SF, DHL], shipDays: [3, 6], paymentMethods: ['card', 'alipay', 'paypal'] },
  { timezone: 'Asia/Singapore', weight: 8, locales: [['en', 65], ['zh-CN', 35]], currency: 'SGD', rate: 1.35, step: 0.01, phone: '+65 8000 ####', carriers: [{ name: 'Ninja Van', tracking: 'NVSG**********' }, DHL], shipDays: [3, 7], paymentMethods: ['card', 'paypal', 'grabpay'] },
]

export const LOCALES: readonly Locale[] = ['en', 'zh-CN', 'zh-TW']
export const TIME_ZONES: readonly string[] = REGIONS.map((r) => r.timezone)

export const EN_FIRST = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Ava', 'Elijah', 'Sophia', 'James',
  'Isabella', 'William', 'Mia', 'Benjamin', 'Charlotte', 'Lucas', 'Harper', 'Henry', 'Evelyn',
  'Theodore', 'Grace', 'Jack', 'Chloe', 'Samuel', 'Ella', 'Daniel', 'Zoe', 'Arthur', 'Hannah',
  'Leo', 'Priya', 'Mateo', 'Fatima', 'Omar', 'Aisha', 'Ethan', 'Ruby', 'Isaac', 'Freya', 'Oscar',
] as const

export const EN_LAST = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Wilson',
  'Taylor', 'Anderson', 'Thomas', 'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson', 'White',
  'Harris', 'Clark', 'Lewis', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Scott', 'Green',
  'Baker', 'Adams', 'Patel', 'Khan', 'Evans', 'Hughes', 'Murphy', "O'Brien", 'Kowalski', 'Nguyen',
] as const

/** [simplified, traditional, pinyin]: one pool serves zh-CN, zh-TW and romanised e-mail names. */
export const ZH_SURNAMES: readonly (readonly [string, string, string])[] = [
  ['王', '王', 'wang'], ['李', '李', 'li'], ['张', '張', 'zhang'], ['刘', '劉', 'liu'],
  ['陈', '陳', 'chen'], ['杨', '楊', 'yang'], ['黄', '黃', 'huang'], ['赵', '趙', 'zhao'],
  ['吴', '吳', 'wu'], ['周', '周', 'zhou'], ['徐', '徐', 'xu'], ['孙', '孫', 'sun'],
  ['马', '馬', 'ma'], ['朱', '朱', 'zhu'], ['胡', '胡', 'hu'], ['郭', '郭', 'guo'],
  ['何', '何', 'he'], ['林', '林', 'lin'], ['高', '高', 'gao'], ['罗', '羅', 'luo'],
  ['郑', '鄭', 'zheng'], ['蔡', '蔡', 'cai'], ['许', '許', 'xu'], ['谢', '謝', 'xie'],
]

export const ZH_GIVEN: readonly (readonly [string, string, string])[] = [
  ['伟', '偉', 'wei'], ['芳', '芳', 'fang'], ['娜', '娜', 'na'], ['敏', '敏', 'min'],
  ['静', '靜', 'jing'], ['丽', '麗', 'li'], ['强', '強', 'qiang'], ['磊', '磊', 'lei'],
  ['军', '軍', 'jun'], ['洋', '洋', 'yang'], ['艳', '豔', 'yan'], ['杰', '傑', 'jie'],
  ['涛', '濤', 'tao'], ['明', '明', 'ming'], ['华', '華', 'hua'], ['慧', '慧', 'hui'],
  ['秀英', '秀英', 'xiuying'], ['建国', '建國', 'jianguo'], ['雅婷', '雅婷', 'yating'],
  ['怡君', '怡君', 'yijun'], ['志明', '志明', 'zhiming'], ['俊杰', '俊傑', 'junjie'],
  ['淑芬', '淑芬', 'shufen'], ['家豪', '家豪', 'jiahao'], ['宇轩', '宇軒', 'yuxuan'],
  ['子涵', '子涵', 'zihan'], ['欣怡', '欣怡', 'xinyi'], ['浩然', '浩然', 'haoran'],
]

/** Reserved example domains (RFC 2606/6761), so a demo run can never mail a real person. */
export const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example'] as const

/** Converts a USD price to the region's currency, rounded to a plausible price tag. */
export function localPrice(usd: number, region: Region): number {
  if (region.rate === 1) return usd
  const raw = usd * region.rate
  if (region.step >= 10) return Math.max(region.step, Math.round(raw / region.step) * region.step)
  if (region.step >= 1) return Math.max(9, Math.round(raw / 10) * 10 - 1) // ¥2009, HK$389
  return Math.max(0.99, Math.round(raw) - 0.01) // £219.99
}
