export { createEmailSender, DEFAULT_PICKUP_DIR } from './sender.ts'
export type { EmailSender, EmailSenderOptions } from './sender.ts'
export { messageIdFor, recipientAddress, IDEMPOTENCY_HEADER } from './message.ts'
export { classifySendError } from './errors.ts'
