# Reference numbers for the model-based (design-ignoring) side of analysis's
# regression models, shown beside the design-based ones:
#   - ordinal(): MASS::polr with the design's weights rescaled to mean 1 (the
#     same point estimates as svyolr; its vcov is the model-based covariance),
#     and confint(svyolr), whose normal quantiles come from confint.default;
#   - logit(): glm(family = quasibinomial) with the design's weights, its
#     Pearson dispersion and standard errors (beside svyglm's dispersion,
#     which make_classical_results.R covers).
# Run from this folder:  Rscript make_model_results.R  (after make_results.R,
# whose CSVs it reads).  Writes model_results.json.  Needs survey, MASS, jsonlite.
suppressMessages(library(survey))
suppressMessages(library(MASS))
options(digits = 15)
data(api)  # for apipop's margins; the samples are the CSVs (with derived columns)
apistrat <- read.csv("api_strat.csv")
apiclus1 <- read.csv("api_clus1.csv")
apistrat$rating <- factor(apistrat$rating, levels = c("r1", "r2", "r3", "r4", "r5"), ordered = TRUE)
apiclus1$rating <- factor(apiclus1$rating, levels = c("r1", "r2", "r3", "r4", "r5"), ordered = TRUE)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
pop_stype <- as.data.frame(table(stype = apipop$stype))
pop_sw <- as.data.frame(table(sch.wide = apipop$sch.wide))
pop_ci <- as.data.frame(table(comp.imp = apipop$comp.imp))
rclus1 <- rake(dclus1, list(~stype, ~sch.wide, ~comp.imp), list(pop_stype, pop_sw, pop_ci),
               control = list(maxit = 500, epsilon = 1e-15))
designs <- list(strat = dstrat, clus1 = dclus1, rclus1 = rclus1)
formulas <- list(ordinal = rating ~ ell + meals, ordinal_factor = rating ~ meals + stype)

# optim's defaults (reltol 1e-8, and a Hessian from differences 1e-3 apart)
# stop short of the tests' tolerances; tighten them as make_results.R does
tight <- function(npar) list(reltol = 1e-15, maxit = 5000, ndeps = rep(1e-6, npar))

out <- list()
for (nm in names(designs)) {
  d <- designs[[nm]]
  v <- d$variables
  v$.w <- weights(d) / mean(weights(d))
  r <- list()
  for (fn in names(formulas)) {
    f <- formulas[[fn]]
    npar <- if (fn == "ordinal") 6 else 7
    o <- svyolr(f, design = d, control = tight(npar))
    # polr's weights are frequency weights: rescaled to mean 1 they count the
    # sample's n, as svyglm's naive.cov does
    p <- polr(f, data = v, weights = .w, Hess = TRUE, control = tight(npar))
    est <- c(coef(p), p$zeta)
    stopifnot(isTRUE(all.equal(unname(est), unname(coef(o)), tolerance = 1e-7)))
    # the same model-based covariance from svyolr's own Hessian (raw weights)
    stopifnot(isTRUE(all.equal(unname(vcov(p)), unname(solve(o$Hessian)) * mean(weights(d)),
                               tolerance = 1e-6)))
    ci95 <- confint(o)
    ci90 <- confint(o, level = 0.9)
    r[[fn]] <- list(terms = names(coef(o)), params = unname(coef(o)), bse = unname(SE(o)),
                    polr_params = unname(est), model_se = unname(sqrt(diag(vcov(p)))),
                    ci_low = unname(ci95[, 1]), ci_high = unname(ci95[, 2]),
                    ci90_low = unname(ci90[, 1]), ci90_high = unname(ci90[, 2]))
  }
  # glm with the design's weights: its Pearson dispersion depends on their
  # scale (mean 1 here, as svyglm's internal fit; raw weights multiply it by
  # mean(w)), its standard errors do not
  ctl <- glm.control(epsilon = 1e-14, maxit = 100)
  g1 <- glm(sw ~ ell + meals + stype, data = v, weights = .w, family = quasibinomial,
            control = ctl)
  v$.pw <- weights(d)
  # (glm's own start, (w y + 0.5) / (w + 1), sits at 0 or 1 when weights are in
  # the thousands and IRLS diverges from there: start from the mean-1 fit)
  g2 <- glm(sw ~ ell + meals + stype, data = v, weights = .pw, family = quasibinomial,
            control = ctl, start = coef(g1))
  stopifnot(g1$converged, g2$converged)
  s1 <- summary(g1)
  s2 <- summary(g2)
  stopifnot(isTRUE(all.equal(s1$coefficients[, 2], s2$coefficients[, 2], tolerance = 1e-7)),
            isTRUE(all.equal(s2$dispersion, s1$dispersion * mean(weights(d)), tolerance = 1e-7)))
  r$glm <- list(terms = names(coef(g1)), params = unname(coef(g1)),
                dispersion = unname(s1$dispersion), dispersion_raw_weights = unname(s2$dispersion),
                se = unname(s1$coefficients[, 2]), df_residual = g1$df.residual,
                pvalues = unname(s1$coefficients[, 4]))
  out[[nm]] <- r
}
out$versions <- list(R = paste(R.version$major, R.version$minor, sep = "."),
                     survey = as.character(packageVersion("survey")),
                     MASS = as.character(packageVersion("MASS")))
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "model_results.json")
cat("R", R.version$major, R.version$minor, "survey", as.character(packageVersion("survey")),
    "MASS", as.character(packageVersion("MASS")), "\n")
