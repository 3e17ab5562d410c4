export { createFcmPushSender } from './sender.ts'
export type { FcmPushSender, FcmPushSenderOptions } from './sender.ts'
export { buildFcmMessage, classifyFcm, collapseId, tapUrl, FCM_API } from './fcm.ts'
