# Reference numbers for analysis.trend's df= choice, from R's survey package.
# Run from this folder:  Rscript make_trend_results.R   (reads make_results.R's CSVs).
# Writes trend_results.json.
#
# Two "waves" (apistrat, apiclus1) stacked as independent samples, each wave its own strata
# and PSUs, exactly as analysis.trend treats waves. For each df choice:
#  * each wave's proportion: svyciprop(~hi800n, wave design, method = "logit", df = ...)
#    ("design" is the wave's own degf, the svyciprop default for a whole wave);
#  * the change w2 - w1: svycontrast of svyby(~hi800n, ~wave, stacked, svymean, covmat = TRUE), with
#    confint(..., df = degf(stacked)) for "design" (= the sum of the two waves' degf) and
#    df = Inf (normal quantiles) for inf; the p-value from the same t (or normal) reference.
suppressMessages(library(survey))
options(digits = 15)
apistrat <- read.csv("api_strat.csv")
apiclus1 <- read.csv("api_clus1.csv")
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
sa <- data.frame(wave = "w1", psu = paste0("s", apistrat$snum), st = paste0("w1", apistrat$stype),
                 pw = apistrat$pw, fpc = apistrat$fpc, hi800n = apistrat$hi800n)
sb <- data.frame(wave = "w2", psu = paste0("d", apiclus1$dnum), st = "w2",
                 pw = apiclus1$pw, fpc = apiclus1$fpc, hi800n = apiclus1$hi800n)
stacked <- svydesign(id = ~psu, strata = ~st, weights = ~pw, fpc = ~fpc, data = rbind(sa, sb))
b <- svyby(~hi800n, ~wave, stacked, svymean, covmat = TRUE)
delta <- svycontrast(b, c(-1, 1))
est <- unname(coef(delta)); se <- as.vector(SE(delta))
wave_ci <- function(d, df) {
  p <- svyciprop(~hi800n, d, method = "logit", df = df)
  ci <- confint(p)
  list(estimate = as.vector(p), ci_low = unname(ci[1]), ci_high = unname(ci[2]))
}
out <- list(degf = list(w1 = degf(dstrat), w2 = degf(dclus1), stacked = degf(stacked)),
            change = est, se = se)
for (choice in c("design", "inf")) {
  ddf <- if (choice == "design") degf(stacked) else Inf
  ci <- confint(delta, df = ddf)
  out[[choice]] <- list(
    w1 = wave_ci(dstrat, if (choice == "design") degf(dstrat) else Inf),
    w2 = wave_ci(dclus1, if (choice == "design") degf(dclus1) else Inf),
    change_ci_low = unname(ci[1]), change_ci_high = unname(ci[2]),
    p_value = 2 * pt(-abs(est / se), ddf))
}
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "trend_results.json")
cat("R", R.version$major, R.version$minor, "survey", as.character(packageVersion("survey")), "\n")
