/**
 * @tollgate/plugin-quotas: cost estimation and Aperture's dollar quotas for tollgate. This
 * release holds the pure core the plugin is built on: offline prices with Aperture's
 * `cost_basis`, `auto_cost_basis` and `model_cost_map`; exact nanodollar money and rates;
 * token-bucket arithmetic with an injectable clock; bucket templates and quota resolution from
 * grants; the atomic charge statement for the store; hook payload shapes; config schemas.
 */
export { NANODOLLARS_PER_DOLLAR, MONEY_INVALID, MAX_NANODOLLARS, parseMoney, formatMoney, nanodollarsToDollars, type ParseMoneyOptions } from './money/money.js';
export { RATE_UNIT_MS, parseRate, rateOf, type Rate, type RateUnit } from './money/rate.js';
