/* Preloaded before libfaketime in the moved-clock test leg (scripts/run_tests.sh).
 *
 * With FAKETIME_DONT_FAKE_MONOTONIC=1, libfaketime 0.9.10 still rewrites the deadline of an
 * absolute clock_nanosleep() on CLOCK_MONOTONIC as if it were a faked time, so Python's
 * time.sleep() (an absolute monotonic sleep since 3.11) fails with EINVAL. The monotonic
 * clock is not moved in that leg, so its sleeps can go straight to the kernel; every other
 * clock still goes through libfaketime. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request,
                    struct timespec *remain)
{
    if (clock_id == CLOCK_MONOTONIC || clock_id == CLOCK_MONOTONIC_RAW ||
        clock_id == CLOCK_BOOTTIME) {
        /* clock_nanosleep returns the error number rather than setting errno */
        long rc = syscall(SYS_clock_nanosleep, clock_id, flags, request, remain);
        return rc == 0 ? 0 : errno;
    }
    static int (*next)(clockid_t, int, const struct timespec *, struct timespec *);
    if (!next)
        next = dlsym(RTLD_NEXT, "clock_nanosleep");
    return next(clock_id, flags, request, remain);
}
