# Reference numbers for tests/equality from R's survey package (Thomas Lumley).
# Run from this folder:  Rscript make_results.R
# Writes the data Python reads (eq_data.csv) and the numbers equality.assess must
# reproduce (equality_results.json).  Needs r-cran-survey and jsonlite.
#
# For every characteristic and group g the comparison is g against everyone else
# who answered: the two domain means as ratios of svytotal()s (the linearisation
# of svyby(~y, ~ind, svymean)) and svycontrast for the gap, ratio and log ratio, svyciprop(method = "logit") on the
# group's own subset for its interval (the domain's degrees of freedom, as
# svyby + svyciprop), t tests on degf(design), p.adjust for Holm and BH.
suppressMessages(library(survey))
options(digits = 15)
set.seed(20261211)

n <- 900
stratum <- sample(c("north", "centre", "south"), n, TRUE, prob = c(0.4, 0.35, 0.25))
psu <- paste0(stratum, "_", sample(1:10, n, TRUE))
w <- round(runif(n, 40, 160), 3)
age_codes <- c("age_16_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64",
               "age_65_74", "age_75_plus")
age <- sample(age_codes, n, TRUE, prob = c(0.08, 0.12, 0.16, 0.18, 0.18, 0.16, 0.12))
ward <- sample(c("w1", "w2", "w3", "w4"), n, TRUE)
sex <- sample(c("female", "male", NA), n, TRUE, prob = c(0.52, 0.45, 0.03))
eth <- sample(c("white", "asian", "black", "mixed", "other", NA), n, TRUE,
              prob = c(0.70, 0.12, 0.08, 0.05, 0.008, 0.042))
ltc <- sample(c("yes", "no", NA), n, TRUE, prob = c(0.25, 0.72, 0.03))
ra <- ifelse(ltc == "yes", sample(c("a_lot", "a_little", "not_at_all"), n, TRUE,
                                  prob = c(0.35, 0.45, 0.2)), NA)
lp <- -0.2 + 0.5 * (age %in% c("age_65_74", "age_75_plus")) - 0.6 * (eth %in% "black") -
  0.5 * (ra %in% "a_lot") + 0.2 * (sex %in% "male")
y <- rbinom(n, 1, plogis(lp))
y[sample(n, 20)] <- NA
d <- data.frame(stratum, psu, w, age, ward, sex, panel_ethnicity = eth,
                long_term_condition = ltc, reduced_ability = ra, y)
write.csv(d, "eq_data.csv", row.names = FALSE, na = "")

d$disability <- ifelse(is.na(d$long_term_condition), NA,
                ifelse(d$long_term_condition == "no", "not_disabled",
                ifelse(d$reduced_ability == "a_lot", "limited_a_lot",
                ifelse(d$reduced_ability == "a_little", "limited_a_little", "not_disabled"))))

des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
pop_age <- data.frame(age = age_codes, Freq = c(14100, 18900, 17800, 17200, 15400, 12000, 12800))
pop_ward <- data.frame(ward = c("w1", "w2", "w3", "w4"), Freq = c(30000, 28000, 26000, 24200))
raked <- rake(des, list(~age, ~ward), list(pop_age, pop_ward),
              control = list(maxit = 500, epsilon = 1e-15))

chars <- c("age", "sex", "panel_ethnicity", "disability")

compare <- function(design) {
  rows <- list()
  for (ch in chars) {
    x <- design$variables[[ch]]
    for (g in sort(unique(na.omit(x[!is.na(design$variables$y)])))) {
      ind <- ifelse(is.na(x) | is.na(design$variables$y), NA, ifelse(x == g, "g", "rest"))
      ing <- ind %in% "g"; inr <- ind %in% "rest"
      yv <- ifelse(is.na(design$variables$y), 0, design$variables$y)
      design <- update(design, ind = ind, ug = ing * yv, vg = as.numeric(ing),
                       ur = inr * yv, vr = as.numeric(inr))
      # domain means as ratios of totals: exactly svyby(~y, ~ind, svymean)'s linearisation
      tot <- svytotal(~ug + vg + ur + vr, design)
      b <- svycontrast(tot, list(g = quote(ug / vg), rest = quote(ur / vr)))
      gap <- svycontrast(tot, quote(ug / vg - ur / vr))
      lr <- svycontrast(tot, quote(log(ug / vg) - log(ur / vr)))
      ratio <- svycontrast(tot, quote((ug / vg) / (ur / vr)))
      gs <- design[ing, ]
      cp <- svyciprop(~y, gs, method = "logit")
      wg <- weights(gs)[weights(gs) > 0]
      df <- degf(design)
      gse <- unname(SE(gap))
      tq <- qt(0.975, df)
      rows[[length(rows) + 1]] <- list(
        characteristic = ch, group = g,
        estimate = unname(coef(b))[1], se = unname(SE(b))[1],
        rest_estimate = unname(coef(b))[2], rest_se = unname(SE(b))[2],
        ci_low = unname(attr(cp, "ci"))[1], ci_high = unname(attr(cp, "ci"))[2],
        domain_df = degf(gs),
        gap = unname(coef(gap)), gap_se = gse,
        gap_ci_low = unname(coef(gap)) - tq * gse, gap_ci_high = unname(coef(gap)) + tq * gse,
        ratio = unname(coef(ratio)), ratio_se = unname(SE(ratio)),
        ratio_ci_low = exp(unname(coef(lr)) - tq * unname(SE(lr))),
        ratio_ci_high = exp(unname(coef(lr)) + tq * unname(SE(lr))),
        p_value = 2 * pt(-abs(unname(coef(gap)) / gse), df),
        n = length(wg), rest_n = sum(inr),
        n_eff = sum(wg)^2 / sum(wg^2))
    }
  }
  p <- sapply(rows, function(r) r$p_value)
  ok <- sapply(rows, function(r) r$n >= 10 && r$rest_n >= 10 && r$n_eff >= 10)
  holm <- rep(NA, length(p)); bh <- rep(NA, length(p))
  holm[ok] <- p.adjust(p[ok], "holm"); bh[ok] <- p.adjust(p[ok], "BH")
  for (i in seq_along(rows)) { rows[[i]]$p_holm <- holm[i]; rows[[i]]$p_bh <- bh[i] }
  list(degf = degf(design), rows = rows)
}

out <- list(plain = compare(des), raked = compare(raked),
            raked_weights = unname(weights(raked)),
            margins = list(age = setNames(as.list(pop_age$Freq), pop_age$age),
                           ward = setNames(as.list(pop_ward$Freq), pop_ward$ward)),
            versions = list(R = R.version.string, survey = as.character(packageVersion("survey"))))
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "equality_results.json")
