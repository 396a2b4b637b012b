/* A small epoll event loop (after redis ae.c): fd handlers and one
 * periodic tick.  Protocol code never blocks and never owns the loop. */
#ifndef LOOP_H
#define LOOP_H 1

#include <signal.h>
#include <stdint.h>

struct loop_handler {
    void (*cb)(struct loop_handler *, uint32_t events);
    int fd;
};

/* 0 or a positive errno, as every int-returning function here. */
int loop_init(void);
void loop_destroy(void);
int loop_add(struct loop_handler *, uint32_t events);
int loop_mod(struct loop_handler *, uint32_t events);
void loop_del(struct loop_handler *);

/* Asks for the tick to run no later than 'deadline_ms' (time_ms()). */
void loop_wake_at(uint64_t deadline_ms);

/* Runs until *stop is set: dispatches fd events and calls tick(arg) every
 * tick_ms milliseconds. */
void loop_run(int tick_ms, void (*tick)(void *), void *arg,
              volatile sig_atomic_t *stop);

#endif
