#include "budget.h"

void
budget_init(struct budget *b, const struct budget_cfg *cfg)
{
    *b = (struct budget) { .threshold = cfg->floor, .calm = BUDGET_HOLD,
                           .meter_bps = cfg->rate_bps };
}

static void
meter_sample(struct budget *b, const struct budget_cfg *cfg, uint64_t dt,
             uint64_t db, uint64_t dpassed)
{
    uint64_t other = db > dpassed ? db - dpassed : 0;
    uint64_t other_bps = other > UINT64_MAX / 8000 ? UINT64_MAX
                                                   : other * 8000 / dt;
    uint64_t reserve = other_bps > UINT64_MAX / 5 * 4 ? UINT64_MAX
                                                     : other_bps / 4 * 5;
    uint64_t lo = cfg->rate_bps / 16 ? cfg->rate_bps / 16 : 1;
    uint64_t m = cfg->rate_bps > reserve ? cfg->rate_bps - reserve : 0;
    m = m < lo ? lo : m;
    uint64_t d = m > b->meter_bps ? m - b->meter_bps : b->meter_bps - m;
    b->meter_changed = d > b->meter_bps / 8;
    if (b->meter_changed) {
        b->meter_bps = m;
    }
}

int
budget_sample(struct budget *b, const struct budget_cfg *cfg, uint64_t now_ms,
              uint64_t tx_bytes, uint64_t tx_dropped, uint64_t meter_passed)
{
    bool fresh = !b->primed || now_ms <= b->t_ms || tx_bytes < b->tx_bytes
                 || tx_dropped < b->tx_dropped || meter_passed < b->meter_passed;
    uint64_t dt = now_ms - b->t_ms, db = tx_bytes - b->tx_bytes;
    uint64_t dd = tx_dropped - b->tx_dropped;
    uint64_t dpassed = meter_passed - b->meter_passed;
    b->t_ms = now_ms;
    b->tx_bytes = tx_bytes;
    b->tx_dropped = tx_dropped;
    b->meter_passed = meter_passed;
    b->primed = true;
    b->meter_changed = false;
    if (fresh) {
        return 0;       /* nothing to difference against, or a reset */
    }
    meter_sample(b, cfg, dt, db, dpassed);
    /* bits per second; db < 2^61 for any real port between two samples */
    b->load_bps = db > UINT64_MAX / 8000 ? UINT64_MAX : db * 8000 / dt;
    b->dropped = dd;
    uint64_t high = cfg->rate_bps / 100 * BUDGET_HIGH_PCT;
    uint64_t low = cfg->rate_bps / 100 * BUDGET_LOW_PCT;
    if (b->load_bps > high || dd) {
        b->calm = 0;
        uint64_t t = b->threshold / 4 > cfg->floor ? b->threshold / 4
                                                   : cfg->floor;
        if (t == b->threshold) {
            return 0;
        }
        b->threshold = t;
        return -1;
    }
    if (b->calm < BUDGET_HOLD) {
        b->calm++;
        return 0;
    }
    if (b->load_bps < low && b->threshold < cfg->ceiling) {
        uint64_t t = b->threshold > cfg->ceiling / 2 ? cfg->ceiling
                                                     : b->threshold * 2;
        if (t == b->threshold) {
            return 0;               /* a floor of 0 */
        }
        b->threshold = t;
        return 1;
    }
    return 0;
}

uint64_t
budget_burst_bits(uint64_t rate_bps)
{
    return rate_bps / 100 > 32000 ? rate_bps / 100 : 32000;
}

bool
budget_take(struct budget *b, uint64_t now_us, uint64_t bytes)
{
    uint64_t cap = budget_burst_bits(b->meter_bps);
    uint64_t dt = now_us - b->bucket_us;
    if (!b->bucket_primed || now_us < b->bucket_us || dt >= 1000000
        || b->meter_bps > UINT64_MAX / 1000000) {
        b->bucket_bits = cap;   /* a second or more of the rate: full */
    } else {
        /* A lowered rate shrinks the burst, and what the bucket holds. */
        uint64_t have = b->bucket_bits < cap ? b->bucket_bits : cap;
        uint64_t add = dt * b->meter_bps / 1000000;
        b->bucket_bits = add >= cap - have ? cap : have + add;
    }
    b->bucket_us = now_us;
    b->bucket_primed = true;
    uint64_t need = bytes > UINT64_MAX / 8 ? UINT64_MAX : bytes * 8;
    if (need > b->bucket_bits) {
        return false;
    }
    b->bucket_bits -= need;
    return true;
}
