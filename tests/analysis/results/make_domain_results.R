# Reference numbers for the df= choice of analysis intervals and for the
# Korn-Graubard ("beta") interval of a group, from R's survey package.
# Run from this folder:  Rscript make_domain_results.R   (after make_results.R,
# whose CSVs it reads).  Writes domain_results.json.
#
# What R does, and what analysis must reproduce:
#  * svyby(~y, ~g, design, svyciprop) calls svyciprop on design[g == level, ],
#    whose default df = degf(subset): the group's PSUs minus its strata.
#  * passing df = degf(design) or df = Inf through svyby gives the "design"
#    and normal versions (svyciprop hands df on to confint / svyglm's ddf).
#  * method = "beta" ignores df and scales n.eff by
#    (qt(alpha/2, nrow(subset) - 1) / qt(alpha/2, degf(subset)))^2; a subset of a
#    design with fixed weights drops the other rows (nrow = group rows), a
#    subset of a calibrated (raked) design keeps them with zero weight.
#  * confint(svyby(~x, ~g, design, svymean)) (and svytotal) uses df = Inf unless
#    told (confint.svyby's default); the "domain" mean or total interval is
#    confint(svymean(~x, subset), df = degf(subset)), the "design" one
#    confint(svyby(...), df = degf(design)).  Every choice is written for means and
#    totals by stype (the strata of strat) and by sch.wide (cutting across strata
#    and clusters, at 90%), on the stratified, clustered and raked designs.
suppressMessages(library(survey))
options(digits = 15)
data(api)  # for apipop's margins; the samples are the CSVs (with derived columns)
apistrat <- read.csv("api_strat.csv")
apiclus1 <- read.csv("api_clus1.csv")
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
pop_stype <- as.data.frame(table(stype = apipop$stype))
pop_sw <- as.data.frame(table(sch.wide = apipop$sch.wide))
pop_ci <- as.data.frame(table(comp.imp = apipop$comp.imp))
rclus1 <- rake(dclus1, list(~stype, ~sch.wide, ~comp.imp), list(pop_stype, pop_sw, pop_ci),
               control = list(maxit = 500, epsilon = 1e-15))
designs <- list(strat = dstrat, clus1 = dclus1, rclus1 = rclus1)

ci_rows <- function(b) {
  list(group = as.character(b$stype), estimate = unname(b[[2]]),
       ci_low = unname(b$ci_l), ci_high = unname(b$ci_u))
}
out <- list()
for (nm in names(designs)) {
  d <- designs[[nm]]
  groups <- sort(unique(as.character(d$variables$stype)))
  r <- list(domain_degf = sapply(groups, function(g) degf(subset(d, stype == g)),
                                 USE.NAMES = FALSE),
            domain_nrow = sapply(groups, function(g) nrow(subset(d, stype == g)),
                                 USE.NAMES = FALSE),
            degf = degf(d))
  props <- list()
  for (m in c("logit", "xlogit", "mean", "beta")) {
    props[[m]] <- list(
      domain = ci_rows(svyby(~hi800n, ~stype, d, svyciprop, method = m,
                             vartype = "ci")),
      design = ci_rows(svyby(~hi800n, ~stype, d, svyciprop, method = m,
                             vartype = "ci", df = degf(d))),
      inf = ci_rows(svyby(~hi800n, ~stype, d, svyciprop, method = m,
                          vartype = "ci", df = Inf)))
  }
  r$by_prop_hi800_stype <- props
  b <- svyby(~api00, ~stype, d, svymean)
  ci_inf <- confint(b)
  ci_design <- confint(b, df = degf(d))
  ci_domain <- t(sapply(groups, function(g) {
    s <- subset(d, stype == g)
    confint(svymean(~api00, s), df = degf(s))
  }))
  r$by_mean_api00_stype <- list(
    group = groups, estimate = unname(coef(b)), se = unname(SE(b)),
    inf = list(ci_low = unname(ci_inf[, 1]), ci_high = unname(ci_inf[, 2])),
    design = list(ci_low = unname(ci_design[, 1]), ci_high = unname(ci_design[, 2])),
    domain = list(ci_low = unname(ci_domain[, 1]), ci_high = unname(ci_domain[, 2])))
  bt <- svyby(~enroll, ~stype, d, svytotal)
  ci_t_inf <- confint(bt)
  ci_t_design <- confint(bt, df = degf(d))
  ci_t_domain <- t(sapply(groups, function(g) {
    s <- subset(d, stype == g)
    confint(svytotal(~enroll, s), df = degf(s))
  }))
  r$by_total_enroll_stype <- list(
    group = groups, estimate = unname(coef(bt)), se = unname(SE(bt)),
    inf = list(ci_low = unname(ci_t_inf[, 1]), ci_high = unname(ci_t_inf[, 2])),
    design = list(ci_low = unname(ci_t_design[, 1]), ci_high = unname(ci_t_design[, 2])),
    domain = list(ci_low = unname(ci_t_domain[, 1]), ci_high = unname(ci_t_domain[, 2])))
  # the same for groups that cut across the strata and clusters (sch.wide), at 90%
  sw_groups <- sort(unique(as.character(d$variables$sch.wide)))
  r$sch_wide_domain_degf <- sapply(sw_groups, function(g) degf(subset(d, sch.wide == g)),
                                   USE.NAMES = FALSE)
  for (st in c("mean", "total")) {
    f <- if (st == "mean") svymean else svytotal
    y <- if (st == "mean") ~api00 else ~enroll
    b <- svyby(y, ~sch.wide, d, f)
    ci_inf <- confint(b, level = 0.9)
    ci_design <- confint(b, level = 0.9, df = degf(d))
    ci_domain <- t(sapply(sw_groups, function(g) {
      s <- subset(d, sch.wide == g)
      confint(f(y, s), level = 0.9, df = degf(s))
    }))
    r[[paste0("by_", st, "_schwide_90")]] <- list(
      group = sw_groups, estimate = unname(coef(b)), se = unname(SE(b)),
      inf = list(ci_low = unname(ci_inf[, 1]), ci_high = unname(ci_inf[, 2])),
      design = list(ci_low = unname(ci_design[, 1]), ci_high = unname(ci_design[, 2])),
      domain = list(ci_low = unname(ci_domain[, 1]), ci_high = unname(ci_domain[, 2])))
  }
  # 90% level, to check the confidence= name reaches every interval
  r$mean_api00_90 <- unname(as.numeric(confint(svymean(~api00, d), level = 0.9, df = degf(d))))
  out[[nm]] <- r
}
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "domain_results.json")
cat("R", R.version$major, R.version$minor, "survey", as.character(packageVersion("survey")), "\n")
