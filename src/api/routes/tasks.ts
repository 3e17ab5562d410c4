// The agents' work list; the routes live in ./tasks/ (list and claims, hand-overs and notes, resolve).
export { taskRoutes, type TaskRouteOptions } from './tasks/index.ts'
