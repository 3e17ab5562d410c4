export { createTwilioVoiceSender } from './sender.ts'
export type { TwilioVoiceSender, TwilioVoiceSenderOptions } from './sender.ts'
export { buildTwiml, escapeXml, sayLanguage, paragraphs, MAX_TWIML_LENGTH } from './twiml.ts'
