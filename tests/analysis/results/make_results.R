# Reference numbers for tests/analysis from R's survey package (Thomas Lumley).
# Run from this folder:  Rscript make_results.R
# Writes the data Python reads (api_strat.csv, api_clus1.csv) and the numbers
# it must reproduce (survey_results.json).  Needs r-cran-survey and jsonlite.
suppressMessages(library(survey))
data(api)
options(digits = 15)

derive <- function(d) {
  d$hi800 <- factor(ifelse(d$api00 > 800, "yes", "no"), levels = c("no", "yes"))
  d$rating <- cut(d$api00, c(-Inf, 550, 650, 750, 850, Inf),
                  labels = c("r1", "r2", "r3", "r4", "r5"), ordered_result = TRUE)
  d$sw <- as.integer(d$sch.wide == "Yes")
  d$hi800n <- as.integer(d$api00 > 800)
  d
}
keep <- c("snum", "dnum", "stype", "pw", "fpc", "api00", "api99", "enroll",
          "ell", "meals", "sch.wide", "awards", "comp.imp", "hi800", "rating", "sw", "hi800n")
apistrat <- derive(apistrat)
apiclus1 <- derive(apiclus1)
write.csv(apistrat[, keep], "api_strat.csv", row.names = FALSE)
write.csv(apiclus1[, keep], "api_clus1.csv", row.names = FALSE)

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
pop_stype <- as.data.frame(table(stype = apipop$stype))
pop_sw <- as.data.frame(table(sch.wide = apipop$sch.wide))
pop_ci <- as.data.frame(table(comp.imp = apipop$comp.imp))
rclus1 <- rake(dclus1, list(~stype, ~sch.wide, ~comp.imp), list(pop_stype, pop_sw, pop_ci),
               control = list(maxit = 500, epsilon = 1e-15))
designs <- list(strat = dstrat, clus1 = dclus1, rclus1 = rclus1)

stat_rows <- function(s, df) {
  ci <- confint(s, df = df)
  list(names = names(coef(s)), estimate = unname(coef(s)), se = unname(SE(s)),
       ci_low = unname(ci[, 1]), ci_high = unname(ci[, 2]), df = df)
}
by_rows <- function(b, df) {
  ci <- confint(b, df = df)
  list(group = as.character(b[[1]]), estimate = unname(coef(b)), se = unname(SE(b)),
       ci_low = unname(ci[, 1]), ci_high = unname(ci[, 2]), df = df)
}
wilson <- function(p, v, df, level = 0.95) {
  # survey 4.1.1 has no method = "wilson"; this is the Wilson score interval
  # with Kish's effective n = p(1-p)/var and the design's t quantile.
  n <- p * (1 - p) / v
  z <- qt(1 - (1 - level) / 2, df)
  centre <- (p + z^2 / (2 * n)) / (1 + z^2 / n)
  half <- z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2)) / (1 + z^2 / n)
  c(centre - half, centre + half)
}

out <- list()
for (nm in names(designs)) {
  d <- designs[[nm]]
  df <- degf(d)
  r <- list(degf = df, weights = unname(weights(d)))
  r$mean_api00 <- stat_rows(svymean(~api00, d), df)
  r$total_enroll <- stat_rows(svytotal(~enroll, d), df)
  r$mean_stype <- stat_rows(svymean(~stype, d), df)
  r$by_mean_api00_stype <- by_rows(svyby(~api00, ~stype, d, svymean), df)
  r$by_total_enroll_stype <- by_rows(svyby(~enroll, ~stype, d, svytotal), df)
  r$by_prop_hi800_stype <- by_rows(svyby(~hi800n, ~stype, d, svymean), df)
  props <- list()
  for (v in c("hi800", "sw")) {
    f <- if (v == "hi800") ~I(hi800 == "yes") else ~I(sw == 1)
    pm <- svymean(f, d)
    p <- unname(coef(pm))[2]
    vv <- vcov(pm)[2, 2]
    cis <- list()
    for (m in c("logit", "xlogit", "beta", "mean")) {
      cp <- svyciprop(f, d, method = m)
      cis[[m]] <- list(estimate = as.numeric(cp), ci = unname(as.numeric(attr(cp, "ci"))))
    }
    cis[["wilson"]] <- list(estimate = p, ci = wilson(p, vv, df))
    props[[v]] <- list(estimate = p, se = sqrt(vv), ci = cis)
  }
  r$props <- props
  tabs <- list()
  for (s in c("F", "Chisq")) {
    t1 <- svychisq(~sch.wide + stype, d, statistic = s)
    t2 <- svychisq(~rating + stype, d, statistic = s)
    tabs[[s]] <- lapply(list(schwide_stype = t1, rating_stype = t2), function(t)
      list(statistic = unname(t$statistic), parameter = unname(t$parameter),
           p_value = unname(t$p.value)))
  }
  r$chisq <- tabs
  # glm's default epsilon (1e-8) leaves the working weights one IRLS step
  # behind, which moves the sandwich SEs at the 1e-5 level; converge fully
  g <- svyglm(sw ~ ell + meals + stype, design = d, family = quasibinomial,
              control = glm.control(epsilon = 1e-14, maxit = 100))
  r$logit <- list(terms = names(coef(g)), params = unname(coef(g)),
                  bse = unname(SE(g)), pvalues = unname(summary(g)$coefficients[, 4]),
                  ci_low = unname(confint(g)[, 1]), ci_high = unname(confint(g)[, 2]),
                  df_resid = g$df.residual)
  # tight optimiser settings so R's own numbers are accurate to well below the
  # tolerance the tests use (the defaults stop at reltol 1e-8)
  o <- svyolr(rating ~ ell + meals, design = d,
              control = list(reltol = 1e-15, maxit = 5000, ndeps = rep(1e-6, 6)))
  r$ordinal <- list(terms = names(coef(o)), params = unname(coef(o)),
                    bse = unname(SE(o)))
  o2 <- svyolr(rating ~ meals + stype, design = d,
               control = list(reltol = 1e-15, maxit = 5000, ndeps = rep(1e-6, 7)))
  r$ordinal_factor <- list(terms = names(coef(o2)), params = unname(coef(o2)),
                           bse = unname(SE(o2)))
  # difference E - H of the proportion with api00 > 800: for a saturated linear
  # model the sandwich variance of a group contrast is the linearised variance
  # of the difference of the two domain means.
  lm1 <- svyglm(hi800n ~ stype, design = d)
  r$difference_hi800_E_H <- list(estimate = -unname(coef(lm1)["stypeH"]),
                                 se = unname(SE(lm1)["stypeH"]), df = df)
  q <- svyquantile(~api00, d, c(0.25, 0.5), ci = TRUE)
  r$quantile_api00 <- list(q = c(0.25, 0.5), estimate = unname(q$api00[, 1]),
                           ci_low = unname(q$api00[, 2]), ci_high = unname(q$api00[, 3]),
                           se = unname(SE(q)))
  out[[nm]] <- r
}
# Two "waves": apistrat and apiclus1 stacked as independent samples (each
# wave its own strata), the way analysis.trend treats waves.
sa <- data.frame(wave = "w1", psu = paste0("s", apistrat$snum), st = paste0("w1", apistrat$stype),
                 pw = apistrat$pw, fpc = apistrat$fpc, hi800n = apistrat$hi800n)
sb <- data.frame(wave = "w2", psu = paste0("d", apiclus1$dnum), st = "w2",
                 pw = apiclus1$pw, fpc = apiclus1$fpc, hi800n = apiclus1$hi800n)
stacked <- svydesign(id = ~psu, strata = ~st, weights = ~pw, fpc = ~fpc,
                     data = rbind(sa, sb))
tlm <- svyglm(hi800n ~ wave, design = stacked)
out$trend_hi800 <- list(change = unname(coef(tlm)["wavew2"]), se = unname(SE(tlm)["wavew2"]),
                        df = degf(stacked))
out$rake_margins <- list(stype = setNames(as.list(pop_stype$Freq), pop_stype$stype),
                         sch.wide = setNames(as.list(pop_sw$Freq), pop_sw$sch.wide),
                         comp.imp = setNames(as.list(pop_ci$Freq), pop_ci$comp.imp))
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "survey_results.json")
cat("R", R.version$major, R.version$minor, "survey", as.character(packageVersion("survey")), "\n")
