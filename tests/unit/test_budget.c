/* budget.c: the effective threshold of --mirror-budget, sample by sample. */
#include <criterion/criterion.h>

#include "budget.h"

static const struct budget_cfg cfg = {
    .rate_bps = 8000000, .floor = 16384, .ceiling = 10000000,
};

/* One second at 'mbit' Mbit/s (and 'drops' more drops), from *t on. */
static int
second(struct budget *b, uint64_t *t, uint64_t *tx, uint64_t *dr,
       double mbit, uint64_t drops)
{
    *t += 1000;
    *tx += (uint64_t) (mbit * 1e6 / 8);
    *dr += drops;
    return budget_sample(b, &cfg, *t, *tx, *dr, 0);
}

/* A budget primed at t = 0 and raised to the ceiling by a quiet mirror. */
static void
at_ceiling(struct budget *b, uint64_t *t, uint64_t *tx, uint64_t *dr)
{
    budget_init(b, &cfg);
    *t = *tx = *dr = 0;
    budget_sample(b, &cfg, *t, *tx, *dr, 0);
    while (b->threshold < cfg.ceiling) {
        cr_assert_eq(second(b, t, tx, dr, 1.0, 0), 1);
    }
}

Test(budget, starts_at_the_floor_and_needs_two_samples)
{
    struct budget b;
    budget_init(&b, &cfg);
    cr_assert_eq(b.threshold, 16384, "heads first: nothing known yet");
    cr_assert_eq(budget_sample(&b, &cfg, 5000, 123456789, 0, 0), 0);
    cr_assert_eq(b.threshold, 16384, "a first sample has no rate");
}

Test(budget, rises_by_doubling_on_a_quiet_mirror)
{
    struct budget b;
    budget_init(&b, &cfg);
    uint64_t t = 0, tx = 0, dr = 0;
    budget_sample(&b, &cfg, t, tx, dr, 0);
    uint64_t want = 16384;
    for (int i = 0; i < 9; i++) {           /* to 8 MiB */
        cr_assert_eq(second(&b, &t, &tx, &dr, 1.0, 0), 1, "step %d", i);
        want *= 2;
        cr_assert_eq(b.threshold, want);
    }
    cr_assert_eq(second(&b, &t, &tx, &dr, 1.0, 0), 1);
    cr_assert_eq(b.threshold, 10000000, "capped at the ceiling");
    cr_assert_eq(second(&b, &t, &tx, &dr, 1.0, 0), 0);
}

Test(budget, quarters_near_the_budget_down_to_the_floor)
{
    struct budget b;
    uint64_t t, tx, dr;
    at_ceiling(&b, &t, &tx, &dr);
    cr_assert_eq(second(&b, &t, &tx, &dr, 7.0, 0), 0, "7 of 8 Mbit/s is fine");
    cr_assert_eq(b.load_bps, 7000000);
    cr_assert_eq(second(&b, &t, &tx, &dr, 7.3, 0), -1, "over 90 %%");
    cr_assert_eq(b.threshold, 2500000);
    for (int i = 0; i < 8; i++) {
        uint64_t before = b.threshold;
        int r = second(&b, &t, &tx, &dr, 10.0, 0);
        uint64_t want = before / 4 > cfg.floor ? before / 4 : cfg.floor;
        cr_assert_eq(b.threshold, want, "step %d", i);
        cr_assert_eq(r, want < before ? -1 : 0, "step %d", i);
    }
    cr_assert_eq(b.threshold, cfg.floor);
}

Test(budget, a_drop_lowers_at_once)
{
    struct budget b;
    uint64_t t, tx, dr;
    at_ceiling(&b, &t, &tx, &dr);
    cr_assert_eq(second(&b, &t, &tx, &dr, 1.0, 3), -1);
    cr_assert_eq(b.dropped, 3);
    cr_assert_eq(b.threshold, 2500000);
}

Test(budget, rises_only_after_the_hold)
{
    struct budget b;
    uint64_t t, tx, dr;
    at_ceiling(&b, &t, &tx, &dr);
    cr_assert_eq(second(&b, &t, &tx, &dr, 9.0, 0), -1);
    cr_assert_eq(second(&b, &t, &tx, &dr, 9.0, 0), -1);
    cr_assert_eq(b.threshold, 625000);
    for (int i = 0; i < BUDGET_HOLD; i++) {
        cr_assert_eq(second(&b, &t, &tx, &dr, 1.0, 0), 0, "held, %d", i);
    }
    cr_assert_eq(second(&b, &t, &tx, &dr, 1.0, 0), 1);
    cr_assert_eq(b.threshold, 1250000);
    cr_assert_eq(second(&b, &t, &tx, &dr, 5.0, 0), 0, "between 50 and 90 %%");
    cr_assert_eq(b.threshold, 1250000);
}

Test(budget, counters_going_back_start_over)
{
    struct budget b;
    uint64_t t, tx, dr;
    at_ceiling(&b, &t, &tx, &dr);
    cr_assert_eq(budget_sample(&b, &cfg, t + 1000, 10, 0, 0), 0, "reset, no rate");
    cr_assert_eq(b.threshold, 10000000);
    cr_assert_eq(budget_sample(&b, &cfg, t + 1000, 20, 0, 0), 0, "no time passed");
    cr_assert_eq(budget_sample(&b, &cfg, t + 2000, 2000000, 0, 0), -1);
    cr_assert_eq(b.load_bps, 15999840);
}

/* The body meter gets what the rest of the mirror's load leaves of the
 * budget, with a quarter of that load as headroom; it moves only by more
 * than an eighth, and never below a sixteenth of the budget. */
Test(budget, the_meter_gets_what_the_rest_leaves)
{
    struct budget b;
    budget_init(&b, &cfg);
    cr_assert_eq(b.meter_bps, 8000000, "all of it before any sample");
    uint64_t t = 0, tx = 0, passed = 0;
    budget_sample(&b, &cfg, t, tx, 0, passed);
    /* 1 s: 4 Mbit/s on the port, 2 of them through the meter. */
    t += 1000;
    tx += 500000;
    passed += 250000;
    budget_sample(&b, &cfg, t, tx, 0, passed);
    cr_assert(b.meter_changed);
    cr_assert_eq(b.meter_bps, 8000000 - 2500000);
    /* 2.2 Mbit/s of the rest: 5.25 Mbit/s, within an eighth: unchanged. */
    t += 1000;
    tx += 275000;
    budget_sample(&b, &cfg, t, tx, 0, passed);
    cr_assert(!b.meter_changed);
    cr_assert_eq(b.meter_bps, 5500000);
    /* The rest above the budget: a sixteenth is left to bodies. */
    t += 1000;
    tx += 2000000;
    passed += 100000;
    budget_sample(&b, &cfg, t, tx, 0, passed);
    cr_assert(b.meter_changed);
    cr_assert_eq(b.meter_bps, 500000);
    /* Quiet again: all of it. */
    t += 1000;
    budget_sample(&b, &cfg, t, tx, 0, passed);
    cr_assert_eq(b.meter_bps, 8000000);
    /* A meter counter going back (a new meter) starts over. */
    budget_sample(&b, &cfg, t + 1000, tx, 0, 0);
    cr_assert(!b.meter_changed);
}

/* The controller's copies of bodies: a bucket at the meter's rate holding
 * at most its burst (10 ms of it, at least 32 kbit). */
Test(budget, the_bucket_passes_the_meters_rate)
{
    struct budget b;
    budget_init(&b, &cfg);
    b.meter_bps = 8000000;                  /* burst: 80 kbit, 10 KB */
    cr_assert_eq(budget_burst_bits(8000000), 80000);
    cr_assert_eq(budget_burst_bits(100000), 32000, "two full frames");
    uint64_t t = 1000000;
    unsigned n = 0;
    while (budget_take(&b, t, 1000)) {
        n++;
    }
    cr_assert_eq(n, 10, "a full bucket at first");
    /* 1 ms at 8 Mbit/s: 8000 bits, one frame of 1000 bytes. */
    cr_assert(budget_take(&b, t + 1000, 1000));
    cr_assert(!budget_take(&b, t + 1000, 1000));
    /* Idle for long: no more than the burst. */
    t += 5000000;
    for (n = 0; budget_take(&b, t, 1000); n++) {
    }
    cr_assert_eq(n, 10);
    /* A smaller rate: the burst shrinks with it. */
    b.meter_bps = 100000;
    t += 2000000;
    for (n = 0; budget_take(&b, t, 1000); n++) {
    }
    cr_assert_eq(n, 4);
    /* A clock that goes back starts full. */
    cr_assert(budget_take(&b, 1, 1000));
    cr_assert(!budget_take(&b, 1, 100000), "more than the burst never fits");
}
