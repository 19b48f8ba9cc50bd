// Starts GOV.UK Frontend's components (character counts, error summary focus, buttons).
import { initAll } from '/static/govuk/govuk-frontend.min.js'
initAll()
