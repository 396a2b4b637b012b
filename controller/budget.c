#include "budget.h"

void
budget_init(struct budget *b, const struct budget_cfg *cfg)
{
    *b = (struct budget) { .threshold = cfg->floor, .calm = BUDGET_HOLD };
}

int
budget_sample(struct budget *b, const struct budget_cfg *cfg, uint64_t now_ms,
              uint64_t tx_bytes, uint64_t tx_dropped)
{
    bool fresh = !b->primed || now_ms <= b->t_ms || tx_bytes < b->tx_bytes
                 || tx_dropped < b->tx_dropped;
    uint64_t dt = now_ms - b->t_ms, db = tx_bytes - b->tx_bytes;
    uint64_t dd = tx_dropped - b->tx_dropped;
    b->t_ms = now_ms;
    b->tx_bytes = tx_bytes;
    b->tx_dropped = tx_dropped;
    b->primed = true;
    if (fresh) {
        return 0;       /* nothing to difference against, or a reset */
    }
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
