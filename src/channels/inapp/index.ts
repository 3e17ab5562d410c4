export { createInAppSender, primaryLink, PRIMARY_LINKS, type InAppSenderOptions } from './sender.ts'
