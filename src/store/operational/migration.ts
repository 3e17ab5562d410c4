// One versioned step of the operational store's schema.
export interface Migration {
  version: number
  name: string
  sql: string
}
