export * from './calendar.ts'
export * from './evaluate.ts'
export * from './policy.ts'
