// Migrations from version 14 on, one file each (the first thirteen are in ../migrations.ts).
// Append the import and the list entry in version order; never edit an applied migration.
import type { Migration } from '../migration.ts'

export const laterMigrations: Migration[] = []
