# Reference numbers for the plain (design-ignoring) statistics analysis shows
# beside the design-based ones, and for logit()'s dispersion and model-based SEs.
# Run from this folder:  Rscript make_classical_results.R  (after make_results.R,
# whose CSVs it reads).  Writes classical_results.json.
suppressMessages(library(survey))
options(digits = 15)
data(api)  # for apipop's margins; the samples are the CSVs (with derived columns)
apistrat <- read.csv("api_strat.csv")
apiclus1 <- read.csv("api_clus1.csv")
apistrat$rating <- factor(apistrat$rating, levels = c("r1", "r2", "r3", "r4", "r5"))
apiclus1$rating <- factor(apiclus1$rating, levels = c("r1", "r2", "r3", "r4", "r5"))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
pop_stype <- as.data.frame(table(stype = apipop$stype))
pop_sw <- as.data.frame(table(sch.wide = apipop$sch.wide))
pop_ci <- as.data.frame(table(comp.imp = apipop$comp.imp))
rclus1 <- rake(dclus1, list(~stype, ~sch.wide, ~comp.imp), list(pop_stype, pop_sw, pop_ci),
               control = list(maxit = 500, epsilon = 1e-15))
designs <- list(strat = dstrat, clus1 = dclus1, rclus1 = rclus1)
out <- list()
for (nm in names(designs)) {
  d <- designs[[nm]]
  v <- d$variables
  r <- list()
  # prop.test of api00 > 800, elementary vs middle schools, no continuity correction
  x <- c(sum(v$hi800n[v$stype == "E"]), sum(v$hi800n[v$stype == "M"]))
  n <- c(sum(v$stype == "E"), sum(v$stype == "M"))
  pt <- prop.test(x, n, correct = FALSE)
  r$prop_test_hi800_E_M <- list(estimate = unname(pt$estimate), conf_int = unname(pt$conf.int),
                                statistic = unname(pt$statistic), p_value = pt$p.value)
  # design-based E - M with normal quantiles (confint's default df = Inf)
  # (a saturated linear model's group contrast is the difference of domain means)
  v$stypeM <- relevel(factor(v$stype), "M")
  d$variables <- v
  lm1 <- svyglm(hi800n ~ stypeM, design = d)
  est <- unname(coef(lm1)["stypeME"])
  se <- unname(SE(lm1)["stypeME"])
  r$difference_hi800_E_M <- list(estimate = est, se = se,
                                 ci_inf = est + c(-1, 1) * qnorm(0.975) * se)
  ch <- list()
  for (tab in c("schwide_stype", "rating_stype")) {
    t <- if (tab == "schwide_stype") table(v$sch.wide, v$stype) else table(v$rating, v$stype)
    ct <- suppressWarnings(chisq.test(t, correct = FALSE))
    ch[[tab]] <- list(statistic = unname(ct$statistic), parameter = unname(ct$parameter),
                      p_value = ct$p.value)
  }
  r$plain_chisq <- ch
  g <- svyglm(sw ~ ell + meals + stype, design = d, family = quasibinomial,
              control = glm.control(epsilon = 1e-14, maxit = 100))
  s <- summary(g)
  r$logit <- list(terms = names(coef(g)), dispersion = unname(s$dispersion[1]),
                  naive_se = unname(sqrt(diag(g$naive.cov))),
                  model_se = unname(sqrt(diag(g$naive.cov) * s$dispersion[1])),
                  ci_inf_low = unname(confint(g, ddf = Inf)[, 1]),
                  ci_inf_high = unname(confint(g, ddf = Inf)[, 2]))
  out[[nm]] <- r
}
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "classical_results.json")
cat("R", R.version$major, R.version$minor, "survey", as.character(packageVersion("survey")), "\n")
